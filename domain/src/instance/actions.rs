//! When the web layer accepts a lifecycle request: not while the engine is still carrying
//! out the previous one (the request would be silently folded into it), and, for
//! customers, scaling only within the booked plan; upgrades only to newer versions.

use super::{Lifecycle, Operation, Status};
use crate::validation::Invalid;

/// What the busy rule needs to know of an instance.
#[derive(Debug, Clone, Copy)]
pub struct Progress<'a> {
    /// What it should be.
    pub lifecycle: Lifecycle,
    /// What the engine last saw.
    pub status: Status,
    /// The engine's reason for the status, if any.
    pub reason: Option<&'a str>,
    /// The desired-state generation.
    pub generation: i64,
    /// The generation the engine last applied.
    pub observed_generation: i64,
}

/// Why `op` must wait, or `None` when it may be accepted now.
///
/// An instance is mid-operation while the engine has not applied the latest request
/// (`observed_generation < generation`) or is still bringing it up (`provisioning`). Then
/// every request but removal is refused with the reason; removal supersedes whatever runs.
/// A failed instance, or one whose engine is unreachable, accepts requests: they are stored
/// and applied by the next pass (queued), which is how a failure is retried.
pub fn busy_reason(progress: &Progress<'_>, op: Operation) -> Option<String> {
    if matches!(op, Operation::Remove | Operation::Erase)
        || matches!(progress.status, Status::Failed | Status::EngineUnreachable)
        || progress.lifecycle == Lifecycle::Erased
    {
        return None;
    }
    if progress.observed_generation < progress.generation {
        return Some(
            "The engine has not yet applied the previous request; try again when the status changes."
                .to_owned(),
        );
    }
    (progress.status == Status::Provisioning).then(|| match progress.reason {
        Some(reason) => {
            format!("The instance is still being provisioned ({reason}); try again when it is up.")
        }
        None => "The instance is still being provisioned; try again when it is up.".to_owned(),
    })
}

/// Checks a customer's scaling request against the plan they booked: at most the plan's
/// replicas of `service` (`plan_replicas`), and at least one. Services the plan does not
/// size cannot be scaled by customers. The template's own rules are checked by the engine.
pub fn check_plan_replicas(
    service: &str,
    replicas: u64,
    plan_replicas: Option<u64>,
) -> Result<(), Invalid> {
    let Some(max) = plan_replicas else {
        return Err(Invalid::new(
            "replicas",
            format!("Your plan does not let you scale {service}."),
        ));
    };
    if (1..=max).contains(&replicas) {
        Ok(())
    } else {
        Err(Invalid::new(
            "replicas",
            format!("Your plan runs {service} with 1 to {max} replicas."),
        ))
    }
}

/// Whether version `candidate` is newer than `current`: compared part by part (split at `.`,
/// `-` and `_`), numerically where both parts are numbers, as text otherwise.
pub fn is_newer_version(candidate: &str, current: &str) -> bool {
    let parts = |v: &str| -> Vec<String> { v.split(['.', '-', '_']).map(str::to_owned).collect() };
    let (a, b) = (parts(candidate), parts(current));
    for (x, y) in a.iter().zip(&b) {
        let order = match (x.parse::<u64>(), y.parse::<u64>()) {
            (Ok(x), Ok(y)) => x.cmp(&y),
            _ => x.cmp(y),
        };
        if order != std::cmp::Ordering::Equal {
            return order == std::cmp::Ordering::Greater;
        }
    }
    a.len() > b.len()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn progress(status: Status, generation: i64, observed: i64) -> Progress<'static> {
        Progress {
            lifecycle: Lifecycle::Running,
            status,
            reason: Some("creating services"),
            generation,
            observed_generation: observed,
        }
    }

    #[test]
    fn requests_wait_for_the_previous_one() {
        let pending = progress(Status::Running, 3, 2);
        let reason = busy_reason(&pending, Operation::Stop).unwrap();
        assert!(reason.contains("previous request"), "{reason}");
        assert_eq!(busy_reason(&pending, Operation::Remove), None);
        assert_eq!(busy_reason(&pending, Operation::Erase), None);

        let provisioning = progress(Status::Provisioning, 2, 2);
        let reason = busy_reason(&provisioning, Operation::Upgrade).unwrap();
        assert!(reason.contains("creating services"), "{reason}");

        assert_eq!(
            busy_reason(&progress(Status::Running, 2, 2), Operation::Stop),
            None
        );
    }

    #[test]
    fn failed_or_unreachable_instances_accept_requests() {
        for status in [Status::Failed, Status::EngineUnreachable] {
            assert_eq!(busy_reason(&progress(status, 4, 1), Operation::Start), None);
        }
    }

    #[test]
    fn newer_versions_compare_by_number() {
        assert!(is_newer_version("4.2.10", "4.2.9"));
        assert!(is_newer_version("4.3", "4.2.9"));
        assert!(is_newer_version("4.2.1", "4.2"));
        assert!(!is_newer_version("4.2", "4.2"));
        assert!(!is_newer_version("1.0", "1.1"));
        assert!(is_newer_version("1.0-rc2", "1.0-rc1"));
    }

    #[test]
    fn customers_scale_within_their_plan() {
        check_plan_replicas("web", 2, Some(3)).unwrap();
        check_plan_replicas("web", 3, Some(3)).unwrap();
        assert_eq!(
            check_plan_replicas("web", 4, Some(3)).unwrap_err().field,
            "replicas"
        );
        assert!(check_plan_replicas("web", 0, Some(3)).is_err());
        assert!(check_plan_replicas("db", 1, None).is_err());
    }
}
