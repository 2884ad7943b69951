//! sea-orm entities, one module per table. Plain table mappings: behaviour lives in the repositories.

pub mod catalog_version;
pub mod instance;
pub mod instance_event;
pub mod instance_secret;
pub mod membership;
pub mod order;
pub mod organisation;
pub mod plan;
pub mod slug_reservation;
pub mod user;
