//! The `instances` table.

use sea_orm::entity::prelude::*;

/// One instance: desired state (lifecycle, version, replicas, plan limits, generation) and
/// observed status.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "instances")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub organisation_id: i64,
    pub name: String,
    #[sea_orm(unique)]
    pub slug: String,
    pub template: String,
    pub version: String,
    pub lifecycle: String,
    pub replicas: String,
    pub generation: i64,
    pub status: String,
    pub status_reason: Option<String>,
    pub observed_generation: i64,
    pub created_at: ChronoDateTimeUtc,
    pub updated_at: ChronoDateTimeUtc,
    pub status_at: ChronoDateTimeUtc,
    pub removed_at: Option<ChronoDateTimeUtc>,
    pub limits: Option<String>,
    /// The phase last applied (`quiet`, `event`, `hibernated`, `archived`).
    pub phase: Option<String>,
    /// The phase staff pinned it to.
    pub phase_pin: Option<String>,
    /// The phase's Swarm reservations by service (JSON), if any.
    pub reservations: Option<String>,
    /// When it was last seen in use.
    pub last_used_at: Option<ChronoDateTimeUtc>,
    /// Whether its owner lets it hibernate when unused.
    pub hibernate_allowed: bool,
    /// The Swarm node it lives on (its services and volumes), once placed.
    pub node_id: Option<String>,
    /// The node a drain is moving it to.
    pub moving_to: Option<String>,
    /// The backup it is being restored from.
    pub restoring_from: Option<i64>,
    /// Restore jobs started for the current restore.
    pub restore_attempts: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
