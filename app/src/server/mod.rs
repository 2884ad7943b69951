//! The server half of the app (feature `ssr`): the services server functions call, and the
//! context they run in. Nothing here is compiled into the browser bundle.

pub mod access;
pub mod accounts;
pub mod audit;
pub mod backup_schedule;
pub mod backups;
pub mod capacity;
pub mod context;
pub mod incidents;
pub mod instances;
pub mod log_errors;
pub mod log_search;
pub mod mail;
pub mod nodes;
pub mod orders;
pub mod overview;
pub mod passwords;
pub mod phases;
pub mod restore_tests;
mod state;
pub mod throttle;

pub use context::{
    Authorized, authorize_org, require_actor, require_staff, respond, session_store, state,
};
pub use state::AppState;
