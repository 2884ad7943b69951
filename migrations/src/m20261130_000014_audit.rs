//! The audit trail: one row per state-changing request someone made (who, when, from where,
//! what), never with a secret.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    At,
    ActorId,
    ActorEmail,
    Address,
    Action,
    OrganisationId,
    Details,
    Outcome,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuditLog::Table)
                    .col(
                        ColumnDef::new(AuditLog::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(AuditLog::At)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new(AuditLog::ActorId).big_integer().null())
                    .col(ColumnDef::new(AuditLog::ActorEmail).string_len(254).null())
                    .col(ColumnDef::new(AuditLog::Address).string_len(64).null())
                    .col(ColumnDef::new(AuditLog::Action).string_len(128).not_null())
                    .col(
                        ColumnDef::new(AuditLog::OrganisationId)
                            .big_integer()
                            .null(),
                    )
                    .col(ColumnDef::new(AuditLog::Details).text().not_null())
                    .col(ColumnDef::new(AuditLog::Outcome).integer().not_null())
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("audit_by_organisation", AuditLog::OrganisationId),
            ("audit_by_actor", AuditLog::ActorId),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(AuditLog::Table)
                        .col(column)
                        .col(AuditLog::Id)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
