//! The observed status of an instance, derived from its services' task states and the entry
//! service's health endpoint.

use std::fmt;
use std::str::FromStr;

use super::Lifecycle;
use crate::validation::Invalid;

/// What the engine last saw of an instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// Being created or changed; not yet up.
    Provisioning,
    /// Every service runs its replicas and the entry service answers its health check.
    Running,
    /// It was up, and now a service lacks tasks or the health check fails.
    Degraded,
    /// Stopped on request: no task runs, data is kept.
    Stopped,
    /// Removed on request: services and networks are gone, volumes and secrets kept.
    Removed,
    /// Erased: nothing is left.
    Erased,
    /// Provisioning or an update failed (tasks keep failing, an update was rolled back, or it
    /// did not come up in time); the reason says which.
    Failed,
    /// The Docker engine cannot be reached; the instance's state is unknown.
    EngineUnreachable,
}

impl Status {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Provisioning => "provisioning",
            Status::Running => "running",
            Status::Degraded => "degraded",
            Status::Stopped => "stopped",
            Status::Removed => "removed",
            Status::Erased => "erased",
            Status::Failed => "failed",
            Status::EngineUnreachable => "engine-unreachable",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Status::EngineUnreachable => f.write_str("engine unreachable"),
            other => f.write_str(other.as_str()),
        }
    }
}

impl FromStr for Status {
    type Err = Invalid;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [
            Status::Provisioning,
            Status::Running,
            Status::Degraded,
            Status::Stopped,
            Status::Removed,
            Status::Erased,
            Status::Failed,
            Status::EngineUnreachable,
        ]
        .into_iter()
        .find(|st| st.as_str() == s)
        .ok_or_else(|| Invalid::new("status", format!("unknown status {s:?}")))
    }
}

/// A status with the reason for it (always set for degraded, failed, provisioning and engine
/// unreachable; in words, without secrets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusReport {
    /// The status.
    pub status: Status,
    /// Why.
    pub reason: Option<String>,
}

impl StatusReport {
    fn new(status: Status, reason: Option<String>) -> Self {
        Self { status, reason }
    }
}

/// Failed or rejected tasks of a service lacking replicas from which on it counts as failed.
pub const FAILED_TASKS_THRESHOLD: u32 = 3;

/// What the engine saw of one service's tasks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceTasks {
    /// The service's short name.
    pub name: String,
    /// Replicas it should run (0 when stopped).
    pub desired: u64,
    /// Tasks running that should run.
    pub running: u64,
    /// Tasks told to shut down whose containers still run (and may still answer).
    pub stopping: u64,
    /// Failed or rejected tasks in Swarm's task history.
    pub failed: u32,
    /// The most recent task error, if any.
    pub last_error: Option<String>,
    /// A rolling update is in progress.
    pub updating: bool,
    /// Swarm rolled back the update to the desired spec (with Swarm's message); the engine
    /// holds off retrying until the desired state changes again.
    pub rolled_back: Option<String>,
}

/// The result of the entry service's HTTP health check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryHealth {
    /// It answered 2xx.
    Healthy,
    /// It answered otherwise or not at all.
    Unhealthy(String),
    /// Not checked (no running entry task).
    NotChecked,
}

/// Everything the status is derived from.
#[derive(Debug, Clone)]
pub struct StatusInputs<'a> {
    /// The desired lifecycle.
    pub lifecycle: Lifecycle,
    /// Changes to Swarm objects made or still needed in this pass.
    pub pending_steps: usize,
    /// Objects still present that the lifecycle wants gone (services and networks when
    /// removed; everything when erased).
    pub objects_left: usize,
    /// The desired services' tasks.
    pub services: &'a [ServiceTasks],
    /// The entry service's health.
    pub entry: EntryHealth,
    /// The status recorded before.
    pub previous: Status,
    /// Provisioning has lasted longer than allowed.
    pub provisioning_overdue: bool,
}

/// Derives the status of an instance.
pub fn derive_status(inputs: &StatusInputs<'_>) -> StatusReport {
    match inputs.lifecycle {
        Lifecycle::Erased | Lifecycle::Removed => {
            let (done, doing) = match inputs.lifecycle {
                Lifecycle::Erased => (Status::Erased, "erasing"),
                _ => (Status::Removed, "removing"),
            };
            if inputs.objects_left == 0 && inputs.pending_steps == 0 {
                StatusReport::new(done, None)
            } else {
                StatusReport::new(
                    Status::Provisioning,
                    Some(format!(
                        "{doing}: {} Swarm objects left",
                        inputs.objects_left.max(inputs.pending_steps)
                    )),
                )
            }
        }
        Lifecycle::Stopped => {
            let running: u64 = inputs.services.iter().map(|s| s.running + s.stopping).sum();
            if running == 0 && inputs.pending_steps == 0 {
                StatusReport::new(Status::Stopped, None)
            } else {
                StatusReport::new(
                    Status::Provisioning,
                    Some(format!("stopping: {running} tasks still running")),
                )
            }
        }
        Lifecycle::Running => running_status(inputs),
    }
}

fn running_status(inputs: &StatusInputs<'_>) -> StatusReport {
    if let Some((name, message)) = inputs
        .services
        .iter()
        .find_map(|s| s.rolled_back.as_ref().map(|m| (&s.name, m)))
    {
        return StatusReport::new(
            Status::Failed,
            Some(format!("service {name}: update rolled back: {message}")),
        );
    }
    if inputs.pending_steps > 0 {
        return StatusReport::new(
            Status::Provisioning,
            Some(format!("applying {} changes", inputs.pending_steps)),
        );
    }
    if let Some(s) = inputs.services.iter().find(|s| s.updating) {
        return StatusReport::new(
            Status::Provisioning,
            Some(format!("updating service {}", s.name)),
        );
    }
    let short = inputs.services.iter().find(|s| s.running < s.desired);
    let problem = match (short, &inputs.entry) {
        (Some(s), _) => {
            let mut text = format!(
                "service {}: {} of {} tasks running",
                s.name, s.running, s.desired
            );
            if let Some(error) = &s.last_error {
                text.push_str(&format!(" (last error: {error})"));
            }
            text
        }
        (None, EntryHealth::Healthy) => return StatusReport::new(Status::Running, None),
        (None, EntryHealth::Unhealthy(reason)) => format!("health check: {reason}"),
        (None, EntryHealth::NotChecked) => "health check not done yet".to_owned(),
    };
    let failing = inputs
        .services
        .iter()
        .any(|s| s.running < s.desired && s.failed >= FAILED_TASKS_THRESHOLD);
    let status = if failing {
        Status::Failed
    } else if matches!(inputs.previous, Status::Running | Status::Degraded) {
        Status::Degraded
    } else if inputs.provisioning_overdue {
        return StatusReport::new(Status::Failed, Some(format!("not up in time: {problem}")));
    } else {
        Status::Provisioning
    };
    StatusReport::new(status, Some(problem))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn svc(name: &str, desired: u64, running: u64) -> ServiceTasks {
        ServiceTasks {
            name: name.to_owned(),
            desired,
            running,
            stopping: 0,
            failed: 0,
            last_error: None,
            updating: false,
            rolled_back: None,
        }
    }

    fn inputs<'a>(services: &'a [ServiceTasks], entry: EntryHealth) -> StatusInputs<'a> {
        StatusInputs {
            lifecycle: Lifecycle::Running,
            pending_steps: 0,
            objects_left: 0,
            services,
            entry,
            previous: Status::Provisioning,
            provisioning_overdue: false,
        }
    }

    #[test]
    fn statuses_round_trip() {
        for s in [
            Status::Provisioning,
            Status::Running,
            Status::Degraded,
            Status::Stopped,
            Status::Removed,
            Status::Erased,
            Status::Failed,
            Status::EngineUnreachable,
        ] {
            assert_eq!(s.as_str().parse::<Status>().unwrap(), s);
        }
        assert_eq!(Status::EngineUnreachable.to_string(), "engine unreachable");
    }

    #[test]
    fn all_up_and_healthy_is_running() {
        let services = [svc("web", 2, 2), svc("db", 1, 1)];
        let report = derive_status(&inputs(&services, EntryHealth::Healthy));
        assert_eq!(report, StatusReport::new(Status::Running, None));
    }

    #[test]
    fn missing_tasks_provision_first_then_degrade() {
        let services = [svc("web", 2, 1), svc("db", 1, 1)];
        let mut i = inputs(&services, EntryHealth::Healthy);
        let report = derive_status(&i);
        assert_eq!(report.status, Status::Provisioning);
        assert_eq!(
            report.reason.as_deref(),
            Some("service web: 1 of 2 tasks running")
        );
        i.previous = Status::Running;
        assert_eq!(derive_status(&i).status, Status::Degraded);
        i.previous = Status::Provisioning;
        i.provisioning_overdue = true;
        let report = derive_status(&i);
        assert_eq!(report.status, Status::Failed);
        assert!(report.reason.unwrap().starts_with("not up in time"));
    }

    #[test]
    fn unhealthy_entry_is_not_running() {
        let services = [svc("web", 1, 1)];
        let mut i = inputs(&services, EntryHealth::Unhealthy("HTTP 503".to_owned()));
        assert_eq!(derive_status(&i).status, Status::Provisioning);
        i.previous = Status::Running;
        let report = derive_status(&i);
        assert_eq!(report.status, Status::Degraded);
        assert_eq!(report.reason.as_deref(), Some("health check: HTTP 503"));
    }

    #[test]
    fn repeated_task_failures_fail() {
        let mut web = svc("web", 1, 0);
        web.failed = FAILED_TASKS_THRESHOLD;
        web.last_error = Some("No such image".to_owned());
        let services = [web];
        let report = derive_status(&inputs(&services, EntryHealth::NotChecked));
        assert_eq!(report.status, Status::Failed);
        assert!(report.reason.unwrap().contains("No such image"));
    }

    #[test]
    fn rollbacks_fail_and_pending_steps_provision() {
        let mut web = svc("web", 1, 1);
        web.rolled_back = Some("update rolled back".to_owned());
        let services = [web];
        let report = derive_status(&inputs(&services, EntryHealth::Healthy));
        assert_eq!(report.status, Status::Failed);

        let services = [svc("web", 1, 1)];
        let mut i = inputs(&services, EntryHealth::Healthy);
        i.pending_steps = 2;
        assert_eq!(derive_status(&i).status, Status::Provisioning);
    }

    #[test]
    fn stopped_removed_and_erased() {
        let services = [svc("web", 0, 0)];
        let mut i = inputs(&services, EntryHealth::NotChecked);
        i.lifecycle = Lifecycle::Stopped;
        assert_eq!(derive_status(&i).status, Status::Stopped);
        let running = [svc("web", 0, 1)];
        i.services = &running;
        assert_eq!(derive_status(&i).status, Status::Provisioning);
        // A container in its stop grace period may still answer: not stopped yet.
        let mut draining = svc("web", 0, 0);
        draining.stopping = 1;
        let draining = [draining];
        i.services = &draining;
        let report = derive_status(&i);
        assert_eq!(report.status, Status::Provisioning);
        assert_eq!(
            report.reason.as_deref(),
            Some("stopping: 1 tasks still running")
        );

        i.services = &[];
        i.lifecycle = Lifecycle::Removed;
        i.objects_left = 2;
        assert_eq!(derive_status(&i).status, Status::Provisioning);
        i.objects_left = 0;
        assert_eq!(derive_status(&i).status, Status::Removed);
        i.lifecycle = Lifecycle::Erased;
        assert_eq!(derive_status(&i).status, Status::Erased);
    }
}
