//! The Swarm's nodes as staff see them: where instances live, and draining.

use serde::{Deserialize, Serialize};

use super::ResourcesView;

/// One node of the Swarm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeView {
    /// Its Swarm id.
    pub id: String,
    /// Its host name.
    pub hostname: String,
    /// `manager` or `worker`.
    pub role: String,
    /// In words: `ready`, `down`, `draining (k instances moving away)`, `drained`, `paused`.
    pub state: String,
    /// Whether staff may drain it (ready, and not drained or draining already).
    pub can_drain: bool,
    /// Its CPUs and memory.
    pub resources: ResourcesView,
    /// The addresses (slugs) of the instances living on it; `→ slug` for those moving in.
    pub instances: Vec<String>,
}

/// What a drain set in motion, in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrainOutcome {
    /// E.g. "node-2 is drained: 2 instances move (acme → node-3, beta → node-1)".
    pub message: String,
}
