//! Plenum's database layer: one connection type for SQLite and PostgreSQL, the sea-orm
//! entities, and repositories that speak in domain types.
//!
//! Which database is used is decided by the URL alone: `sqlite://…` or `postgres://…`.

mod accounts;
mod audit;
mod backups;
mod connection;
mod copies;
mod crypto;
pub mod entities;
mod error;
mod identity;
mod incidents;
mod instances;
mod invitations;
mod orders;
mod organisations;
mod upstream;

pub use accounts::{NewUser, UserRecord};
pub use audit::{AuditEntry, AuditFilter, NewAuditEntry};
pub use backups::{BackupRecord, RestoreTest, size_in_words};
pub use connection::{Backend, Db};
pub use copies::CopyPurpose;
pub use crypto::{InvalidKey, SecretKey, SecretValue};
pub use error::StoreError;
pub use identity::{
    AccessRecord, ClientRecord, CodeRecord, GrantOutcome, NewClient, NewCode, NewToken, Redeemed,
    Rotated, SamlIdpKeyRecord, SamlServiceProviderRecord, SamlSpKeyRecord, SigningKeyRecord,
    TokenKind, TokenRecord,
};
pub use incidents::{Failure, IncidentRecord};
pub use instances::{DesiredChange, DesiredUpdate, InstanceEvent, InstanceRecord, NewInstance};
pub use orders::{CatalogEntry, OrderRecord, PlanRecord};
pub use organisations::{MemberRecord, OrgRecord, OrgSummary};
pub use upstream::{NO_PASSWORD, UpstreamRecord};
