//! [`InstanceDirectory`] over Plenum's database: instances as the store keeps them, mapped
//! to what the edge does with them.
//!
//! | desired lifecycle | observed status | edge |
//! |---|---|---|
//! | running | running, degraded, engine unreachable | routed to `<stack>_<entry service>:<port>` |
//! | running | provisioning, stopped, removed | "being prepared" |
//! | running | failed | "unavailable" |
//! | stopped, hibernated by the calendar | any | "waking up" (a visit wakes it) |
//! | stopped otherwise | any | "paused" |
//! | removed, erased | any | unknown (404, no certificate) |
//!
//! The entry service and port come from the instance's template (`x-plenum.entry`); the
//! service name is the one the engine gives it (`domain::instance::service_name`:
//! `<stack>_<service>`), so the route dials exactly the service on the edge network.

use std::collections::BTreeMap;
use std::sync::Arc;

use domain::instance::{Lifecycle, Status, service_name};
use domain::template::{EntryPoint, builtin, builtin_names};
use store::{Db, InstanceRecord, StoreError};

use crate::directory::{DirectoryError, EdgeInstance, InstanceDirectory, InstanceState};

/// The instances in Plenum's database, with the entry points of the built-in templates.
#[derive(Debug, Clone)]
pub struct StoreDirectory {
    db: Db,
    entries: Arc<BTreeMap<String, EntryPoint>>,
}

impl StoreDirectory {
    /// A directory over `db`. Built-in templates that do not load are left out (their
    /// instances are shown as unavailable); the template tests keep that from happening.
    pub fn new(db: Db) -> Self {
        Self {
            db,
            entries: Arc::new(builtin_entries()),
        }
    }
}

/// Entry point of every built-in template that loads, by template name.
fn builtin_entries() -> BTreeMap<String, EntryPoint> {
    builtin_names()
        .filter_map(|name| {
            builtin(name)
                .ok()
                .map(|template| (name.to_owned(), template.entry().clone()))
        })
        .collect()
}

impl InstanceDirectory for StoreDirectory {
    async fn instances(&self) -> Result<Vec<EdgeInstance>, DirectoryError> {
        let records = self
            .db
            .instances_to_reconcile()
            .await
            .map_err(unavailable)?;
        Ok(records
            .iter()
            .filter_map(|record| edge_instance(record, &self.entries))
            .collect())
    }

    async fn instance(&self, slug: &str) -> Result<Option<EdgeInstance>, DirectoryError> {
        match self.db.instance_by_slug(slug).await {
            Ok(record) => Ok(edge_instance(&record, &self.entries)),
            Err(StoreError::NotFound) => Ok(None),
            Err(e) => Err(unavailable(e)),
        }
    }

    async fn record_use(&self, slugs: &[String]) -> Result<(), DirectoryError> {
        self.db
            .record_use(slugs, chrono::Utc::now())
            .await
            .map(drop)
            .map_err(unavailable)
    }
}

fn unavailable(error: StoreError) -> DirectoryError {
    DirectoryError(error.to_string())
}

/// How the edge treats `record`; `None` when it does not exist for the public any more.
fn edge_instance(
    record: &InstanceRecord,
    entries: &BTreeMap<String, EntryPoint>,
) -> Option<EdgeInstance> {
    let state = match record.lifecycle {
        Lifecycle::Removed | Lifecycle::Erased => return None,
        Lifecycle::Stopped if record.wakes_on_request() => InstanceState::Hibernated,
        Lifecycle::Stopped => InstanceState::Paused,
        Lifecycle::Running => match record.status {
            Status::Running | Status::Degraded | Status::EngineUnreachable => {
                match entries.get(&record.template) {
                    Some(entry) => InstanceState::Running {
                        upstream: upstream(record, entry),
                    },
                    None => InstanceState::Unavailable,
                }
            }
            Status::Provisioning | Status::Stopped | Status::Removed | Status::Erased => {
                InstanceState::Preparing
            }
            Status::Failed => InstanceState::Unavailable,
        },
    };
    Some(EdgeInstance {
        slug: record.slug.clone(),
        state,
    })
}

/// `<stack>_<entry service>:<port>`: the entry service's name on the edge network
/// (`domain::instance::service_name`, as the engine names it) and its port.
fn upstream(record: &InstanceRecord, entry: &EntryPoint) -> String {
    format!(
        "{}:{}",
        service_name(&record.stack(), &entry.service),
        entry.port
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use chrono::Utc;
    use domain::capacity::Phase;

    fn record(lifecycle: Lifecycle, status: Status, template: &str) -> InstanceRecord {
        let now = Utc::now();
        InstanceRecord {
            id: 7,
            organisation_id: 1,
            name: "Demo".to_owned(),
            slug: "demo".to_owned(),
            template: template.to_owned(),
            version: "1.0".to_owned(),
            lifecycle,
            replicas: BTreeMap::new(),
            limits: BTreeMap::new(),
            generation: 1,
            status,
            status_reason: None,
            observed_generation: 1,
            created_at: now,
            updated_at: now,
            status_at: now,
            removed_at: None,
            phase: None,
            phase_pin: None,
            last_used_at: None,
            hibernate_allowed: true,
            node_id: None,
            moving_to: None,
            restoring_from: None,
            reservations: BTreeMap::new(),
        }
    }

    fn state(lifecycle: Lifecycle, status: Status) -> Option<InstanceState> {
        edge_instance(&record(lifecycle, status, "demo"), &builtin_entries()).map(|i| i.state)
    }

    #[test]
    fn running_instances_are_routed_to_their_entry_service() {
        let entries = builtin_entries();
        assert_eq!(
            entries.len(),
            builtin_names().count(),
            "every template loads"
        );
        let demo = &entries["demo"];
        let expected = InstanceState::Running {
            upstream: format!("pl7_{}:{}", demo.service, demo.port),
        };
        for status in [Status::Running, Status::Degraded, Status::EngineUnreachable] {
            assert_eq!(state(Lifecycle::Running, status), Some(expected.clone()));
        }
        let os = &entries["openslides-4"];
        let record = record(Lifecycle::Running, Status::Running, "openslides-4");
        assert_eq!(
            edge_instance(&record, &entries).unwrap().state,
            InstanceState::Running {
                upstream: format!("pl7_{}:{}", os.service, os.port)
            }
        );
    }

    #[test]
    fn other_states_get_their_page_or_are_unknown() {
        use InstanceState::*;
        assert_eq!(
            state(Lifecycle::Running, Status::Provisioning),
            Some(Preparing)
        );
        assert_eq!(state(Lifecycle::Running, Status::Stopped), Some(Preparing));
        assert_eq!(state(Lifecycle::Running, Status::Failed), Some(Unavailable));
        assert_eq!(state(Lifecycle::Stopped, Status::Running), Some(Paused));
        assert_eq!(state(Lifecycle::Stopped, Status::Stopped), Some(Paused));
        let mut asleep = record(Lifecycle::Stopped, Status::Stopped, "demo");
        asleep.phase = Some(Phase::Hibernated);
        let entries = builtin_entries();
        assert_eq!(edge_instance(&asleep, &entries).unwrap().state, Hibernated);
        // Pinned there by staff: it stays asleep, a visit does not wake it.
        asleep.phase_pin = Some(Phase::Hibernated);
        assert_eq!(edge_instance(&asleep, &entries).unwrap().state, Paused);
        assert_eq!(state(Lifecycle::Removed, Status::Running), None);
        assert_eq!(state(Lifecycle::Erased, Status::Erased), None);
        let unknown_template = record(Lifecycle::Running, Status::Running, "gone");
        assert_eq!(
            edge_instance(&unknown_template, &BTreeMap::new())
                .unwrap()
                .state,
            Unavailable
        );
    }
}
