//! Orphans: objects with this installation's labels whose instance is not in the database.
//! They are reported when first seen and removed once they have been seen for the grace
//! period. Objects without Plenum's labels are never listed, so never touched.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use domain::instance::Status;
use domain::plan::{DesiredObjects, Step, plan};
use store::StoreError;

use crate::reconcile::{Context, ReconcileError};

/// When each orphaned instance id was first seen.
#[derive(Debug, Default)]
pub struct OrphanTracker {
    first_seen: BTreeMap<i64, Instant>,
}

/// What a sweep found and did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sweep {
    /// Instance ids with orphaned objects still within their grace period.
    pub reported: Vec<i64>,
    /// Instance ids whose orphaned objects were removed in this sweep.
    pub removed: Vec<i64>,
    /// Instances erased in the database whose objects are still there: to reconcile.
    pub erased_with_objects: Vec<i64>,
}

impl OrphanTracker {
    /// Lists every object of this installation (one call per kind), reports orphans and
    /// removes those seen for at least `grace`.
    pub async fn sweep(&mut self, ctx: &Context, grace: Duration) -> Result<Sweep, ReconcileError> {
        let observed = ctx
            .docker
            .observe_all(&ctx.settings.installation_id)
            .await?;
        let mut sweep = Sweep::default();
        let mut orphans = BTreeSet::new();
        for (id, observation) in &observed {
            match ctx.db.instance(*id).await {
                Ok(record) => {
                    if record.status == Status::Erased {
                        sweep.erased_with_objects.push(*id);
                    }
                }
                Err(StoreError::NotFound) => {
                    orphans.insert(*id);
                    let since = *self.first_seen.entry(*id).or_insert_with(Instant::now);
                    if since.elapsed() < grace {
                        tracing::warn!(
                            instance_id = id,
                            objects = observation.objects.len(),
                            "orphaned Swarm objects: no such instance; removed after the grace period"
                        );
                        sweep.reported.push(*id);
                        continue;
                    }
                    let mut steps = plan(&DesiredObjects::default(), &observation.objects, false);
                    steps.extend(observation.jobs.iter().map(|job| Step::RemoveMigrationJob {
                        name: job.name.clone(),
                        id: job.id.clone(),
                    }));
                    for job in &observation.sso_jobs {
                        ctx.docker.remove_service(&job.name, &job.id).await?;
                        tracing::info!(instance_id = id, "orphan: remove job {}", job.name);
                    }
                    for step in &steps {
                        match ctx.docker.remove(step).await {
                            Ok(_) => tracing::info!(instance_id = id, "orphan: {step}"),
                            Err(e) if e.is_in_use() => {}
                            Err(e) => return Err(e.into()),
                        }
                    }
                    sweep.removed.push(*id);
                }
                Err(e) => return Err(e.into()),
            }
        }
        self.first_seen.retain(|id, _| orphans.contains(id));
        Ok(sweep)
    }
}
