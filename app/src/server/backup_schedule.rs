//! The backup schedule's pass (beside the phase scheduler's): every provisioned order's
//! running instance is backed up as its phase asks (`domain::backup::schedule`, with its
//! plan's policy where staff set one, else the installation's), and
//! backups that retention lets go are deleted from the vault, then forgotten. The clock is
//! the caller's, so that tests can walk through a rental.

use std::collections::HashMap;

use chrono::{NaiveDateTime, Utc};
use domain::backup::schedule::{BackupPolicy, Taken, due, expired};
use domain::backup::{BackupReason, dump_key, secrets_key};
use domain::booking::PlanSize;
use domain::capacity::{Phase, timeline};
use domain::instance::{Lifecycle, Status};

use super::AppState;
use super::context::{internal, store_error};
use super::instances::engine_error;
use crate::error::AppError;

/// How many of an instance's newest backups the schedule looks at.
const LOOKED_AT: u64 = 2000;

/// What one pass did: backups asked for (instance, why) and backups deleted.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SchedulePass {
    /// Backups asked for, by instance.
    pub requested: Vec<(i64, BackupReason)>,
    /// Backups deleted by retention.
    pub deleted: Vec<i64>,
}

/// Asks for the backups due at `now` and deletes those retention lets go. Nothing without
/// the engine. A failure for one instance is logged and tried again on the next pass.
pub async fn apply_backup_schedule(
    state: &AppState,
    now: NaiveDateTime,
) -> Result<SchedulePass, AppError> {
    let Some(engine) = &state.engine else {
        return Ok(SchedulePass::default());
    };
    // Each plan's own policy, else the installation's.
    let plans: HashMap<(String, PlanSize), BackupPolicy> = state
        .db
        .plans()
        .await
        .map_err(store_error)?
        .into_iter()
        .filter_map(|p| Some(((p.template, p.size), p.backup_policy?)))
        .collect();
    let mut pass = SchedulePass::default();
    for (order, instance) in super::phases::provisioned_instances(state).await? {
        let policy = plans
            .get(&(order.template.clone(), order.booking.plan))
            .unwrap_or(&state.backup_policy);
        let id = instance.id;
        if domain::template::builtin(&instance.template)
            .ok()
            .and_then(|t| t.backup().cloned())
            .is_none()
        {
            continue;
        }
        let spans = timeline(&order.booking, &state.admissions.phases);
        let taken: Vec<Taken> = state
            .db
            .backups(id, LOOKED_AT)
            .await
            .map_err(store_error)?
            .into_iter()
            .map(|b| Taken {
                id: b.id,
                reason: b.reason,
                phase: b.phase,
                at: b.requested_at.naive_utc(),
                state: b.state,
            })
            .collect();
        let runs = instance.lifecycle == Lifecycle::Running
            && instance.status == Status::Running
            && instance.restoring_from.is_none()
            && instance.moving_to.is_none();
        if let Some(reason) = due(policy, &spans, now, runs, &taken) {
            match engine.back_up(id, reason, None).await {
                Ok(_) => pass.requested.push((id, reason)),
                Err(e) => {
                    tracing::warn!(instance = id, error = %engine_error(e), "scheduled backup not asked for")
                }
            }
        }
        let archive_end = spans
            .iter()
            .find(|s| s.phase == Phase::Archived)
            .map(|s| s.until);
        for backup in expired(policy, &taken, archive_end, now) {
            match forget(state, id, backup).await {
                Ok(()) => pass.deleted.push(backup),
                Err(e) => {
                    tracing::warn!(instance = id, backup, error = %e, "expired backup not deleted")
                }
            }
        }
    }
    Ok(pass)
}

/// Deletes backup `backup` of instance `instance` from the vault, then forgets it.
async fn forget(state: &AppState, instance: i64, backup: i64) -> Result<(), AppError> {
    for key in [dump_key(instance, backup), secrets_key(instance, backup)] {
        state.vault.delete(&key).await.map_err(internal)?;
    }
    let message = format!(
        "backup {backup} deleted (retention, {} UTC)",
        Utc::now().format("%Y-%m-%d %H:%M")
    );
    state
        .db
        .delete_backup(backup, &message)
        .await
        .map_err(store_error)
}

/// A backup policy from a form's fields (named as the policy's), each a whole number in
/// its range; the first bad one is named.
pub fn parse_policy(fields: [(&str, &str); 6]) -> Result<BackupPolicy, AppError> {
    let mut numbers = [0u32; 6];
    for (slot, (field, raw)) in numbers.iter_mut().zip(fields) {
        *slot = raw
            .trim()
            .parse()
            .map_err(|_| AppError::invalid(field, format!("{field} must be a whole number.")))?;
    }
    let [
        quiet_hours,
        event_hours,
        final_lead_hours,
        keep_quiet,
        keep_event,
        keep_manual,
    ] = numbers;
    let policy = BackupPolicy {
        quiet_hours,
        event_hours,
        final_lead_hours,
        keep_quiet,
        keep_event,
        keep_manual,
    };
    policy.check().map_err(|e| {
        let field = e.setting.trim_start_matches("backup_schedule.");
        AppError::invalid(field, format!("{field} must be {}.", e.accepted))
    })?;
    Ok(policy)
}
