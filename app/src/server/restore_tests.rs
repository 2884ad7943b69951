//! The restore tester's pass: every stored final backup, and any backup someone asks
//! for, is proved restorable by a scratch copy (`Engine::test_restore`). Each pass judges
//! the running tests by their copies (`domain::backup::restore_test`), records the
//! verdicts, erases the copies of ended tests, and starts tests of untested final backups
//! while fewer than [`CONCURRENT_TESTS`] run. Level-triggered: a pass cut short (Plenum
//! stopped) is finished by the next one.

use chrono::{DateTime, Utc};
use domain::access::Actor;
use domain::backup::restore_test::{CONCURRENT_TESTS, Scratch, Verdict, verdict};
use store::{InstanceRecord, StoreError};

use super::AppState;
use super::context::store_error;
use super::instances::actions::{engine, engine_error};
use crate::error::AppError;

/// What one pass did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct TesterPass {
    /// Backups whose test started.
    pub started: Vec<i64>,
    /// Backups whose test ended, and whether it passed.
    pub ended: Vec<(i64, bool)>,
    /// Scratch copies asked to be erased.
    pub erased: Vec<i64>,
}

/// Judges, cleans up and starts restore tests at `now`. Nothing without the engine; a
/// failure for one test is logged and tried again on the next pass.
pub async fn test_restores(state: &AppState, now: DateTime<Utc>) -> Result<TesterPass, AppError> {
    let Some(engine) = &state.engine else {
        return Ok(TesterPass::default());
    };
    let db = &state.db;
    let mut pass = TesterPass::default();
    let mut still_running = 0;
    for backup in db.running_restore_tests().await.map_err(store_error)? {
        let Some((copy, started)) = backup
            .test
            .as_ref()
            .and_then(|t| Some((t.instance_id?, t.at?)))
        else {
            continue;
        };
        let judged = match db.instance(copy).await {
            Ok(scratch) => verdict(&scratch_of(&scratch), started, now),
            Err(StoreError::NotFound) => Verdict::Failed("the scratch copy is gone".into()),
            Err(e) => return Err(store_error(e)),
        };
        let outcome = match &judged {
            Verdict::Wait => {
                still_running += 1;
                continue;
            }
            Verdict::Passed => Ok(()),
            Verdict::Failed(why) => Err(why.as_str()),
        };
        if db
            .end_restore_test(backup.id, copy, outcome)
            .await
            .map_err(store_error)?
        {
            pass.ended.push((backup.id, outcome.is_ok()));
        }
    }
    for copy in db.ended_test_copies().await.map_err(store_error)? {
        match engine.erase(copy, None).await {
            Ok(_) => pass.erased.push(copy),
            Err(e) => {
                tracing::warn!(instance = copy, error = %engine_error(e), "scratch copy not erased")
            }
        }
    }
    let free = CONCURRENT_TESTS.saturating_sub(still_running) as u64;
    if free > 0 {
        for backup in db.untested_final_backups(free).await.map_err(store_error)? {
            match engine.test_restore(backup.id, None).await {
                Ok(_) => pass.started.push(backup.id),
                Err(e) => {
                    tracing::warn!(backup = backup.id, error = %engine_error(e), "restore test not started")
                }
            }
        }
    }
    Ok(pass)
}

fn scratch_of(record: &InstanceRecord) -> Scratch {
    Scratch {
        lifecycle: record.lifecycle,
        status: record.status,
        reason: record.status_reason.clone(),
        restoring: record.restoring_from.is_some(),
    }
}

/// Starts a restore test of `record`'s stored backup `backup` for `actor` (an owner or
/// staff; the caller has authorized the instance).
pub async fn start(
    state: &AppState,
    record: &InstanceRecord,
    actor: Actor,
    backup: i64,
) -> Result<(), AppError> {
    let no_such = || AppError::invalid("backup", "no such backup of this instance");
    match state.db.backup(backup).await {
        Ok(b) if b.instance_id == record.id => {}
        Ok(_) | Err(StoreError::NotFound) => return Err(no_such()),
        Err(e) => return Err(store_error(e)),
    }
    engine(state)?
        .test_restore(backup, Some(actor.user_id))
        .await
        .map_err(engine_error)?;
    Ok(())
}
