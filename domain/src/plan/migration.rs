//! The migration gate of an upgrade. Pure: no Docker, no database, no clock.
//!
//! A template may declare a migration job (`x-plenum.upgrade.migrate`). When the instance's
//! services run another tag than the desired one, the services may roll to the desired tag
//! only once a migration job for that tag has completed. The state lives in Swarm: the job
//! is a `replicated-job` service labelled with the tag it migrates to, so the gate is
//! recomputed from what is observed on every pass (level-triggered).

use std::collections::BTreeSet;

use super::{ServiceChange, Step};
use crate::instance::{Status, StatusReport};

/// How a migration job's task ended, or that it has not yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobState {
    /// Its task is pending, starting or running.
    Running,
    /// Its task exited with status 0.
    Completed,
    /// Its task failed (non-zero exit, rejected, …); the message says why.
    Failed(String),
}

/// A migration job as observed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedJob {
    /// Swarm name.
    pub name: String,
    /// Swarm id.
    pub id: String,
    /// The tag it migrates to (its label).
    pub tag: String,
    /// How far it got.
    pub state: JobState,
    /// Its latest failed task was lost ([`lost`]) rather than failing on its own.
    pub lost: bool,
}

/// Whether a job's task that ended with `exit_code` was lost rather than failing on its
/// own: killed by a signal (status 128 + n, e.g. 137 when the engine or the OOM killer
/// killed it), or gone without a status (its node's engine died, it was rejected).
pub fn lost(exit_code: Option<i64>) -> bool {
    exit_code.is_none_or(|code| code >= 128)
}

/// What the gate is given.
#[derive(Debug, Clone, Copy)]
pub struct MigrationInputs<'a> {
    /// Whether the template declares a migration job.
    pub declared: bool,
    /// The tag the instance should run.
    pub desired_tag: &'a str,
    /// The Swarm name of the job migrating to `desired_tag`.
    pub job_name: &'a str,
    /// Whether the instance runs (a stopped one cannot migrate).
    pub runs: bool,
    /// The tags the instance's observed services carry (services without a tag label,
    /// made before Plenum labelled tags, are left out).
    pub running_tags: &'a BTreeSet<String>,
    /// The migration jobs observed for the instance.
    pub jobs: &'a [ObservedJob],
}

/// Whether services may roll to the desired tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gate {
    /// Nothing to migrate, or the migration completed: services roll as planned.
    Open,
    /// Create the job `name`; services wait.
    Create {
        /// The job's Swarm name.
        name: String,
        /// The tag it migrates to.
        tag: String,
    },
    /// A migration is due but the instance is stopped (the job needs its database):
    /// services keep their tag until it runs again.
    Deferred,
    /// The job `name` is running; services wait.
    Running {
        /// The job's Swarm name.
        name: String,
    },
    /// The job `name` failed; services stay on the tag they run.
    Failed {
        /// The job's Swarm name.
        name: String,
        /// Why, from its task.
        reason: String,
    },
}

/// The gate and the jobs no longer needed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationPlan {
    /// Whether services may roll.
    pub gate: Gate,
    /// Jobs to remove (name, id): for other tags, or after the upgrade converged.
    pub remove: Vec<(String, String)>,
}

impl MigrationPlan {
    /// The plan's `steps` with the gate applied: while it is closed, service creations and
    /// spec updates (which would run the desired tag) are held back, while replica changes
    /// and everything else pass; then the job to create, then the jobs to remove.
    pub fn steps(&self, steps: Vec<Step>) -> Vec<Step> {
        let open = self.gate == Gate::Open;
        let mut out: Vec<Step> = steps
            .into_iter()
            .filter(|step| {
                open || !matches!(
                    step,
                    Step::CreateService { .. }
                        | Step::UpdateService {
                            change: ServiceChange::Spec,
                            ..
                        }
                )
            })
            .collect();
        if let Gate::Create { name, tag } = &self.gate {
            out.push(Step::CreateMigrationJob {
                name: name.clone(),
                tag: tag.clone(),
            });
        }
        out.extend(
            self.remove
                .iter()
                .map(|(name, id)| Step::RemoveMigrationJob {
                    name: name.clone(),
                    id: id.clone(),
                }),
        );
        out
    }

    /// The status the gate imposes, if any: provisioning while the migration is pending,
    /// failed when it failed. `running` names the tag the services run.
    pub fn status(&self, desired_tag: &str, running: &str) -> Option<StatusReport> {
        let (status, reason) = match &self.gate {
            // A stopped instance stays reported as stopped.
            Gate::Open | Gate::Deferred => return None,
            Gate::Create { name, .. } | Gate::Running { name } => (
                Status::Provisioning,
                format!("migrating to {desired_tag} (job {name}) before the services roll"),
            ),
            Gate::Failed { name, reason } => (
                Status::Failed,
                format!(
                    "the migration to {desired_tag} failed (job {name}: {reason}); the services still run {running}"
                ),
            ),
        };
        Some(StatusReport {
            status,
            reason: Some(reason),
        })
    }
}

/// The gate for `inputs`: a migration is due when the template declares one and a service
/// runs another tag than the desired one.
pub fn plan_migration(inputs: &MigrationInputs<'_>) -> MigrationPlan {
    let due = inputs.declared && inputs.running_tags.iter().any(|t| t != inputs.desired_tag);
    let mut remove = Vec::new();
    let mut current = None;
    for job in inputs.jobs {
        if due && job.name == inputs.job_name && job.tag == inputs.desired_tag {
            current = Some(job);
        } else {
            remove.push((job.name.clone(), job.id.clone()));
        }
    }
    let name = inputs.job_name.to_owned();
    let gate = match (due, current.map(|j| &j.state)) {
        (false, _) | (true, Some(JobState::Completed)) => Gate::Open,
        (true, None) if inputs.runs => Gate::Create {
            name,
            tag: inputs.desired_tag.to_owned(),
        },
        (true, None) => Gate::Deferred,
        (true, Some(JobState::Running)) => Gate::Running { name },
        (true, Some(JobState::Failed(reason))) => Gate::Failed {
            name,
            reason: reason.clone(),
        },
    };
    MigrationPlan { gate, remove }
}

#[cfg(test)]
mod tests;
