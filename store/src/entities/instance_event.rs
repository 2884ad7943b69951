//! The `instance_events` table: what happened to an instance, in words.

use sea_orm::entity::prelude::*;

/// One entry of an instance's event log.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "instance_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub instance_id: i64,
    pub at: ChronoDateTimeUtc,
    pub actor: Option<i64>,
    pub kind: String,
    pub message: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
