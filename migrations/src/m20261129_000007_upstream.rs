//! Upstream login: OpenID Connect providers people sign in to Plenum through, for the whole
//! platform (staff's) or for one organisation (its owners' "bring your own provider"), with
//! the client secret encrypted and the claims mapping editable.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum UpstreamProviders {
    Table,
    Id,
    OrganisationId,
    Name,
    Issuer,
    ClientId,
    SecretCiphertext,
    SecretNonce,
    ClaimEmail,
    ClaimGivenName,
    ClaimFamilyName,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Organisations {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let text = |col: UpstreamProviders, len: u32| {
            ColumnDef::new(col).string_len(len).not_null().to_owned()
        };
        manager
            .create_table(
                Table::create()
                    .table(UpstreamProviders::Table)
                    .col(
                        ColumnDef::new(UpstreamProviders::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(UpstreamProviders::OrganisationId)
                            .big_integer()
                            .null(),
                    )
                    .col(text(UpstreamProviders::Name, 100))
                    .col(text(UpstreamProviders::Issuer, 500))
                    .col(text(UpstreamProviders::ClientId, 200))
                    .col(
                        ColumnDef::new(UpstreamProviders::SecretCiphertext)
                            .binary()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(UpstreamProviders::SecretNonce)
                            .binary()
                            .not_null(),
                    )
                    .col(text(UpstreamProviders::ClaimEmail, 100))
                    .col(text(UpstreamProviders::ClaimGivenName, 100))
                    .col(text(UpstreamProviders::ClaimFamilyName, 100))
                    .col(
                        ColumnDef::new(UpstreamProviders::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(UpstreamProviders::Table, UpstreamProviders::OrganisationId)
                            .to(Organisations::Table, Organisations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }
}
