//! Backups and restores in a pass, with the template's two jobs (`x-plenum.backup`).
//!
//! A backup that was asked for starts once the instance runs and answers: its job dumps
//! the data and sends it to Plenum at `PLENUM_BACKUP_URL`, where the web layer encrypts it
//! into the vault and records it as stored; the engine removes the finished job, or records
//! why it failed. A restore is a maintenance: only the declaration's service (the
//! database) keeps running, the restore job reads the dump from Plenum and loads it all or
//! nothing, and the instance starts again, restored or, when the job failed, with the data
//! it had. A job lost with its engine or node (killed, or gone without an exit status) is
//! started again, up to `RESTORE_ATTEMPTS` jobs per restore: loading the dump again is
//! safe. Both are derived from what is observed, so a pass cut short loses nothing. The
//! pure decisions are [`domain::plan::backup`].

use domain::backup::data_path;
use domain::plan::backup::{
    BackupAction, RESTORE_ATTEMPTS, RestoreStep, next_backup_action, next_restore_step,
};
use domain::plan::plan;
use domain::template::BackupDeclaration;
use store::InstanceRecord;

use super::apply::observed_refs;
use super::desired::DesiredStack;
use super::{Context, Outcome, ReconcileError, apply, in_maintenance, remove_jobs, step};
use crate::docker::{JobObject, Observation, job_states};
use crate::spec::{BackupEnd, BackupJob, backup_job_name, service_name};

/// The jobs' state, read only when there are jobs.
async fn states(
    ctx: &Context,
    jobs: &[JobObject],
) -> Result<Vec<domain::plan::migration::ObservedJob>, ReconcileError> {
    if jobs.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<String> = jobs.iter().map(|j| j.id.clone()).collect();
    Ok(job_states(jobs, &ctx.docker.tasks(&ids).await?))
}

/// Where the jobs of backup `backup` send or read its dump.
fn url(ctx: &Context, backup: i64) -> String {
    format!("{}{}", ctx.settings.plenum_url, data_path(backup))
}

/// Starts, follows and ends the instance's backup jobs; `runs` when the instance runs and
/// answers. Whether to look again soon.
pub(super) async fn converge(
    ctx: &Context,
    record: &InstanceRecord,
    declaration: Option<&BackupDeclaration>,
    desired: &DesiredStack,
    observation: &Observation,
    runs: bool,
) -> Result<bool, ReconcileError> {
    let pending = ctx.db.pending_backup(record.id).await?;
    if pending.is_none() && observation.backup_jobs.is_empty() {
        return Ok(false);
    }
    let jobs = states(ctx, &observation.backup_jobs).await?;
    let mut soon = false;
    for job in &jobs {
        let Ok(backup) = job.tag.parse::<i64>() else {
            continue;
        };
        let state = match ctx.db.backup(backup).await {
            Ok(b) => b.state,
            Err(store::StoreError::NotFound) => {
                ctx.docker.remove_service(&job.name, &job.id).await?;
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        match next_backup_action(runs, state, Some(&job.state)) {
            BackupAction::Wait => soon = true,
            BackupAction::RemoveJob => ctx.docker.remove_service(&job.name, &job.id).await?,
            BackupAction::Fail(why) => {
                ctx.db.fail_backup(backup, &why).await?;
                ctx.docker.remove_service(&job.name, &job.id).await?;
            }
            BackupAction::StartJob | BackupAction::Nothing => {}
        }
    }
    let Some(backup) = pending else {
        return Ok(soon);
    };
    let has_job = jobs.iter().any(|j| j.tag == backup.id.to_string());
    if has_job {
        return Ok(true);
    }
    match next_backup_action(runs, backup.state, None) {
        BackupAction::StartJob => {
            let Some(declaration) = declaration else {
                let why = "the instance's template declares no backup";
                ctx.db.fail_backup(backup.id, why).await?;
                return Ok(soon);
            };
            let refs = observed_refs(&desired.objects()?, observation);
            let url = url(ctx, backup.id);
            let job = BackupJob {
                end: BackupEnd::Dump,
                declaration,
                backup: backup.id,
                url: &url,
            };
            ctx.docker
                .create_service(desired.backup_job(&job, &refs)?)
                .await?;
            let name = backup_job_name(&record.stack(), BackupEnd::Dump, backup.id);
            ctx.db
                .start_backup(backup.id, &format!("backing up (job {name})"))
                .await?;
            Ok(true)
        }
        BackupAction::Fail(why) => {
            ctx.db.fail_backup(backup.id, &why).await?;
            Ok(soon)
        }
        BackupAction::Wait | BackupAction::RemoveJob | BackupAction::Nothing => Ok(soon),
    }
}

/// One pass restoring `record` from backup `backup`: `desired` keeps only the
/// declaration's service running.
pub(super) async fn restore(
    ctx: &Context,
    record: &InstanceRecord,
    backup: i64,
    declaration: &BackupDeclaration,
    desired: &DesiredStack,
    observation: &Observation,
) -> Result<Outcome, ReconcileError> {
    let objects = desired.objects()?;
    let steps = plan(&objects, &observation.objects, false);
    let applied = apply::apply(ctx, record.id, desired, &objects, observation, &steps).await?;

    let tag = backup.to_string();
    let (current, stale): (Vec<&JobObject>, Vec<&JobObject>) =
        observation.restore_jobs.iter().partition(|j| j.tag == tag);
    for job in stale {
        ctx.docker.remove_service(&job.name, &job.id).await?;
    }
    let database = service_name(&record.stack(), &declaration.service);
    let service_ids: Vec<(String, bool)> = observation
        .objects
        .services
        .iter()
        .map(|s| (s.id.clone(), s.name == database))
        .collect();
    let ids: Vec<String> = service_ids.iter().map(|(id, _)| id.clone()).collect();
    let tasks = ctx.docker.tasks(&ids).await?;
    let is_database = |service: &str| service_ids.iter().any(|(id, db)| *db && id == service);
    let others_stopped = applied.done + applied.waiting == 0
        && !tasks
            .iter()
            .any(|t| !is_database(&t.service_id) && (t.running || t.stopping));
    let database_running = tasks
        .iter()
        .any(|t| is_database(&t.service_id) && t.running);
    let current: Vec<JobObject> = current.into_iter().cloned().collect();
    let job = states(ctx, &current).await?.into_iter().next();
    let attempts = ctx.db.restore_attempts(record.id).await?;
    let next = next_restore_step(others_stopped, database_running, job.as_ref(), attempts);

    let doing = |what: &str| format!("restoring backup {backup}: {what}");
    let reason = match next {
        RestoreStep::StopServices => doing("stopping its services"),
        RestoreStep::WaitForDatabase => doing("waiting for its database"),
        RestoreStep::StartJob => {
            let attempt = ctx.db.count_restore_attempt(record.id).await?;
            let refs = observed_refs(&objects, observation);
            let url = url(ctx, backup);
            let job = BackupJob {
                end: BackupEnd::Restore,
                declaration,
                backup,
                url: &url,
            };
            ctx.docker
                .create_service(desired.backup_job(&job, &refs)?)
                .await?;
            let name = backup_job_name(&record.stack(), BackupEnd::Restore, backup);
            let of = if attempt > 1 {
                format!(", attempt {attempt} of {RESTORE_ATTEMPTS}")
            } else {
                String::new()
            };
            step(ctx, record.id, &format!("restoring (job {name}{of})")).await?;
            doing("loading its data")
        }
        RestoreStep::Restoring => doing("loading its data"),
        RestoreStep::Retry(why) => {
            remove_jobs(ctx, &current).await?;
            let message = format!("restore job lost ({why}); starting it again");
            step(ctx, record.id, &message).await?;
            doing("starting its job again")
        }
        RestoreStep::Restored => {
            ctx.db.end_restore(record.id, backup, Ok(())).await?;
            remove_jobs(ctx, &current).await?;
            format!("restored backup {backup}; starting")
        }
        RestoreStep::Failed(why) => {
            ctx.db.end_restore(record.id, backup, Err(&why)).await?;
            remove_jobs(ctx, &current).await?;
            format!("restoring backup {backup} failed ({why}); starting with the data it had")
        }
    };
    in_maintenance(ctx, record.id, reason, applied).await
}
