//! A service's log lines, from every task on every node (through the manager).

use bollard::container::LogOutput;
use bollard::query_parameters::LogsOptions;
use chrono::{DateTime, Utc};
use futures::{Stream, StreamExt};

use super::{Docker, DockerError, classify};

/// One line a service's task wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    /// When Docker received it.
    pub at: Option<DateTime<Utc>>,
    /// Whether it went to standard error.
    pub stderr: bool,
    /// The line, without its line break.
    pub text: String,
}

/// Which lines to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogWindow {
    /// Only lines from this Unix time on (0: from the start).
    pub since: i64,
    /// At most this many of the last lines before following (per service).
    pub tail: u32,
    /// Keep the stream open for new lines.
    pub follow: bool,
}

/// Splits Docker's `<RFC 3339 time> <line>` (with `timestamps`).
fn parse(output: LogOutput) -> Option<LogLine> {
    let (stderr, bytes) = match output {
        LogOutput::StdOut { message } => (false, message),
        LogOutput::StdErr { message } => (true, message),
        LogOutput::Console { message } => (false, message),
        LogOutput::StdIn { .. } => return None,
    };
    let raw = String::from_utf8_lossy(&bytes);
    let raw = raw.trim_end_matches(['\n', '\r']);
    let (at, text) = match raw.split_once(' ') {
        Some((stamp, rest)) => match DateTime::parse_from_rfc3339(stamp) {
            Ok(at) => (Some(at.with_timezone(&Utc)), rest),
            Err(_) => (None, raw),
        },
        None => (None, raw),
    };
    Some(LogLine {
        at,
        stderr,
        text: text.to_owned(),
    })
}

impl Docker {
    /// The log lines of service `service` (name or id) in `window`. Ends when the service's
    /// logs end (not following) or the connection breaks.
    pub fn service_logs(
        &self,
        service: &str,
        window: LogWindow,
    ) -> impl Stream<Item = Result<LogLine, DockerError>> + use<> {
        let options = LogsOptions {
            follow: window.follow,
            stdout: true,
            stderr: true,
            since: i32::try_from(window.since).unwrap_or(0),
            until: 0,
            timestamps: true,
            tail: window.tail.to_string(),
        };
        let action = format!("read the logs of {service}");
        self.client()
            .service_logs(service, Some(options))
            .filter_map(move |line| {
                let action = action.clone();
                async move {
                    match line {
                        Ok(output) => parse(output).map(Ok),
                        Err(e) => Some(Err(classify(action, e))),
                    }
                }
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_split_off() {
        let line = parse(LogOutput::StdErr {
            message: "2026-11-30T01:02:03.456789Z demo-app: visit 3\n".into(),
        })
        .unwrap();
        assert!(line.stderr);
        assert_eq!(line.text, "demo-app: visit 3");
        assert_eq!(
            line.at.unwrap().to_rfc3339(),
            "2026-11-30T01:02:03.456789+00:00"
        );
        let bare = parse(LogOutput::StdOut {
            message: "no time here".into(),
        })
        .unwrap();
        assert_eq!((bare.at, bare.text.as_str()), (None, "no time here"));
    }
}
