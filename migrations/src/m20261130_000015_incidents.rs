//! Incidents: failed and killed tasks of an instance, grouped by service, kind and message,
//! counted, with when they were first and last seen and when staff were last told.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Incidents {
    Table,
    Id,
    InstanceId,
    Service,
    Kind,
    Message,
    Count,
    FirstSeen,
    LastSeen,
    NotifiedAt,
}

#[derive(DeriveIden)]
enum Instances {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Incidents::Table)
                    .col(
                        ColumnDef::new(Incidents::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(Incidents::InstanceId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(Incidents::Service).string_len(64).not_null())
                    .col(ColumnDef::new(Incidents::Kind).string_len(16).not_null())
                    .col(
                        ColumnDef::new(Incidents::Message)
                            .string_len(512)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Incidents::Count).big_integer().not_null())
                    .col(
                        ColumnDef::new(Incidents::FirstSeen)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Incidents::LastSeen)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Incidents::NotifiedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Incidents::Table, Incidents::InstanceId)
                            .to(Instances::Table, Instances::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("incidents_grouped")
                    .table(Incidents::Table)
                    .col(Incidents::InstanceId)
                    .col(Incidents::Service)
                    .col(Incidents::Kind)
                    .col(Incidents::Message)
                    .unique()
                    .to_owned(),
            )
            .await
    }
}
