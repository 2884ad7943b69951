//! The Swarm's nodes (staff only): the list with the instances on each, and draining one.

use crate::dto::{DrainOutcome, NodeView};
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::server::{nodes, require_staff, respond, state};

/// Every node with its state and the instances living on it.
#[server(name = StaffNodes, prefix = "/api", endpoint = "staff/nodes/list")]
pub async fn staff_nodes() -> Result<Vec<NodeView>, AppError> {
    respond(
        async {
            let state = state()?;
            require_staff(&state).await?;
            nodes::list(&state).await
        }
        .await,
    )
}

/// Drains node `node` (its Swarm id): the instances living there move to other nodes
/// with their data, and the console of each says so.
#[server(name = StaffDrainNode, prefix = "/api", endpoint = "staff/nodes/drain")]
pub async fn staff_drain_node(node: String) -> Result<DrainOutcome, AppError> {
    respond(
        async {
            let state = state()?;
            let actor = require_staff(&state).await?;
            nodes::drain(&state, actor.user_id, node.trim()).await
        }
        .await,
    )
}
