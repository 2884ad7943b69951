//! The `orders` table.

use sea_orm::entity::prelude::*;

/// One order: what was asked for, and where it stands.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "orders")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub organisation_id: i64,
    pub name: String,
    pub slug: String,
    pub template: String,
    pub version: String,
    pub plan: String,
    pub rental_start: Date,
    pub rental_end: Date,
    pub event_days: String,
    pub contact: String,
    pub note: String,
    pub status: String,
    pub reason: Option<String>,
    pub instance_id: Option<i64>,
    pub ordered_by: Option<i64>,
    pub decided_by: Option<i64>,
    pub created_at: ChronoDateTimeUtc,
    pub decided_at: Option<ChronoDateTimeUtc>,
    pub updated_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
