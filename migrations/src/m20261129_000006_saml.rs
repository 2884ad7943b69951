//! SAML 2.0: the identity provider's one long-lived key and self-signed certificate (the
//! private key encrypted), and the service provider registered for an instance (its entity
//! id and the assertion consumer service URL responses are posted to).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Instances {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum SamlIdpKeys {
    Table,
    Id,
    PrivateCiphertext,
    Nonce,
    CertificatePem,
    CreatedAt,
}

#[derive(DeriveIden)]
enum SamlServiceProviders {
    Table,
    InstanceId,
    EntityId,
    AcsUrl,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.create_table(saml_idp_keys()).await?;
        manager.create_table(saml_service_providers()).await
    }
}

fn timestamp(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

fn saml_idp_keys() -> TableCreateStatement {
    Table::create()
        .table(SamlIdpKeys::Table)
        .col(
            ColumnDef::new(SamlIdpKeys::Id)
                .string_len(64)
                .not_null()
                .primary_key(),
        )
        .col(
            ColumnDef::new(SamlIdpKeys::PrivateCiphertext)
                .binary()
                .not_null(),
        )
        .col(ColumnDef::new(SamlIdpKeys::Nonce).binary().not_null())
        .col(
            ColumnDef::new(SamlIdpKeys::CertificatePem)
                .text()
                .not_null(),
        )
        .col(timestamp(SamlIdpKeys::CreatedAt))
        .to_owned()
}

fn saml_service_providers() -> TableCreateStatement {
    Table::create()
        .table(SamlServiceProviders::Table)
        .col(
            ColumnDef::new(SamlServiceProviders::InstanceId)
                .big_integer()
                .not_null()
                .primary_key(),
        )
        .col(
            ColumnDef::new(SamlServiceProviders::EntityId)
                .string_len(1024)
                .not_null()
                .unique_key(),
        )
        .col(
            ColumnDef::new(SamlServiceProviders::AcsUrl)
                .text()
                .not_null(),
        )
        .col(timestamp(SamlServiceProviders::CreatedAt))
        .foreign_key(
            ForeignKey::create()
                .from(
                    SamlServiceProviders::Table,
                    SamlServiceProviders::InstanceId,
                )
                .to(Instances::Table, Instances::Id)
                .on_delete(ForeignKeyAction::Cascade),
        )
        .to_owned()
}
