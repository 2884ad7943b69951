//! Plenum's domain: the rules that hold no matter how Plenum is reached or where it stores data.
//!
//! Nothing in this crate knows about HTTP, the database or Docker; the web, store and engine
//! crates depend on it, never the other way round.

pub mod access;
pub mod account;
pub mod backup;
pub mod booking;
pub mod capacity;
pub mod dns;
pub mod identity;
pub mod incident;
pub mod instance;
pub mod order;
pub mod organisation;
pub mod plan;
pub mod template;
pub mod usage;
pub mod validation;
