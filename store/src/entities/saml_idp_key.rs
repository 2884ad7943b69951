//! The `saml_idp_keys` table: the SAML identity provider's key and self-signed certificate,
//! the private key encrypted.

use sea_orm::entity::prelude::*;

/// The installation's SAML signing key (one row; its certificate is pinned by the service
/// providers, so it is not rotated).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "saml_idp_keys")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub private_ciphertext: Vec<u8>,
    pub nonce: Vec<u8>,
    /// The self-signed X.509 certificate (PEM).
    pub certificate_pem: String,
    pub created_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
