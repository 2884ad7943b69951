//! Backups: one row per backup of an instance (why, how far it got, how big, its object in
//! the vault), and the backup an instance is being restored from.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Backups {
    Table,
    Id,
    InstanceId,
    Reason,
    Phase,
    State,
    SizeBytes,
    StoredBytes,
    Error,
    RequestedBy,
    RequestedAt,
    FinishedAt,
}

#[derive(DeriveIden)]
enum Instances {
    Table,
    Id,
    RestoringFrom,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Backups::Table)
                    .col(
                        ColumnDef::new(Backups::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Backups::InstanceId).big_integer().not_null())
                    .col(ColumnDef::new(Backups::Reason).string_len(16).not_null())
                    .col(ColumnDef::new(Backups::Phase).string_len(16).null())
                    .col(ColumnDef::new(Backups::State).string_len(16).not_null())
                    .col(ColumnDef::new(Backups::SizeBytes).big_integer().null())
                    .col(ColumnDef::new(Backups::StoredBytes).big_integer().null())
                    .col(ColumnDef::new(Backups::Error).string_len(2048).null())
                    .col(ColumnDef::new(Backups::RequestedBy).big_integer().null())
                    .col(
                        ColumnDef::new(Backups::RequestedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Backups::FinishedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Backups::Table, Backups::InstanceId)
                            .to(Instances::Table, Instances::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("backups_by_instance")
                    .table(Backups::Table)
                    .col(Backups::InstanceId)
                    .col(Backups::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Instances::Table)
                    .add_column(
                        ColumnDef::new(Instances::RestoringFrom)
                            .big_integer()
                            .null(),
                    )
                    .to_owned(),
            )
            .await
    }
}
