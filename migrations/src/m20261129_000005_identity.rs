//! Identity: people's names and whether their email address is verified, access granted at instances, and Plenum's OpenID Connect
//! provider (registered clients, signing keys kept encrypted, authorization codes and tokens
//! stored only as hashes).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    GivenName,
    FamilyName,
    EmailVerified,
}

#[derive(DeriveIden)]
enum Instances {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum InstanceAccess {
    Table,
    Id,
    InstanceId,
    Email,
    GivenName,
    FamilyName,
    Role,
    ValidFrom,
    ValidUntil,
    GrantedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum OidcClients {
    Table,
    ClientId,
    Name,
    InstanceId,
    SecretCiphertext,
    SecretNonce,
    RedirectUris,
    PostLogoutRedirectUris,
    CreatedAt,
}

#[derive(DeriveIden)]
enum OidcSigningKeys {
    Table,
    Kid,
    PrivateCiphertext,
    Nonce,
    PublicJwk,
    CreatedAt,
    RetiredAt,
}

#[derive(DeriveIden)]
enum OidcCodes {
    Table,
    CodeHash,
    ClientId,
    UserId,
    RedirectUri,
    Scope,
    Nonce,
    CodeChallenge,
    AuthTime,
    ExpiresAt,
    UsedAt,
}

#[derive(DeriveIden)]
enum OidcTokens {
    Table,
    TokenHash,
    Kind,
    ClientId,
    UserId,
    Scope,
    Family,
    AuthTime,
    ExpiresAt,
    RevokedAt,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [Users::GivenName, Users::FamilyName] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Users::Table)
                        .add_column(ColumnDef::new(column).string_len(100).null())
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(
                        ColumnDef::new(Users::EmailVerified)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .to_owned(),
            )
            .await?;
        manager.create_table(instance_access()).await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_instance_access_email")
                    .table(InstanceAccess::Table)
                    .col(InstanceAccess::Email)
                    .to_owned(),
            )
            .await?;
        manager.create_table(oidc_clients()).await?;
        manager.create_table(oidc_signing_keys()).await?;
        manager.create_table(oidc_codes()).await?;
        manager.create_table(oidc_tokens()).await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_oidc_tokens_family")
                    .table(OidcTokens::Table)
                    .col(OidcTokens::Family)
                    .to_owned(),
            )
            .await
    }
}

fn timestamp(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

fn instance_access() -> TableCreateStatement {
    Table::create()
        .table(InstanceAccess::Table)
        .col(
            ColumnDef::new(InstanceAccess::Id)
                .big_integer()
                .not_null()
                .auto_increment()
                .primary_key(),
        )
        .col(
            ColumnDef::new(InstanceAccess::InstanceId)
                .big_integer()
                .not_null(),
        )
        .col(
            ColumnDef::new(InstanceAccess::Email)
                .string_len(254)
                .not_null(),
        )
        .col(
            ColumnDef::new(InstanceAccess::GivenName)
                .string_len(100)
                .not_null(),
        )
        .col(
            ColumnDef::new(InstanceAccess::FamilyName)
                .string_len(100)
                .not_null(),
        )
        .col(
            ColumnDef::new(InstanceAccess::Role)
                .string_len(20)
                .not_null(),
        )
        .col(ColumnDef::new(InstanceAccess::ValidFrom).date().not_null())
        .col(ColumnDef::new(InstanceAccess::ValidUntil).date().not_null())
        .col(
            ColumnDef::new(InstanceAccess::GrantedBy)
                .big_integer()
                .null(),
        )
        .col(timestamp(InstanceAccess::CreatedAt))
        .index(
            Index::create()
                .name("uq_instance_access_person")
                .col(InstanceAccess::InstanceId)
                .col(InstanceAccess::Email)
                .unique(),
        )
        .foreign_key(
            ForeignKey::create()
                .from(InstanceAccess::Table, InstanceAccess::InstanceId)
                .to(Instances::Table, Instances::Id)
                .on_delete(ForeignKeyAction::Cascade),
        )
        .to_owned()
}

fn oidc_clients() -> TableCreateStatement {
    Table::create()
        .table(OidcClients::Table)
        .col(
            ColumnDef::new(OidcClients::ClientId)
                .string_len(64)
                .not_null()
                .primary_key(),
        )
        .col(ColumnDef::new(OidcClients::Name).string_len(100).not_null())
        .col(
            ColumnDef::new(OidcClients::InstanceId)
                .big_integer()
                .null()
                .unique_key(),
        )
        .col(
            ColumnDef::new(OidcClients::SecretCiphertext)
                .binary()
                .null(),
        )
        .col(ColumnDef::new(OidcClients::SecretNonce).binary().null())
        .col(ColumnDef::new(OidcClients::RedirectUris).text().not_null())
        .col(
            ColumnDef::new(OidcClients::PostLogoutRedirectUris)
                .text()
                .not_null(),
        )
        .col(timestamp(OidcClients::CreatedAt))
        .foreign_key(
            ForeignKey::create()
                .from(OidcClients::Table, OidcClients::InstanceId)
                .to(Instances::Table, Instances::Id)
                .on_delete(ForeignKeyAction::Cascade),
        )
        .to_owned()
}

fn oidc_signing_keys() -> TableCreateStatement {
    Table::create()
        .table(OidcSigningKeys::Table)
        .col(
            ColumnDef::new(OidcSigningKeys::Kid)
                .string_len(64)
                .not_null()
                .primary_key(),
        )
        .col(
            ColumnDef::new(OidcSigningKeys::PrivateCiphertext)
                .binary()
                .not_null(),
        )
        .col(ColumnDef::new(OidcSigningKeys::Nonce).binary().not_null())
        .col(ColumnDef::new(OidcSigningKeys::PublicJwk).text().not_null())
        .col(timestamp(OidcSigningKeys::CreatedAt))
        .col(
            ColumnDef::new(OidcSigningKeys::RetiredAt)
                .timestamp_with_time_zone()
                .null(),
        )
        .to_owned()
}

fn oidc_codes() -> TableCreateStatement {
    Table::create()
        .table(OidcCodes::Table)
        .col(
            ColumnDef::new(OidcCodes::CodeHash)
                .string_len(64)
                .not_null()
                .primary_key(),
        )
        .col(
            ColumnDef::new(OidcCodes::ClientId)
                .string_len(64)
                .not_null(),
        )
        .col(ColumnDef::new(OidcCodes::UserId).big_integer().not_null())
        .col(ColumnDef::new(OidcCodes::RedirectUri).text().not_null())
        .col(ColumnDef::new(OidcCodes::Scope).text().not_null())
        .col(ColumnDef::new(OidcCodes::Nonce).text().null())
        .col(
            ColumnDef::new(OidcCodes::CodeChallenge)
                .string_len(128)
                .null(),
        )
        .col(timestamp(OidcCodes::AuthTime))
        .col(timestamp(OidcCodes::ExpiresAt))
        .col(
            ColumnDef::new(OidcCodes::UsedAt)
                .timestamp_with_time_zone()
                .null(),
        )
        .foreign_key(
            ForeignKey::create()
                .from(OidcCodes::Table, OidcCodes::UserId)
                .to(Users::Table, Users::Id)
                .on_delete(ForeignKeyAction::Cascade),
        )
        .foreign_key(
            ForeignKey::create()
                .from(OidcCodes::Table, OidcCodes::ClientId)
                .to(OidcClients::Table, OidcClients::ClientId)
                .on_delete(ForeignKeyAction::Cascade),
        )
        .to_owned()
}

fn oidc_tokens() -> TableCreateStatement {
    Table::create()
        .table(OidcTokens::Table)
        .col(
            ColumnDef::new(OidcTokens::TokenHash)
                .string_len(64)
                .not_null()
                .primary_key(),
        )
        .col(ColumnDef::new(OidcTokens::Kind).string_len(10).not_null())
        .col(
            ColumnDef::new(OidcTokens::ClientId)
                .string_len(64)
                .not_null(),
        )
        .col(ColumnDef::new(OidcTokens::UserId).big_integer().not_null())
        .col(ColumnDef::new(OidcTokens::Scope).text().not_null())
        .col(ColumnDef::new(OidcTokens::Family).string_len(64).not_null())
        .col(timestamp(OidcTokens::AuthTime))
        .col(timestamp(OidcTokens::ExpiresAt))
        .col(
            ColumnDef::new(OidcTokens::RevokedAt)
                .timestamp_with_time_zone()
                .null(),
        )
        .col(timestamp(OidcTokens::CreatedAt))
        .foreign_key(
            ForeignKey::create()
                .from(OidcTokens::Table, OidcTokens::UserId)
                .to(Users::Table, Users::Id)
                .on_delete(ForeignKeyAction::Cascade),
        )
        .foreign_key(
            ForeignKey::create()
                .from(OidcTokens::Table, OidcTokens::ClientId)
                .to(OidcClients::Table, OidcClients::ClientId)
                .on_delete(ForeignKeyAction::Cascade),
        )
        .to_owned()
}
