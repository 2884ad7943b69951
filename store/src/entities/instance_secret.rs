//! The `instance_secrets` table: generated secret values, encrypted.

use sea_orm::entity::prelude::*;

/// One encrypted secret value of one instance.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "instance_secrets")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub instance_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub name: String,
    pub ciphertext: Vec<u8>,
    pub nonce: Vec<u8>,
    pub created_at: ChronoDateTimeUtc,
    pub revealed_at: Option<ChronoDateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
