//! Plenum's edge router: Caddy, configured by Plenum through Caddy's admin API.
//!
//! Every running instance answers at `https://<slug>.<base domain>`; Plenum's own UI at its
//! own host name; everything else gets a status page served by Plenum. Plenum owns Caddy's
//! whole configuration and reconciles it like the Swarm objects: desired from the database,
//! actual read back from Caddy, loaded when they differ.
//!
//! | module | job |
//! |---|---|
//! | [`settings`] | [`EdgeSettings`](settings::EdgeSettings) and their checked form [`EdgeSetup`](settings::EdgeSetup) |
//! | [`directory`] | what the edge needs to know about instances ([`InstanceDirectory`](directory::InstanceDirectory)) |
//! | [`store_directory`] | the directory over Plenum's database ([`StoreDirectory`](store_directory::StoreDirectory)) |
//! | [`config`] | pure: instances → Caddy JSON configuration; routes read back from one |
//! | [`caddy`] | the admin API client |
//! | [`reconciler`] | the loop keeping Caddy configured, its status and handle |
//! | [`http`] | Plenum's `/edge/ask` and `/edge/status` endpoints |
//! | [`pages`] | the status pages' HTML |

pub mod caddy;
pub mod config;
pub mod directory;
pub mod http;
pub mod pages;
pub mod reconciler;
pub mod settings;
pub mod store_directory;

pub use directory::{DirectoryError, EdgeInstance, InstanceDirectory, InstanceState, Waker};
pub use reconciler::{EdgeHandle, EdgeStatus, Reconciler};
pub use settings::{EdgeSettings, EdgeSetup, SettingsError};
pub use store_directory::StoreDirectory;
