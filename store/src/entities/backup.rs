//! The `backups` table.

use sea_orm::entity::prelude::*;

/// One backup of an instance.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "backups")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub instance_id: i64,
    /// `manual`, `scheduled` or `final`.
    pub reason: String,
    /// The instance's phase when it was asked for.
    pub phase: Option<String>,
    /// `requested`, `running`, `stored` or `failed`.
    pub state: String,
    /// The dump's size.
    pub size_bytes: Option<i64>,
    /// The encrypted objects' size in the vault.
    pub stored_bytes: Option<i64>,
    /// Why it failed.
    pub error: Option<String>,
    pub requested_by: Option<i64>,
    pub requested_at: ChronoDateTimeUtc,
    pub finished_at: Option<ChronoDateTimeUtc>,
    /// The latest restore test: `running`, `passed` or `failed`.
    pub test_state: Option<String>,
    /// Why the latest restore test failed.
    pub test_detail: Option<String>,
    /// The latest restore test's scratch instance.
    pub test_instance_id: Option<i64>,
    /// When the latest restore test started, or ended once it has.
    pub tested_at: Option<ChronoDateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
