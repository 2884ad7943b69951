//! What Plenum keeps per SAML service provider to configure the instance itself and to
//! sign people out of it: its single logout URL, its own key (sealed like every secret) with
//! its self-signed certificate, the digest of the settings last written into the instance,
//! and when writing them last failed (for the retry back-off).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SamlServiceProviders {
    Table,
    SloUrl,
    SpKeyCiphertext,
    SpKeyNonce,
    SpCertificatePem,
    ConfiguredDigest,
    ConfigureFailedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite adds a single column per ALTER TABLE.
        let columns = [
            ColumnDef::new(SamlServiceProviders::SloUrl)
                .string_len(2048)
                .null()
                .to_owned(),
            ColumnDef::new(SamlServiceProviders::SpKeyCiphertext)
                .binary()
                .null()
                .to_owned(),
            ColumnDef::new(SamlServiceProviders::SpKeyNonce)
                .binary()
                .null()
                .to_owned(),
            ColumnDef::new(SamlServiceProviders::SpCertificatePem)
                .text()
                .null()
                .to_owned(),
            ColumnDef::new(SamlServiceProviders::ConfiguredDigest)
                .string_len(64)
                .null()
                .to_owned(),
            ColumnDef::new(SamlServiceProviders::ConfigureFailedAt)
                .timestamp_with_time_zone()
                .null()
                .to_owned(),
        ];
        for mut column in columns {
            manager
                .alter_table(
                    Table::alter()
                        .table(SamlServiceProviders::Table)
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
