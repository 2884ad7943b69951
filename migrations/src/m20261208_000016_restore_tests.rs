//! Restore tests: each backup's latest test (a scratch copy brought up from it): how it
//! went, why it failed, the scratch instance and when it ran. And how many restore jobs an
//! instance's current restore has started (a lost one is started again, a few times).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Backups {
    Table,
    TestState,
    TestDetail,
    TestInstanceId,
    TestedAt,
}

#[derive(DeriveIden)]
enum Instances {
    Table,
    RestoreAttempts,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let columns = [
            ColumnDef::new(Backups::TestState)
                .string_len(16)
                .null()
                .to_owned(),
            ColumnDef::new(Backups::TestDetail)
                .string_len(2048)
                .null()
                .to_owned(),
            ColumnDef::new(Backups::TestInstanceId)
                .big_integer()
                .null()
                .to_owned(),
            ColumnDef::new(Backups::TestedAt)
                .timestamp_with_time_zone()
                .null()
                .to_owned(),
        ];
        // One column per statement: SQLite adds a single column per ALTER TABLE.
        for mut column in columns {
            manager
                .alter_table(
                    Table::alter()
                        .table(Backups::Table)
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Instances::Table)
                    .add_column(
                        ColumnDef::new(Instances::RestoreAttempts)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .to_owned(),
            )
            .await
    }
}
