//! Instances (desired and observed state), their generated secrets (encrypted) and their
//! event log.
//!
//! Later columns (rental period, plan) come in their own migrations; nothing here depends on
//! column order.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Instances {
    Table,
    Id,
    OrganisationId,
    Name,
    Slug,
    Template,
    Version,
    Lifecycle,
    Replicas,
    Generation,
    Status,
    StatusReason,
    ObservedGeneration,
    CreatedAt,
    UpdatedAt,
    StatusAt,
    RemovedAt,
}

#[derive(DeriveIden)]
enum InstanceSecrets {
    Table,
    InstanceId,
    Name,
    Ciphertext,
    Nonce,
    CreatedAt,
    RevealedAt,
}

#[derive(DeriveIden)]
enum InstanceEvents {
    Table,
    Id,
    InstanceId,
    At,
    Actor,
    Kind,
    Message,
}

#[derive(DeriveIden)]
enum Organisations {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.create_table(instances()).await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_instances_organisation")
                    .table(Instances::Table)
                    .col(Instances::OrganisationId)
                    .to_owned(),
            )
            .await?;
        manager.create_table(instance_secrets()).await?;
        manager.create_table(instance_events()).await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_instance_events_instance")
                    .table(InstanceEvents::Table)
                    .col(InstanceEvents::InstanceId)
                    .col(InstanceEvents::Id)
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

fn instances() -> TableCreateStatement {
    Table::create()
        .table(Instances::Table)
        .col(
            ColumnDef::new(Instances::Id)
                .big_integer()
                .not_null()
                .auto_increment()
                .primary_key(),
        )
        .col(
            ColumnDef::new(Instances::OrganisationId)
                .big_integer()
                .not_null(),
        )
        .col(ColumnDef::new(Instances::Name).string_len(100).not_null())
        .col(
            ColumnDef::new(Instances::Slug)
                .string_len(40)
                .not_null()
                .unique_key(),
        )
        .col(
            ColumnDef::new(Instances::Template)
                .string_len(64)
                .not_null(),
        )
        .col(
            ColumnDef::new(Instances::Version)
                .string_len(128)
                .not_null(),
        )
        // Desired lifecycle: running, stopped, removed or erased.
        .col(
            ColumnDef::new(Instances::Lifecycle)
                .string_len(16)
                .not_null(),
        )
        // Replica overrides by service name, as a JSON object.
        .col(ColumnDef::new(Instances::Replicas).text().not_null())
        // Bumped by every change of the desired state (optimistic concurrency).
        .col(
            ColumnDef::new(Instances::Generation)
                .big_integer()
                .not_null()
                .default(1),
        )
        .col(ColumnDef::new(Instances::Status).string_len(32).not_null())
        .col(ColumnDef::new(Instances::StatusReason).text().null())
        // The generation whose desired state was last applied to the Swarm in full.
        .col(
            ColumnDef::new(Instances::ObservedGeneration)
                .big_integer()
                .not_null()
                .default(0),
        )
        .col(timestamp(Instances::CreatedAt))
        .col(timestamp(Instances::UpdatedAt))
        .col(timestamp(Instances::StatusAt))
        .col(
            ColumnDef::new(Instances::RemovedAt)
                .timestamp_with_time_zone()
                .null(),
        )
        .foreign_key(
            ForeignKey::create()
                .from(Instances::Table, Instances::OrganisationId)
                .to(Organisations::Table, Organisations::Id)
                .on_delete(ForeignKeyAction::Restrict),
        )
        .to_owned()
}

fn instance_secrets() -> TableCreateStatement {
    Table::create()
        .table(InstanceSecrets::Table)
        .col(
            ColumnDef::new(InstanceSecrets::InstanceId)
                .big_integer()
                .not_null(),
        )
        .col(
            ColumnDef::new(InstanceSecrets::Name)
                .string_len(64)
                .not_null(),
        )
        .col(
            ColumnDef::new(InstanceSecrets::Ciphertext)
                .binary()
                .not_null(),
        )
        .col(ColumnDef::new(InstanceSecrets::Nonce).binary().not_null())
        .col(timestamp(InstanceSecrets::CreatedAt))
        .col(
            ColumnDef::new(InstanceSecrets::RevealedAt)
                .timestamp_with_time_zone()
                .null(),
        )
        .primary_key(
            Index::create()
                .col(InstanceSecrets::InstanceId)
                .col(InstanceSecrets::Name),
        )
        .foreign_key(
            ForeignKey::create()
                .from(InstanceSecrets::Table, InstanceSecrets::InstanceId)
                .to(Instances::Table, Instances::Id)
                .on_delete(ForeignKeyAction::Cascade),
        )
        .to_owned()
}

fn instance_events() -> TableCreateStatement {
    Table::create()
        .table(InstanceEvents::Table)
        .col(
            ColumnDef::new(InstanceEvents::Id)
                .big_integer()
                .not_null()
                .auto_increment()
                .primary_key(),
        )
        .col(
            ColumnDef::new(InstanceEvents::InstanceId)
                .big_integer()
                .not_null(),
        )
        .col(timestamp(InstanceEvents::At))
        // The acting user, or NULL for the engine itself.
        .col(ColumnDef::new(InstanceEvents::Actor).big_integer().null())
        .col(
            ColumnDef::new(InstanceEvents::Kind)
                .string_len(32)
                .not_null(),
        )
        .col(ColumnDef::new(InstanceEvents::Message).text().not_null())
        .foreign_key(
            ForeignKey::create()
                .from(InstanceEvents::Table, InstanceEvents::InstanceId)
                .to(Instances::Table, Instances::Id)
                .on_delete(ForeignKeyAction::Cascade),
        )
        .foreign_key(
            ForeignKey::create()
                .from(InstanceEvents::Table, InstanceEvents::Actor)
                .to(Users::Table, Users::Id)
                .on_delete(ForeignKeyAction::SetNull),
        )
        .to_owned()
}
