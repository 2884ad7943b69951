//! An instance's backups for the console: listing them, taking one by hand, and restoring
//! the instance from one (typed confirmation). Callers have authorized the instance.

use domain::access::Actor;
use domain::backup::{BackupReason, BackupState, RestoreTestState};
use domain::instance::Lifecycle;
use domain::template::builtin;
use store::{InstanceRecord, size_in_words};

use super::AppState;
use super::context::store_error;
use super::instances::actions::{engine, engine_error};
use crate::dto::{BackupView, BackupsView};
use crate::error::AppError;

/// How many backups the console lists.
const LISTED: u64 = 50;

/// The instance's latest backups; `can_manage` when the viewer is an owner or staff.
pub async fn list(
    state: &AppState,
    record: &InstanceRecord,
    actor: Actor,
    can_manage: bool,
) -> Result<BackupsView, AppError> {
    let declared = builtin(&record.template)
        .map(|t| t.backup().is_some())
        .unwrap_or(false);
    let backups = state
        .db
        .backups(record.id, LISTED)
        .await
        .map_err(store_error)?;
    let pending = backups.iter().any(|b| b.state.pending());
    let restoring = record.restoring_from.is_some();
    let can_restore = can_manage
        && declared
        && record.lifecycle == Lifecycle::Running
        && !restoring
        && !pending
        && record.moving_to.is_none();
    Ok(BackupsView {
        declared,
        can_back_up: can_manage
            && declared
            && !pending
            && !restoring
            && matches!(record.lifecycle, Lifecycle::Running | Lifecycle::Stopped),
        busy: pending
            || restoring
            || backups.iter().any(|b| {
                b.test
                    .as_ref()
                    .is_some_and(|t| t.state == RestoreTestState::Running)
            }),
        can_clone: actor.is_staff && declared,
        backups: backups
            .into_iter()
            .map(|b| BackupView {
                id: b.id,
                requested_at: b.requested_at.to_rfc3339(),
                reason: b.reason.to_string(),
                phase: b.phase.map(|p| p.as_str().to_owned()),
                state: if record.restoring_from == Some(b.id) {
                    "restoring".to_owned()
                } else {
                    b.state.to_string()
                },
                size: b.size_bytes.map(size_in_words),
                error: b.error,
                restorable: can_restore && b.state == BackupState::Stored,
                testable: can_manage
                    && declared
                    && b.state == BackupState::Stored
                    && b.test
                        .as_ref()
                        .is_none_or(|t| t.state != RestoreTestState::Running),
                test: b.test.as_ref().map(|t| t.state.to_string()),
                test_detail: b.test.and_then(|t| match t.state {
                    RestoreTestState::Failed => t.detail,
                    _ => t.at.map(|at| at.to_rfc3339()),
                }),
            })
            .collect(),
    })
}

/// Asks for a backup of `record` by `actor`.
pub async fn take(state: &AppState, record: &InstanceRecord, actor: Actor) -> Result<(), AppError> {
    engine(state)?
        .back_up(record.id, BackupReason::Manual, Some(actor.user_id))
        .await
        .map_err(engine_error)?;
    Ok(())
}

/// Restores `record` from `backup` for `actor`, when `confirm` is the instance's name.
pub async fn restore(
    state: &AppState,
    record: &InstanceRecord,
    actor: Actor,
    backup: i64,
    confirm: &str,
) -> Result<(), AppError> {
    if confirm.trim() != record.name {
        return Err(AppError::invalid(
            "confirm",
            "Type the instance's name exactly to confirm the restore: its data is replaced by the backup's.",
        ));
    }
    engine(state)?
        .restore(record.id, backup, Some(actor.user_id))
        .await
        .map_err(engine_error)
}

/// Copies `backup` into a new instance `name` at `slug` for `actor` (staff); its id.
pub async fn clone(
    state: &AppState,
    actor: Actor,
    backup: i64,
    name: &str,
    slug: &str,
) -> Result<i64, AppError> {
    let name = domain::order::parse_instance_name(name)?;
    let slug = domain::instance::Slug::parse(slug)?;
    let copy = engine(state)?
        .clone_backup(backup, &name, slug, Some(actor.user_id))
        .await
        .map_err(engine_error)?;
    if let Some(edge) = &state.edge {
        edge.reconcile_now();
    }
    Ok(copy.id)
}
