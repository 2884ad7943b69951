//! When an instance's SAML settings are written. Pure: no Docker, no database, no clock.
//!
//! A template that declares `x-plenum.sso` with `protocol: saml` gets a one-off job (a Swarm
//! `replicated-job` labelled with the digest of the settings it writes) once the instance
//! runs and answers. When the job succeeded, the digest is recorded as configured; the
//! services that read the settings only at start carry the configured digest in their spec,
//! so recording it rolls them (the restart). A failed job is removed and recorded; it is
//! tried again after a back-off. Jobs for other digests, and every job of an instance that
//! does not run, are removed.

use super::migration::{JobState, ObservedJob};

/// What the plan is given.
#[derive(Debug, Clone, Copy)]
pub struct ConfigurationInputs<'a> {
    /// Whether the instance's lifecycle is running (else its jobs go).
    pub runs: bool,
    /// Whether it is up: every service runs and the entry answers, nothing is pending.
    pub ready: bool,
    /// The digest of the settings the instance should have.
    pub desired: &'a str,
    /// The digest last written, if any.
    pub configured: Option<&'a str>,
    /// Whether a new job may start (no failure within the back-off).
    pub retry_due: bool,
    /// The Swarm name of the job writing `desired`.
    pub job_name: &'a str,
    /// The configuration jobs observed for the instance (their `tag` is the digest).
    pub jobs: &'a [ObservedJob],
}

/// What to do about the settings this pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigurationAction {
    /// Nothing (written already, not up yet, or waiting out a back-off).
    Nothing,
    /// Create the job `name` writing `digest`.
    Create {
        /// The job's Swarm name.
        name: String,
        /// The digest it writes.
        digest: String,
    },
    /// The job `name` is running.
    Wait {
        /// The job's Swarm name.
        name: String,
    },
    /// The job succeeded: record `digest` as configured (its job is among the removals).
    Record {
        /// The digest written.
        digest: String,
    },
    /// The job failed: record the failure (its job is among the removals).
    Failed {
        /// The job's Swarm name.
        name: String,
        /// Why, from its task.
        reason: String,
    },
}

/// The action and the jobs to remove (name, id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigurationPlan {
    /// What to do.
    pub action: ConfigurationAction,
    /// Jobs to remove.
    pub remove: Vec<(String, String)>,
}

/// The plan for `inputs`.
pub fn plan_configuration(inputs: &ConfigurationInputs<'_>) -> ConfigurationPlan {
    let done = inputs.configured == Some(inputs.desired);
    let mut remove = Vec::new();
    let mut current = None;
    for job in inputs.jobs {
        let wanted = inputs.runs && job.name == inputs.job_name && job.tag == inputs.desired;
        if wanted && !done && current.is_none() {
            current = Some(job);
        } else {
            remove.push((job.name.clone(), job.id.clone()));
        }
    }
    let action = match current {
        _ if !inputs.runs || done => ConfigurationAction::Nothing,
        None if inputs.ready && inputs.retry_due => ConfigurationAction::Create {
            name: inputs.job_name.to_owned(),
            digest: inputs.desired.to_owned(),
        },
        None => ConfigurationAction::Nothing,
        Some(job) => match &job.state {
            JobState::Running => ConfigurationAction::Wait {
                name: job.name.clone(),
            },
            JobState::Completed => {
                remove.push((job.name.clone(), job.id.clone()));
                ConfigurationAction::Record {
                    digest: inputs.desired.to_owned(),
                }
            }
            JobState::Failed(reason) => {
                remove.push((job.name.clone(), job.id.clone()));
                ConfigurationAction::Failed {
                    name: job.name.clone(),
                    reason: reason.clone(),
                }
            }
        },
    };
    ConfigurationPlan { action, remove }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(name: &str, digest: &str, state: JobState) -> ObservedJob {
        ObservedJob {
            name: name.into(),
            id: format!("id-{name}"),
            tag: digest.into(),
            state,
            lost: false,
        }
    }

    fn inputs<'a>(jobs: &'a [ObservedJob], configured: Option<&'a str>) -> ConfigurationInputs<'a> {
        ConfigurationInputs {
            runs: true,
            ready: true,
            desired: "d2",
            configured,
            retry_due: true,
            job_name: "p1_sso-d2",
            jobs,
        }
    }

    #[test]
    fn a_ready_instance_gets_its_job_once_and_records_its_success() {
        let plan = plan_configuration(&inputs(&[], None));
        assert_eq!(
            plan.action,
            ConfigurationAction::Create {
                name: "p1_sso-d2".into(),
                digest: "d2".into()
            }
        );
        // Settings written before, and now they changed: a new job, the old one goes.
        let jobs = [job("p1_sso-d1", "d1", JobState::Completed)];
        let plan = plan_configuration(&inputs(&jobs, Some("d1")));
        assert!(matches!(plan.action, ConfigurationAction::Create { .. }));
        assert_eq!(plan.remove, [("p1_sso-d1".into(), "id-p1_sso-d1".into())]);
        let jobs = [job("p1_sso-d2", "d2", JobState::Running)];
        assert_eq!(
            plan_configuration(&inputs(&jobs, None)).action,
            ConfigurationAction::Wait {
                name: "p1_sso-d2".into()
            }
        );
        let jobs = [job("p1_sso-d2", "d2", JobState::Completed)];
        let plan = plan_configuration(&inputs(&jobs, None));
        assert_eq!(
            plan.action,
            ConfigurationAction::Record {
                digest: "d2".into()
            }
        );
        assert_eq!(plan.remove, [("p1_sso-d2".into(), "id-p1_sso-d2".into())]);
        // Recorded: nothing more, and a job left over goes.
        let plan = plan_configuration(&inputs(&jobs, Some("d2")));
        assert_eq!(plan.action, ConfigurationAction::Nothing);
        assert_eq!(plan.remove.len(), 1);
    }

    #[test]
    fn nothing_starts_before_the_instance_is_up_or_during_a_back_off() {
        let not_ready = ConfigurationInputs {
            ready: false,
            ..inputs(&[], None)
        };
        assert_eq!(
            plan_configuration(&not_ready).action,
            ConfigurationAction::Nothing
        );
        let backing_off = ConfigurationInputs {
            retry_due: false,
            ..inputs(&[], None)
        };
        assert_eq!(
            plan_configuration(&backing_off).action,
            ConfigurationAction::Nothing
        );
    }

    #[test]
    fn a_failure_is_reported_and_its_job_removed() {
        let jobs = [job("p1_sso-d2", "d2", JobState::Failed("exit 7".into()))];
        let plan = plan_configuration(&inputs(&jobs, Some("d1")));
        assert_eq!(
            plan.action,
            ConfigurationAction::Failed {
                name: "p1_sso-d2".into(),
                reason: "exit 7".into()
            }
        );
        assert_eq!(plan.remove.len(), 1);
    }

    #[test]
    fn an_instance_that_does_not_run_loses_its_jobs() {
        let jobs = [job("p1_sso-d2", "d2", JobState::Running)];
        let stopped = ConfigurationInputs {
            runs: false,
            ..inputs(&jobs, None)
        };
        let plan = plan_configuration(&stopped);
        assert_eq!(plan.action, ConfigurationAction::Nothing);
        assert_eq!(plan.remove.len(), 1);
    }
}
