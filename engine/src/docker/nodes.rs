//! The Swarm's nodes: the capacity instances are placed on.

use bollard::models::{NodeSpecAvailabilityEnum, NodeSpecRoleEnum, NodeState};
use domain::capacity::{Node, Resources};

use super::{Docker, DockerError, classify};

impl Docker {
    /// Every node of the Swarm with its resources, role, availability and labels.
    pub async fn nodes(&self) -> Result<Vec<Node>, DockerError> {
        self.count();
        let nodes = self
            .client
            .list_nodes(None::<bollard::query_parameters::ListNodesOptions>)
            .await
            .map_err(|e| classify("list nodes", e))?;
        Ok(nodes
            .into_iter()
            .map(|node| {
                let spec = node.spec.unwrap_or_default();
                let description = node.description.unwrap_or_default();
                let resources = description.resources.unwrap_or_default();
                Node {
                    hostname: description.hostname.unwrap_or_default(),
                    role: match spec.role {
                        Some(NodeSpecRoleEnum::MANAGER) => "manager",
                        _ => "worker",
                    }
                    .to_owned(),
                    availability: match spec.availability {
                        Some(NodeSpecAvailabilityEnum::DRAIN) => "drain",
                        Some(NodeSpecAvailabilityEnum::PAUSE) => "pause",
                        _ => "active",
                    }
                    .to_owned(),
                    ready: node.status.and_then(|s| s.state) == Some(NodeState::READY),
                    resources: Resources::new(
                        resources.nano_cpus.unwrap_or(0),
                        resources.memory_bytes.unwrap_or(0),
                    ),
                    labels: spec.labels.unwrap_or_default().into_iter().collect(),
                }
            })
            .collect())
    }
}
