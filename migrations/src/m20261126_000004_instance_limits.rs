//! Instance limits: each instance carries the per-service resource limits of the plan it was
//! ordered with, as JSON (`{"web": {"nano_cpus": 500000000, "memory_bytes": 268435456}}`).
//! Nullable: existing instances and those created without a plan keep none.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Instances {
    Table,
    Limits,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Instances::Table)
                    .add_column(ColumnDef::new(Instances::Limits).text().null())
                    .to_owned(),
            )
            .await
    }
}
