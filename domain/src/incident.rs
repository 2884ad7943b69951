//! Incidents: what went wrong in an instance (a task that failed or was killed), grouped
//! by what it was, counted, and when staff are told. Pure.

use chrono::{DateTime, Duration, Utc};

use crate::capacity::Phase;

/// What kind of incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncidentKind {
    /// A task exited on its own with a non-zero status (or could not start).
    TaskFailed,
    /// A task was killed (exit status 137: out of memory, or SIGKILL).
    Killed,
}

impl IncidentKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            IncidentKind::TaskFailed => "task-failed",
            IncidentKind::Killed => "killed",
        }
    }

    /// Parses a stored name.
    pub fn parse(stored: &str) -> Option<Self> {
        [IncidentKind::TaskFailed, IncidentKind::Killed]
            .into_iter()
            .find(|k| k.as_str() == stored)
    }
}

/// The exit status of a killed process (128 + SIGKILL), which is also what the kernel's
/// out-of-memory killer leaves.
pub const KILLED_EXIT: i64 = 137;

/// What a failed task is, from its error message and exit status: the kind and the
/// message repeats are grouped by.
pub fn classify(error: Option<&str>, exit_code: Option<i64>) -> (IncidentKind, String) {
    if exit_code == Some(KILLED_EXIT) {
        return (
            IncidentKind::Killed,
            "killed (exit status 137: out of memory, or SIGKILL)".to_owned(),
        );
    }
    let message = match (error.map(str::trim).filter(|e| !e.is_empty()), exit_code) {
        (Some(error), _) => error.to_owned(),
        (None, Some(code)) => format!("exited with status {code}"),
        (None, None) => "failed".to_owned(),
    };
    (IncidentKind::TaskFailed, message)
}

/// Whether staff are told about an incident last seen at `last_seen` of an instance in
/// `phase`: only in event mode, once per incident until it happens again, and at most once
/// per `gap`.
pub fn should_notify(
    phase: Option<Phase>,
    last_seen: DateTime<Utc>,
    notified_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    gap: Duration,
) -> bool {
    phase == Some(Phase::Event) && notified_at.is_none_or(|at| last_seen > at && now - at >= gap)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_are_grouped_by_what_they_were() {
        assert_eq!(
            classify(Some("task: non-zero exit (137)"), Some(137)).0,
            IncidentKind::Killed
        );
        assert_eq!(
            classify(Some("task: non-zero exit (1)"), Some(1)),
            (
                IncidentKind::TaskFailed,
                "task: non-zero exit (1)".to_owned()
            )
        );
        assert_eq!(classify(None, Some(2)).1, "exited with status 2");
        assert_eq!(IncidentKind::parse("killed"), Some(IncidentKind::Killed));
    }

    #[test]
    fn staff_are_told_in_event_mode_once_per_repeat_and_not_too_often() {
        let t =
            |m: i64| DateTime::<Utc>::from_timestamp(1_800_000_000 + m * 60, 0).unwrap_or_default();
        let gap = Duration::minutes(15);
        let event = Some(Phase::Event);
        assert!(should_notify(event, t(0), None, t(0), gap));
        assert!(!should_notify(Some(Phase::Quiet), t(0), None, t(0), gap));
        assert!(
            !should_notify(event, t(0), Some(t(1)), t(30), gap),
            "nothing new"
        );
        assert!(
            !should_notify(event, t(5), Some(t(1)), t(6), gap),
            "too soon"
        );
        assert!(should_notify(event, t(5), Some(t(1)), t(16), gap));
    }
}
