//! Placement: the Swarm node an instance lives on (its data with it), and the node it is
//! being moved to while a drain moves it.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Instances {
    Table,
    NodeId,
    MovingTo,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite adds a single column per ALTER TABLE.
        for column in [Instances::NodeId, Instances::MovingTo] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Instances::Table)
                        .add_column(ColumnDef::new(column).string().null())
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
