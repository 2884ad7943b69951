//! Invitations: a link that lets a person granted access, who has no account yet, set a
//! password for their granted address. Stored as the SHA-256 of the link's token.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Invitations {
    Table,
    TokenHash,
    Email,
    ExpiresAt,
    UsedAt,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let at = |col: Invitations| {
            ColumnDef::new(col)
                .timestamp_with_time_zone()
                .not_null()
                .to_owned()
        };
        manager
            .create_table(
                Table::create()
                    .table(Invitations::Table)
                    .col(
                        ColumnDef::new(Invitations::TokenHash)
                            .string_len(64)
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(Invitations::Email)
                            .string_len(254)
                            .not_null(),
                    )
                    .col(at(Invitations::ExpiresAt))
                    .col(
                        ColumnDef::new(Invitations::UsedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(at(Invitations::CreatedAt))
                    .to_owned(),
            )
            .await
    }
}
