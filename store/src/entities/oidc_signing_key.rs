//! The `oidc_signing_keys` table: the provider's RSA keys, private parts encrypted.

use sea_orm::entity::prelude::*;

/// One signing key; retired keys stay published until they are deleted.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "oidc_signing_keys")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub kid: String,
    pub private_ciphertext: Vec<u8>,
    pub nonce: Vec<u8>,
    /// The public key as a JWK (JSON).
    pub public_jwk: String,
    pub created_at: ChronoDateTimeUtc,
    pub retired_at: Option<ChronoDateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
