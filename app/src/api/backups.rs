//! The instance console's backup server functions: members see the backups, owners and
//! staff take one or restore from one. Another organisation's instance is not found, like
//! an unknown id.

use crate::dto::BackupsView;
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    crate::server::backups,
    crate::server::instances::authorize_instance,
    crate::server::{respond, state},
    domain::access::OrgAction,
};

/// The backups of instance `id` (members).
#[server(name = InstanceBackups, prefix = "/api", endpoint = "instances/backups")]
pub async fn instance_backups(id: i64) -> Result<BackupsView, AppError> {
    respond(
        async {
            let state = state()?;
            let (record, actor, can_manage) =
                crate::server::instances::authorize_viewer(&state, id).await?;
            backups::list(&state, &record, actor, can_manage).await
        }
        .await,
    )
}

/// Takes a backup of instance `id` now (owners and staff).
#[server(name = BackUpInstance, prefix = "/api", endpoint = "instances/back-up")]
pub async fn back_up_instance(id: i64) -> Result<(), AppError> {
    respond(
        async {
            let state = state()?;
            let (record, actor) = authorize_instance(&state, id, OrgAction::Manage).await?;
            backups::take(&state, &record, actor).await
        }
        .await,
    )
}

/// Restores instance `id` from its backup `backup` when `confirm` is the instance's name
/// (owners and staff).
#[server(name = RestoreInstance, prefix = "/api", endpoint = "instances/restore")]
pub async fn restore_instance(id: i64, backup: i64, confirm: String) -> Result<(), AppError> {
    respond(
        async {
            let state = state()?;
            let (record, actor) = authorize_instance(&state, id, OrgAction::Manage).await?;
            backups::restore(&state, &record, actor, backup, &confirm).await
        }
        .await,
    )
}

/// Starts a restore test of instance `id`'s backup `backup`: a scratch copy is restored
/// from it, judged once it answers, and erased (owners and staff).
#[server(name = TestRestore, prefix = "/api", endpoint = "instances/test-restore")]
pub async fn test_restore(id: i64, backup: i64) -> Result<(), AppError> {
    respond(
        async {
            let state = state()?;
            let (record, actor) = authorize_instance(&state, id, OrgAction::Manage).await?;
            crate::server::restore_tests::start(&state, &record, actor, backup).await
        }
        .await,
    )
}

/// Copies backup `backup` into a new instance `name` at address `slug` of the same
/// organisation, with its own secrets (staff: a rehearsal copy is not ordered); its id.
#[server(name = CloneBackup, prefix = "/api", endpoint = "staff/backups/clone")]
pub async fn clone_backup(backup: i64, name: String, slug: String) -> Result<i64, AppError> {
    respond(
        async {
            let state = state()?;
            let actor = crate::server::require_staff(&state).await?;
            backups::clone(&state, actor, backup, &name, &slug).await
        }
        .await,
    )
}
