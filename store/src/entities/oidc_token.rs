//! The `oidc_tokens` table: access and refresh tokens, stored as SHA-256 hashes.

use sea_orm::entity::prelude::*;

/// One issued token; `family` ties together every token that came from one code.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "oidc_tokens")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub token_hash: String,
    /// `access` or `refresh`.
    pub kind: String,
    pub client_id: String,
    pub user_id: i64,
    pub scope: String,
    pub family: String,
    pub auth_time: ChronoDateTimeUtc,
    pub expires_at: ChronoDateTimeUtc,
    pub revoked_at: Option<ChronoDateTimeUtc>,
    pub created_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
