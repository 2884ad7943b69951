//! The `plans` table.

use sea_orm::entity::prelude::*;

/// How one plan size sizes one template's services (JSON).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "plans")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub template: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub size: String,
    pub services: String,
    pub updated_at: ChronoDateTimeUtc,
    /// Its own backup schedule and retention (JSON); none: the installation's.
    pub backup_policy: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
