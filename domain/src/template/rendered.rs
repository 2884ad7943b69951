//! A rendered stack: the fully resolved, deterministic description of one instance's
//! services, networks, volumes and secrets, with a content hash per service.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::compose::deploy::{FailureAction, RestartCondition, UpdateOrder};
use super::context::{EndpointMode, ResourceAmounts};
use super::extension::{EntryPoint, InitialAdmin, SecretGeneration};

/// One instance's stack, ready to be turned into Swarm objects.
///
/// Names of services, networks, volumes and secrets are the template's short names;
/// the engine prefixes them with [`RenderedStack::stack`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RenderedStack {
    /// Name of the template it was rendered from.
    pub template: String,
    /// The instance's id.
    pub instance_id: i64,
    /// The Swarm stack name.
    pub stack: String,
    /// Services by short name.
    pub services: BTreeMap<String, RenderedService>,
    /// Stack networks by short name (the edge network is not among them).
    pub networks: BTreeMap<String, RenderedNetwork>,
    /// Volumes by short name.
    pub volumes: BTreeMap<String, RenderedVolume>,
    /// Secrets by short name.
    pub secrets: BTreeMap<String, RenderedSecret>,
    /// The service the edge proxy routes to.
    pub entry: EntryPoint,
    /// The shared edge network the entry service joins.
    pub edge_network: String,
    /// The initial administrator, if the template declares one.
    pub initial_admin: Option<InitialAdmin>,
}

/// One service, fully resolved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RenderedService {
    /// Short name (also its DNS alias inside the stack).
    pub name: String,
    /// Image reference.
    pub image: String,
    /// Overrides the image's entrypoint.
    pub entrypoint: Option<Vec<String>>,
    /// Overrides the image's command (Docker's `Args`).
    pub command: Option<Vec<String>>,
    /// Environment variables.
    pub environment: BTreeMap<String, String>,
    /// Container labels (compose `labels`).
    pub container_labels: BTreeMap<String, String>,
    /// Service labels (compose `deploy.labels`).
    pub service_labels: BTreeMap<String, String>,
    /// Secrets mounted as files.
    pub secrets: Vec<SecretMount>,
    /// Networks joined, stack networks in name order, then the edge network for the entry.
    pub networks: Vec<NetworkAttachment>,
    /// Named volumes mounted.
    pub mounts: Vec<VolumeMount>,
    /// Healthcheck; `None` keeps the image's own.
    pub healthcheck: Option<Healthcheck>,
    /// Number of tasks.
    pub replicas: u64,
    /// Resource limits, per field: the instance's plan, else the template, else the render
    /// defaults.
    pub limits: ResourceAmounts,
    /// Resource reservations.
    pub reservations: ResourceAmounts,
    /// Placement constraints (template's, then the render's extra ones).
    pub constraints: Vec<String>,
    /// Rolling update policy.
    pub update_config: Option<UpdatePolicy>,
    /// Rollback policy.
    pub rollback_config: Option<UpdatePolicy>,
    /// Restart policy.
    pub restart_policy: Option<RestartPolicy>,
    /// How the service is reached by name.
    pub endpoint_mode: EndpointMode,
    /// Whether this is the entry service.
    pub is_entry: bool,
    /// Hex SHA-256 of the canonical JSON of this service with an empty `spec_hash`.
    pub spec_hash: String,
}

impl RenderedService {
    /// Computes the content hash stored in [`RenderedService::spec_hash`]: the SHA-256 of the
    /// service's JSON (fields in declaration order, maps sorted) with `spec_hash` empty.
    pub fn compute_spec_hash(&self) -> String {
        let mut unhashed = self.clone();
        unhashed.spec_hash.clear();
        // Serialising plain structs, strings, integers and sorted maps cannot fail.
        let canonical = serde_json::to_vec(&unhashed).unwrap_or_default();
        let digest = Sha256::digest(&canonical);
        digest.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// A secret mounted into a service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretMount {
    /// Short name of the stack secret.
    pub source: String,
    /// Absolute file path inside the container (`/run/secrets/<target>`).
    pub target: String,
    /// File mode (default `0o444`).
    pub mode: u32,
}

/// Which network a service joins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "name", rename_all = "lowercase")]
pub enum NetworkRef {
    /// A network of the stack, by short name.
    Stack(String),
    /// The shared edge network, by its full name.
    Edge(String),
}

/// A network a service joins, with the DNS aliases it has there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkAttachment {
    /// The network.
    pub network: NetworkRef,
    /// Aliases: on stack networks the service's short name first, then the template's;
    /// none on the edge network, where short names of different instances would collide.
    pub aliases: Vec<String>,
}

/// A named volume mounted into a service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VolumeMount {
    /// Short name of the stack volume.
    pub source: String,
    /// Absolute path inside the container.
    pub target: String,
    /// Mounted read-only.
    pub read_only: bool,
}

/// A container healthcheck; durations in nanoseconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Healthcheck {
    /// Docker's test list (`["CMD", ...]`, `["CMD-SHELL", "..."]` or `["NONE"]`).
    pub test: Vec<String>,
    /// Time between checks.
    pub interval_ns: Option<i64>,
    /// Time a check may take.
    pub timeout_ns: Option<i64>,
    /// Failures in a row before the task is unhealthy.
    pub retries: Option<u64>,
    /// Grace period after start.
    pub start_period_ns: Option<i64>,
}

/// A rolling update or rollback policy; durations in nanoseconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UpdatePolicy {
    /// Tasks updated at once.
    pub parallelism: Option<u64>,
    /// Pause between batches.
    pub delay_ns: Option<i64>,
    /// What to do when a task fails.
    pub failure_action: Option<FailureAction>,
    /// How long each task is watched for failure.
    pub monitor_ns: Option<i64>,
    /// Tolerated failure ratio, 0 to 1.
    pub max_failure_ratio: Option<f64>,
    /// Stop-first or start-first.
    pub order: Option<UpdateOrder>,
}

/// A restart policy; durations in nanoseconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestartPolicy {
    /// When to restart.
    pub condition: Option<RestartCondition>,
    /// Pause before a restart.
    pub delay_ns: Option<i64>,
    /// Restarts allowed within `window_ns` (0 or unset: unlimited).
    pub max_attempts: Option<u64>,
    /// Window in which restarts are counted.
    pub window_ns: Option<i64>,
}

/// A stack network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RenderedNetwork {
    /// No route outside the stack.
    pub internal: bool,
    /// Standalone containers may attach.
    pub attachable: bool,
    /// Labels from the template.
    pub labels: BTreeMap<String, String>,
}

/// A stack volume.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RenderedVolume {
    /// Labels from the template.
    pub labels: BTreeMap<String, String>,
}

/// A stack secret; Plenum generates its value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RenderedSecret {
    /// How to generate the value.
    pub generate: SecretGeneration,
    /// Labels from the template.
    pub labels: BTreeMap<String, String>,
}
