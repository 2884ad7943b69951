//! Plenum's database schema, as forward-only sea-orm migrations that run on SQLite and PostgreSQL.
//!
//! Migrations are named `mYYYYMMDD_NNNNNN_<what>` and never edited once landed; `down` is not
//! provided (forward-only: a backup is the way back).

pub use sea_orm_migration::prelude::*;

mod m20261125_000001_accounts;
mod m20261125_000002_instances;
mod m20261126_000003_orders;
mod m20261126_000004_instance_limits;
mod m20261129_000005_identity;
mod m20261129_000006_saml;
mod m20261129_000007_upstream;
mod m20261129_000008_invitations;
mod m20261129_000009_saml_configuration;
mod m20261129_000010_instance_phases;
mod m20261129_000011_instance_use;
mod m20261129_000012_instance_node;
mod m20261130_000013_backups;
mod m20261130_000014_audit;
mod m20261130_000015_incidents;
mod m20261208_000016_restore_tests;
mod m20261208_000017_plan_backup_policy;

/// Runs every migration Plenum knows, in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261125_000001_accounts::Migration),
            Box::new(m20261125_000002_instances::Migration),
            Box::new(m20261126_000003_orders::Migration),
            Box::new(m20261126_000004_instance_limits::Migration),
            Box::new(m20261129_000005_identity::Migration),
            Box::new(m20261129_000006_saml::Migration),
            Box::new(m20261129_000007_upstream::Migration),
            Box::new(m20261129_000008_invitations::Migration),
            Box::new(m20261129_000009_saml_configuration::Migration),
            Box::new(m20261129_000010_instance_phases::Migration),
            Box::new(m20261129_000011_instance_use::Migration),
            Box::new(m20261129_000012_instance_node::Migration),
            Box::new(m20261130_000013_backups::Migration),
            Box::new(m20261130_000014_audit::Migration),
            Box::new(m20261130_000015_incidents::Migration),
            Box::new(m20261208_000016_restore_tests::Migration),
            Box::new(m20261208_000017_plan_backup_policy::Migration),
        ]
    }
}
