//! The `saml_service_providers` table: the SAML service provider of an instance.

use sea_orm::entity::prelude::*;

/// One instance's service provider: who it is and where its responses go.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "saml_service_providers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub instance_id: i64,
    /// The service provider's entity id (unique across instances).
    pub entity_id: String,
    /// The assertion consumer service URL (HTTP-POST binding).
    pub acs_url: String,
    pub created_at: ChronoDateTimeUtc,
    /// Its single logout service (HTTP-POST binding), if it has one.
    pub slo_url: Option<String>,
    /// The service provider's own private key, sealed (made on first use).
    pub sp_key_ciphertext: Option<Vec<u8>>,
    /// The nonce it was sealed with.
    pub sp_key_nonce: Option<Vec<u8>>,
    /// Its self-signed certificate (PEM).
    pub sp_certificate_pem: Option<String>,
    /// The digest of the settings last written into the instance.
    pub configured_digest: Option<String>,
    /// When writing them last failed.
    pub configure_failed_at: Option<ChronoDateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
