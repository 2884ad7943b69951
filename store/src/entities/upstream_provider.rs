//! The `upstream_providers` table: OpenID Connect providers people sign in to Plenum through.

use sea_orm::entity::prelude::*;

/// One provider: the platform's (no organisation) or one organisation's.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "upstream_providers")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub organisation_id: Option<i64>,
    pub name: String,
    pub issuer: String,
    pub client_id: String,
    pub secret_ciphertext: Vec<u8>,
    pub secret_nonce: Vec<u8>,
    pub claim_email: String,
    pub claim_given_name: String,
    pub claim_family_name: String,
    pub created_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
