//! Instances follow their event days: the phase last applied (quiet, event, hibernated,
//! archived), the phase staff pinned them to, if any, and the Swarm reservations per service
//! of the phase (JSON, like `limits`).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Instances {
    Table,
    Phase,
    PhasePin,
    Reservations,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite adds a single column per ALTER TABLE.
        for column in [Instances::Phase, Instances::PhasePin] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Instances::Table)
                        .add_column(ColumnDef::new(column).string_len(16).null())
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Instances::Table)
                    .add_column(ColumnDef::new(Instances::Reservations).text().null())
                    .to_owned(),
            )
            .await
    }
}
