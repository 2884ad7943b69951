//! The `instance_access` table: people granted access to one instance, by email.

use sea_orm::entity::prelude::*;

/// One person's access to one instance.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "instance_access")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub instance_id: i64,
    pub email: String,
    pub given_name: String,
    pub family_name: String,
    pub role: String,
    pub valid_from: Date,
    pub valid_until: Date,
    pub granted_by: Option<i64>,
    pub created_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
