//! Restore tests: a backup is proved restorable by bringing it up in a scratch copy (its
//! own address and secrets) and waiting until the copy answers its health check. These
//! rules judge a running test from what the scratch instance shows; the store records the
//! verdict and the engine erases the copy.

use chrono::{DateTime, Duration, Utc};

use crate::instance::{Lifecycle, Status};

/// How long a scratch copy may take to be restored and answer before its test fails.
pub const TEST_LIMIT_MINUTES: i64 = 20;

/// How many restore tests run at once (each scratch copy takes an instance's resources).
pub const CONCURRENT_TESTS: usize = 2;

/// What the scratch instance of a running test shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scratch {
    /// Its desired lifecycle (erased by hand ends the test).
    pub lifecycle: Lifecycle,
    /// Its observed status.
    pub status: Status,
    /// Why it has that status.
    pub reason: Option<String>,
    /// Whether it is still being restored (maintenance: only its database runs).
    pub restoring: bool,
}

/// A running test's outcome so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Not decided yet: look again later.
    Wait,
    /// Restored, started and answering.
    Passed,
    /// Failed, with the reason in words.
    Failed(String),
}

/// Judges a test started at `started` by its scratch instance at `now`. The restore itself
/// reports a failure at once (the store records it when the restore ends); this sees the
/// rest: the copy answering, failing, being erased, or taking too long.
pub fn verdict(scratch: &Scratch, started: DateTime<Utc>, now: DateTime<Utc>) -> Verdict {
    if scratch.lifecycle != Lifecycle::Running {
        return Verdict::Failed(format!(
            "the scratch copy was {} before it answered",
            scratch.lifecycle.as_str()
        ));
    }
    let late = now - started > Duration::minutes(TEST_LIMIT_MINUTES);
    let how = || match &scratch.reason {
        Some(reason) => format!("{}: {reason}", scratch.status.as_str()),
        None => scratch.status.as_str().to_owned(),
    };
    if scratch.restoring {
        return if late {
            Verdict::Failed(format!(
                "still restoring after {TEST_LIMIT_MINUTES} minutes ({})",
                how()
            ))
        } else {
            Verdict::Wait
        };
    }
    match scratch.status {
        Status::Running => Verdict::Passed,
        Status::Failed => Verdict::Failed(format!("the scratch copy failed ({})", how())),
        _ if late => Verdict::Failed(format!(
            "the scratch copy did not answer within {TEST_LIMIT_MINUTES} minutes ({})",
            how()
        )),
        _ => Verdict::Wait,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(status: Status, restoring: bool) -> Scratch {
        Scratch {
            lifecycle: Lifecycle::Running,
            status,
            reason: Some("waiting".into()),
            restoring,
        }
    }

    fn at(minutes: i64) -> (DateTime<Utc>, DateTime<Utc>) {
        let start = DateTime::<Utc>::from_timestamp(1_800_000_000, 0).unwrap_or_default();
        (start, start + Duration::minutes(minutes))
    }

    #[test]
    fn a_copy_that_runs_after_its_restore_passes() {
        let (start, now) = at(3);
        assert_eq!(
            verdict(&scratch(Status::Running, false), start, now),
            Verdict::Passed
        );
    }

    #[test]
    fn a_copy_still_restoring_waits_until_the_limit() {
        let (start, now) = at(3);
        // Running while restoring is the database alone: not an answer.
        assert_eq!(
            verdict(&scratch(Status::Running, true), start, now),
            Verdict::Wait
        );
        let (start, late) = at(TEST_LIMIT_MINUTES + 1);
        let Verdict::Failed(why) = verdict(&scratch(Status::Provisioning, true), start, late)
        else {
            panic!("a late restore fails");
        };
        assert!(why.starts_with("still restoring after 20 minutes (provisioning: waiting"));
    }

    #[test]
    fn a_failed_erased_or_late_copy_fails_with_the_reason() {
        let (start, now) = at(3);
        assert_eq!(
            verdict(&scratch(Status::Failed, false), start, now),
            Verdict::Failed("the scratch copy failed (failed: waiting)".into())
        );
        let mut erased = scratch(Status::Running, false);
        erased.lifecycle = Lifecycle::Erased;
        assert_eq!(
            verdict(&erased, start, now),
            Verdict::Failed("the scratch copy was erased before it answered".into())
        );
        assert_eq!(
            verdict(&scratch(Status::Degraded, false), start, now),
            Verdict::Wait,
            "a blip before the limit"
        );
        let (start, late) = at(TEST_LIMIT_MINUTES + 1);
        assert!(matches!(
            verdict(&scratch(Status::Degraded, false), start, late),
            Verdict::Failed(why) if why.contains("did not answer within 20 minutes (degraded")
        ));
    }
}
