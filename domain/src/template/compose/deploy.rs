//! The `deploy:` section of a service: replicas, resources, placement, update, rollback
//! and restart policies, endpoint mode and service labels.

use serde::{Deserialize, Serialize};

use super::forms::KeyValues;
use crate::template::context::EndpointMode;
use crate::template::units::{Bytes, DurationNs, NanoCpus};

/// `services.<name>.deploy`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Deploy {
    pub(crate) replicas: Option<u64>,
    #[serde(default)]
    pub(crate) resources: ResourcesDef,
    #[serde(default)]
    pub(crate) placement: PlacementDef,
    pub(crate) update_config: Option<UpdateConfigDef>,
    pub(crate) rollback_config: Option<UpdateConfigDef>,
    pub(crate) restart_policy: Option<RestartPolicyDef>,
    pub(crate) endpoint_mode: Option<EndpointMode>,
    #[serde(default)]
    pub(crate) labels: KeyValues,
}

/// `deploy.resources`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ResourcesDef {
    #[serde(default)]
    pub(crate) limits: ResourceDef,
    #[serde(default)]
    pub(crate) reservations: ResourceDef,
}

/// `deploy.resources.limits` or `.reservations`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ResourceDef {
    pub(crate) cpus: Option<NanoCpus>,
    pub(crate) memory: Option<Bytes>,
}

/// `deploy.placement`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PlacementDef {
    #[serde(default)]
    pub(crate) constraints: Vec<String>,
}

/// `deploy.update_config` or `deploy.rollback_config`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct UpdateConfigDef {
    pub(crate) parallelism: Option<u64>,
    pub(crate) delay: Option<DurationNs>,
    pub(crate) failure_action: Option<FailureAction>,
    pub(crate) monitor: Option<DurationNs>,
    pub(crate) max_failure_ratio: Option<f64>,
    pub(crate) order: Option<UpdateOrder>,
}

/// `deploy.restart_policy`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RestartPolicyDef {
    pub(crate) condition: Option<RestartCondition>,
    pub(crate) delay: Option<DurationNs>,
    pub(crate) max_attempts: Option<u64>,
    pub(crate) window: Option<DurationNs>,
}

/// What Swarm does when an update (or rollback) of a task fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FailureAction {
    /// Carry on with the next tasks.
    Continue,
    /// Roll the service back (not allowed in `rollback_config`).
    Rollback,
    /// Stop the update.
    Pause,
}

/// Whether Swarm stops an old task before starting its replacement, or the other way round.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum UpdateOrder {
    /// Stop the old task first (Docker's default).
    StopFirst,
    /// Start the new task first.
    StartFirst,
}

/// When Swarm restarts a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RestartCondition {
    /// Never.
    None,
    /// When it exits with a non-zero code.
    OnFailure,
    /// Whenever it exits.
    Any,
}
