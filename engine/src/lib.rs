//! The Swarm engine: pure specs ([`spec`]), the bollard adapter ([`docker`]), one reconcile
//! pass per instance ([`reconcile`]), the controller loop that runs the passes
//! ([`controller`]) and the lifecycle operations the web layer calls ([`Engine`]);
//! [`start`] starts it all inside Plenum.

mod backups;
pub mod controller;
pub mod docker;
mod drain;
pub mod lifecycle;
pub mod logs;
pub mod metrics;
pub mod reconcile;
pub mod secrets;
pub mod settings;
pub mod spec;
mod start;
pub mod usage;

pub use controller::{Controller, ControllerHandle, Trigger};
pub use drain::DrainReport;
pub use lifecycle::{Engine, EngineError, NewInstanceRequest};
pub use settings::{DockerEndpoint, EngineSettings, EntryAccess, SettingsError};
pub use start::{RunningEngine, StartError, start};
