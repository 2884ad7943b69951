//! Applying a plan's steps in order through the adapter, recording each one as an event.

use domain::instance::EventKind;
use domain::plan::{DesiredObjects, Step};

use super::desired::DesiredStack;
use super::{Context, ReconcileError};
use crate::docker::Observation;
use crate::spec::{SecretRef, SecretRefs};

/// What applying a plan did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Applied {
    /// Steps done.
    pub done: usize,
    /// Removals Docker refused because the object is still in use (retried next pass).
    pub waiting: usize,
}

/// The Swarm secrets services may mount: those observed, by short name.
pub(super) fn observed_refs(objects: &DesiredObjects, observation: &Observation) -> SecretRefs {
    observation
        .objects
        .secrets
        .iter()
        .filter_map(|s| {
            let short = objects.secrets.get(&s.name)?;
            let created = SecretRef {
                id: s.id.clone(),
                name: s.name.clone(),
            };
            Some((short.clone(), created))
        })
        .collect()
}

/// Applies `steps` for instance `id` in order. A step that fails stops the pass (the next
/// pass re-reads the world and plans again), except removals of objects still in use.
pub async fn apply(
    ctx: &Context,
    id: i64,
    desired: &DesiredStack,
    objects: &DesiredObjects,
    observation: &Observation,
    steps: &[Step],
) -> Result<Applied, ReconcileError> {
    let docker = &ctx.docker;
    let mut refs = observed_refs(objects, observation);
    let mut applied = Applied::default();
    for step in steps {
        let result = match step {
            Step::CreateEdgeNetwork { name } => {
                docker
                    .ensure_edge_network(name, desired.edge_labels())
                    .await
            }
            Step::CreateSecret { short, name } => {
                let created = docker.create_secret(desired.secret(short)?).await?;
                refs.insert(
                    short.clone(),
                    SecretRef {
                        id: created,
                        name: name.clone(),
                    },
                );
                Ok(())
            }
            Step::CreateNetwork { short, .. } => docker
                .create_network(desired.network(short)?)
                .await
                .map(|_| ()),
            Step::CreateVolume { short, .. } => docker.create_volume(desired.volume(short)?).await,
            Step::CreateService { short, .. } => docker
                .create_service(desired.service(short, &refs)?)
                .await
                .map(|_| ()),
            Step::UpdateService {
                short,
                name,
                version,
                ..
            } => {
                docker
                    .update_service(name, *version, desired.service(short, &refs)?)
                    .await
            }
            Step::CreateMigrationJob { .. } => docker
                .create_service(desired.migration_job(&refs)?)
                .await
                .map(|_| ()),
            Step::RemoveService { .. }
            | Step::RemoveMigrationJob { .. }
            | Step::RemoveSecret { .. }
            | Step::RemoveNetwork { .. }
            | Step::RemoveVolume { .. } => docker.remove(step).await.map(|_| ()),
        };
        match result {
            Ok(()) => {
                applied.done += 1;
                ctx.db
                    .add_instance_event(id, None, EventKind::Step, &step.to_string())
                    .await?;
            }
            Err(e) if step.is_removal() && e.is_in_use() => {
                tracing::debug!(instance_id = id, error = %e, "object still in use");
                applied.waiting += 1;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(applied)
}
