//! The `plenum` server: configuration, logging, sessions, request guards and the axum router
//! that serves the Leptos app. `main.rs` only parses the command line and calls in here.

mod audit;
mod backups;
mod bearer;
pub mod cli;
pub mod config;
mod csrf;
mod health;
mod instance_logs;
mod instance_stream;
pub mod metrics;
mod oidc;
pub mod router;
mod saml;
pub mod scheduler;
mod secret_key;
mod sessions;
pub mod telemetry;
mod upstream;
mod wake;

pub use router::{Plenum, start};
