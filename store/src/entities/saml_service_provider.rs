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
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
