//! Instances: their addresses (slugs), desired lifecycle, observed status, the Swarm stack
//! name each one gets, when a request must wait, and the staff overview's filter.

mod actions;
mod filter;
mod lifecycle;
mod slug;
mod status;

pub use actions::{Progress, busy_reason, check_plan_replicas, is_newer_version};
pub use filter::{Filterable, InstanceFilter};
pub use lifecycle::{Lifecycle, Operation};
pub use slug::{RESERVED_SLUGS, SLUG_MAX_LEN, SLUG_MIN_LEN, Slug};
pub use status::{
    EntryHealth, FAILED_TASKS_THRESHOLD, ServiceTasks, Status, StatusInputs, StatusReport,
    derive_status,
};

/// The Swarm stack name of instance `id`: `pl<id>`.
///
/// Derived from the id, not the slug, so it is short (secret names of the longest templates
/// stay within Docker's 64 characters) and never reused: instance ids are not recycled.
pub fn stack_name(id: i64) -> String {
    format!("pl{id}")
}

/// `<stack>_<service>`: a service's Swarm name. The service answers to this name on every
/// network it joins, including the edge network; inside the stack it also has its short name
/// as an alias. The engine names services with it and the edge routes to it.
pub fn service_name(stack: &str, service: &str) -> String {
    format!("{stack}_{service}")
}

/// The kinds of entries in an instance's event log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// Someone (or the engine) asked for a change of the desired state.
    Requested,
    /// The engine changed a Swarm object.
    Step,
    /// The observed status changed.
    Status,
    /// A reconcile pass failed.
    Error,
}

impl EventKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Requested => "requested",
            EventKind::Step => "step",
            EventKind::Status => "status",
            EventKind::Error => "error",
        }
    }

    /// Parses a stored name.
    pub fn parse(stored: &str) -> Option<Self> {
        [
            EventKind::Requested,
            EventKind::Step,
            EventKind::Status,
            EventKind::Error,
        ]
        .into_iter()
        .find(|k| k.as_str() == stored)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stack_names_are_short_and_prefixed() {
        assert_eq!(stack_name(42), "pl42");
    }

    #[test]
    fn event_kinds_round_trip() {
        for kind in [
            EventKind::Requested,
            EventKind::Step,
            EventKind::Status,
            EventKind::Error,
        ] {
            assert_eq!(EventKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(EventKind::parse("other"), None);
    }
}
