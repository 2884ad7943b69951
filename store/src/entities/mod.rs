//! sea-orm entities, one module per table. Plain table mappings: behaviour lives in the repositories.

pub mod membership;
pub mod organisation;
pub mod user;
