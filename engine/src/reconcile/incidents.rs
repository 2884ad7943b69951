//! Incidents from a pass: every failed task of the instance's services (not its one-off
//! jobs, whose failures their own steps report) is counted under its group — service,
//! kind and message (`domain::incident::classify`) — once, by the task's time. Swarm keeps
//! a few old tasks per slot, so restarts between two passes are seen as long as that
//! history lasts.

use std::collections::BTreeMap;

use domain::incident::classify;
use domain::plan::DesiredObjects;
use store::Failure;

use super::{Context, ReconcileError};
use crate::docker::TaskInfo;

/// Records the failed tasks among `tasks` of the services in `ids` (Swarm name → id).
pub(super) async fn record(
    ctx: &Context,
    instance: i64,
    objects: &DesiredObjects,
    ids: &BTreeMap<String, String>,
    tasks: &[TaskInfo],
) -> Result<(), ReconcileError> {
    for task in tasks.iter().filter(|t| t.failed) {
        let Some(service) = ids
            .iter()
            .find(|(_, id)| **id == task.service_id)
            .and_then(|(name, _)| objects.services.get(name))
            .map(|s| s.short.as_str())
        else {
            continue;
        };
        let Some(at) = task.at else {
            continue;
        };
        let (kind, message) = classify(task.error.as_deref(), task.exit_code);
        let failure = Failure {
            instance_id: instance,
            service,
            kind,
            message: &message,
            at,
        };
        if ctx.db.record_failure(&failure).await? {
            tracing::info!(instance_id = instance, service, %message, "incident recorded");
        }
    }
    Ok(())
}
