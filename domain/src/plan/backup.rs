//! Backing up and restoring an instance with the template's two jobs. Pure: the engine
//! observes the job and the instance's services, this decides the next step.

use super::migration::{JobState, ObservedJob};
use crate::backup::BackupState;

/// What the engine does about an instance's current backup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BackupAction {
    /// Nothing (no backup under way, or it waits until the instance runs).
    Nothing,
    /// Create its job (and record it as running).
    StartJob,
    /// Its job runs.
    Wait,
    /// It is stored and its job is done: remove the job.
    RemoveJob,
    /// It failed (why): record that and remove the job.
    Fail(String),
}

/// The next step for a backup in `state` whose job is `job` (None: no job), when the
/// instance `runs` (running and answering, not restoring or moving).
pub fn next_backup_action(runs: bool, state: BackupState, job: Option<&JobState>) -> BackupAction {
    match (state, job) {
        (BackupState::Stored | BackupState::Failed, Some(JobState::Running)) => BackupAction::Wait,
        (BackupState::Stored | BackupState::Failed, Some(_)) => BackupAction::RemoveJob,
        (BackupState::Stored | BackupState::Failed, None) => BackupAction::Nothing,
        (_, Some(JobState::Failed(why))) => BackupAction::Fail(why.clone()),
        (_, Some(JobState::Completed)) => {
            BackupAction::Fail("the backup job ended without sending its dump".to_owned())
        }
        (_, Some(JobState::Running)) => BackupAction::Wait,
        (_, None) if runs => BackupAction::StartJob,
        (BackupState::Running, None) => {
            BackupAction::Fail("the instance stopped running before the backup".to_owned())
        }
        (_, None) => BackupAction::Nothing,
    }
}

/// What the engine does next for an instance that is being restored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RestoreStep {
    /// Its services other than the backup's service still have tasks: wait until they
    /// stopped (nobody may write while the data is replaced).
    StopServices,
    /// The backup's service (the database) has no running task yet.
    WaitForDatabase,
    /// Create the restore job.
    StartJob,
    /// The restore job runs.
    Restoring,
    /// The job loaded the backup: the instance starts again.
    Restored,
    /// The job was lost (why: killed, or gone with its node's engine) and may run again:
    /// remove it, and the next pass starts it anew.
    Retry(String),
    /// The job failed (why): the instance starts again with the data it had.
    Failed(String),
}

/// How many times a restore job is started when the ones before were lost. Another
/// attempt is safe: the dump is loaded in one transaction, whole or not at all, and it
/// drops what it creates first.
pub const RESTORE_ATTEMPTS: u32 = 3;

/// The next step of a restore, from whether the other services are stopped, whether the
/// backup's service runs, the restore job as observed (None: no job; a failure that was a
/// [`super::migration::lost`] task may be retried), and how many jobs were started for this
/// restore so far.
pub fn next_restore_step(
    others_stopped: bool,
    database_running: bool,
    job: Option<&ObservedJob>,
    attempts: u32,
) -> RestoreStep {
    match job.map(|j| (&j.state, j.lost)) {
        Some((JobState::Failed(why), true)) if attempts < RESTORE_ATTEMPTS => {
            RestoreStep::Retry(why.clone())
        }
        Some((JobState::Failed(why), _)) => RestoreStep::Failed(why.clone()),
        Some((JobState::Completed, _)) => RestoreStep::Restored,
        Some((JobState::Running, _)) => RestoreStep::Restoring,
        None if !others_stopped => RestoreStep::StopServices,
        None if !database_running => RestoreStep::WaitForDatabase,
        None => RestoreStep::StartJob,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_backup_starts_when_the_instance_runs_and_ends_with_its_job() {
        let running = JobState::Running;
        let done = JobState::Completed;
        let failed = JobState::Failed("exit 22".to_owned());
        use BackupState::*;
        assert_eq!(
            next_backup_action(false, Requested, None),
            BackupAction::Nothing
        );
        assert_eq!(
            next_backup_action(true, Requested, None),
            BackupAction::StartJob
        );
        // A job lost while Plenum was away is made again.
        assert_eq!(
            next_backup_action(true, Running, None),
            BackupAction::StartJob
        );
        assert!(matches!(
            next_backup_action(false, Running, None),
            BackupAction::Fail(_)
        ));
        assert_eq!(
            next_backup_action(true, Running, Some(&running)),
            BackupAction::Wait
        );
        assert_eq!(
            next_backup_action(true, Running, Some(&failed)),
            BackupAction::Fail("exit 22".to_owned())
        );
        // Only Plenum's record says the dump arrived: a job that merely exited 0 is not a backup.
        assert!(matches!(
            next_backup_action(true, Running, Some(&done)),
            BackupAction::Fail(_)
        ));
        assert_eq!(
            next_backup_action(true, Stored, Some(&done)),
            BackupAction::RemoveJob
        );
        assert_eq!(
            next_backup_action(true, Stored, Some(&running)),
            BackupAction::Wait
        );
        assert_eq!(
            next_backup_action(true, Stored, None),
            BackupAction::Nothing
        );
        assert_eq!(
            next_backup_action(true, Failed, Some(&failed)),
            BackupAction::RemoveJob
        );
    }

    #[test]
    fn a_restore_waits_for_quiet_then_loads_and_ends_with_its_job() {
        assert_eq!(
            next_restore_step(false, true, None, 0),
            RestoreStep::StopServices
        );
        assert_eq!(
            next_restore_step(true, false, None, 0),
            RestoreStep::WaitForDatabase
        );
        assert_eq!(
            next_restore_step(true, true, None, 0),
            RestoreStep::StartJob
        );
        assert_eq!(
            next_restore_step(true, true, Some(&job(JobState::Running, false)), 1),
            RestoreStep::Restoring
        );
        assert_eq!(
            next_restore_step(false, false, Some(&job(JobState::Completed, false)), 1),
            RestoreStep::Restored
        );
        let exit_3 = job(JobState::Failed("exit 3".to_owned()), false);
        assert_eq!(
            next_restore_step(true, true, Some(&exit_3), 1),
            RestoreStep::Failed("exit 3".to_owned())
        );
    }

    fn job(state: JobState, lost: bool) -> ObservedJob {
        ObservedJob {
            name: "p1_restore-7".to_owned(),
            id: "id".to_owned(),
            tag: "7".to_owned(),
            state,
            lost,
        }
    }

    #[test]
    fn a_lost_restore_job_runs_again_a_bounded_number_of_times() {
        use crate::plan::migration::lost;
        assert!(lost(None) && lost(Some(137)) && lost(Some(255)));
        assert!(!lost(Some(1)) && !lost(Some(3)) && !lost(Some(22)));
        let gone = job(
            JobState::Failed("task: non-zero exit (137)".to_owned()),
            true,
        );
        assert_eq!(
            next_restore_step(true, true, Some(&gone), 1),
            RestoreStep::Retry("task: non-zero exit (137)".to_owned())
        );
        assert_eq!(
            next_restore_step(true, true, Some(&gone), RESTORE_ATTEMPTS),
            RestoreStep::Failed("task: non-zero exit (137)".to_owned()),
            "not forever: a job the OOM killer kills every time fails in the end"
        );
    }
}
