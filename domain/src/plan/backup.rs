//! Backing up and restoring an instance with the template's two jobs. Pure: the engine
//! observes the job and the instance's services, this decides the next step.

use super::migration::JobState;
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
    /// The job failed (why): the instance starts again with the data it had.
    Failed(String),
}

/// The next step of a restore, from whether the other services are stopped, whether the
/// backup's service runs, and how far the restore job got (None: no job).
pub fn next_restore_step(
    others_stopped: bool,
    database_running: bool,
    job: Option<&JobState>,
) -> RestoreStep {
    match job {
        Some(JobState::Failed(why)) => RestoreStep::Failed(why.clone()),
        Some(JobState::Completed) => RestoreStep::Restored,
        Some(JobState::Running) => RestoreStep::Restoring,
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
            next_restore_step(false, true, None),
            RestoreStep::StopServices
        );
        assert_eq!(
            next_restore_step(true, false, None),
            RestoreStep::WaitForDatabase
        );
        assert_eq!(next_restore_step(true, true, None), RestoreStep::StartJob);
        assert_eq!(
            next_restore_step(true, true, Some(&JobState::Running)),
            RestoreStep::Restoring
        );
        assert_eq!(
            next_restore_step(false, false, Some(&JobState::Completed)),
            RestoreStep::Restored
        );
        assert_eq!(
            next_restore_step(true, true, Some(&JobState::Failed("exit 3".to_owned()))),
            RestoreStep::Failed("exit 3".to_owned())
        );
    }
}
