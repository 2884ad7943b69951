//! Incidents: what went wrong in an instance (a task that failed or was killed, or an
//! error line in its logs), grouped by what it was, counted, and when staff are told. Pure.

use chrono::{DateTime, Duration, Utc};

use crate::capacity::Phase;

/// What kind of incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncidentKind {
    /// A task exited on its own with a non-zero status (or could not start).
    TaskFailed,
    /// A task was killed (exit status 137: out of memory, or SIGKILL).
    Killed,
    /// A service wrote an error line to its log.
    ErrorLine,
}

impl IncidentKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            IncidentKind::TaskFailed => "task-failed",
            IncidentKind::Killed => "killed",
            IncidentKind::ErrorLine => "error-line",
        }
    }

    /// Parses a stored name.
    pub fn parse(stored: &str) -> Option<Self> {
        [
            IncidentKind::TaskFailed,
            IncidentKind::Killed,
            IncidentKind::ErrorLine,
        ]
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

/// What marks a log line as an error: severities as PostgreSQL, nginx, Python, Rust, Go
/// and JSON loggers write them. Case matters (`error` in ordinary text is no error).
const ERROR_MARKS: [&str; 10] = [
    "ERROR",
    "FATAL",
    "PANIC",
    "CRITICAL",
    "[error]",
    "[crit]",
    "panicked at",
    "Traceback (most recent call last)",
    "level=error",
    "\"level\":\"error\"",
];

/// The longest grouped message of an error line.
const ERROR_LINE_MAX: usize = 200;

/// The group of an error line, if `line` is one: the text from its first error mark on
/// (leaving out the timestamps and process ids loggers put before it), with every run of
/// digits written `#`, so that repeats that differ only in numbers count as one.
pub fn error_line(line: &str) -> Option<String> {
    let start = ERROR_MARKS
        .iter()
        .filter_map(|mark| line.find(mark))
        .min()?;
    let mut grouped = String::new();
    let mut in_digits = false;
    for c in line[start..].trim_end().chars() {
        if c.is_ascii_digit() {
            if !in_digits {
                grouped.push('#');
            }
            in_digits = true;
        } else {
            grouped.push(c);
            in_digits = false;
        }
        if grouped.chars().count() >= ERROR_LINE_MAX {
            break;
        }
    }
    Some(grouped)
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
    fn error_lines_are_grouped_without_their_numbers() {
        let postgres = "2026-12-08 00:31:02.114 UTC [77] ERROR:  relation \"nope\" does not exist at character 15";
        assert_eq!(
            error_line(postgres).as_deref(),
            Some("ERROR:  relation \"nope\" does not exist at character #")
        );
        assert_eq!(
            error_line("2026/12/08 00:31:02 [error] 29#29: *1 open() failed").as_deref(),
            Some("[error] ###: *# open() failed")
        );
        assert_eq!(
            error_line("thread 'main' panicked at src/main.rs:4:5:").as_deref(),
            Some("panicked at src/main.rs:#:#:")
        );
        assert_eq!(error_line("demo-app: visit 4"), None);
        assert_eq!(
            error_line("no error here, all is well"),
            None,
            "case matters"
        );
        let long = format!("FATAL: {}", "x".repeat(400));
        assert_eq!(error_line(&long).map(|g| g.chars().count()), Some(200));
        assert_eq!(
            IncidentKind::parse("error-line"),
            Some(IncidentKind::ErrorLine)
        );
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
