//! The `audit_log` table.

use sea_orm::entity::prelude::*;

/// One state-changing request.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub at: ChronoDateTimeUtc,
    pub actor_id: Option<i64>,
    /// The actor's email then (accounts may be renamed or removed later).
    pub actor_email: Option<String>,
    /// The client's address.
    pub address: Option<String>,
    /// What was done: the endpoint, e.g. `instances/stop`.
    pub action: String,
    /// The organisation it concerned, when one.
    pub organisation_id: Option<i64>,
    /// The request's recorded fields (JSON object; values of fields that may hold secrets
    /// are never recorded).
    pub details: String,
    /// The HTTP status it was answered with.
    pub outcome: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
