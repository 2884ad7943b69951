//! The Swarm's nodes: the capacity instances are placed on, their addresses, and the
//! changes Plenum makes to them when staff drain one.

use std::collections::HashMap;

use bollard::models::{NodeSpecAvailabilityEnum, NodeSpecRoleEnum, NodeState};
use bollard::query_parameters::UpdateNodeOptions;
use domain::capacity::{Node, Resources};

use super::{Docker, DockerError, classify};

/// A change to a node's spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeChange<'a> {
    /// Sets label `key` to `value`.
    Label(&'a str, &'a str),
    /// Sets its availability to `drain`: Swarm moves every task away.
    Drain,
}

impl Docker {
    /// Every node of the Swarm with its resources, role, availability and labels.
    pub async fn nodes(&self) -> Result<Vec<Node>, DockerError> {
        Ok(self
            .list_nodes()
            .await?
            .into_iter()
            .map(|node| {
                let spec = node.spec.unwrap_or_default();
                let description = node.description.unwrap_or_default();
                let resources = description.resources.unwrap_or_default();
                Node {
                    id: node.id.unwrap_or_default(),
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

    /// Node id → the address other nodes reach it at (a manager that reports `0.0.0.0`
    /// is taken at its manager address).
    pub async fn node_addresses(&self) -> Result<HashMap<String, String>, DockerError> {
        Ok(self
            .list_nodes()
            .await?
            .into_iter()
            .filter_map(|node| {
                let reported = node.status.and_then(|s| s.addr).filter(|a| a != "0.0.0.0");
                let manager = node
                    .manager_status
                    .and_then(|m| m.addr)
                    .and_then(|a| a.rsplit_once(':').map(|(host, _)| host.to_owned()));
                Some((node.id?, reported.or(manager)?))
            })
            .collect())
    }

    /// Applies `change` to node `id` (at the version just read, so a concurrent change
    /// fails instead of being overwritten).
    pub async fn change_node(&self, id: &str, change: NodeChange<'_>) -> Result<(), DockerError> {
        let what = format!("update node {id}");
        self.count();
        let node = self
            .client
            .inspect_node(id)
            .await
            .map_err(|e| classify(what.clone(), e))?;
        let mut spec = node.spec.unwrap_or_default();
        match change {
            NodeChange::Label(key, value) => {
                spec.labels
                    .get_or_insert_with(HashMap::new)
                    .insert(key.to_owned(), value.to_owned());
            }
            NodeChange::Drain => spec.availability = Some(NodeSpecAvailabilityEnum::DRAIN),
        }
        let version = node.version.and_then(|v| v.index).unwrap_or(0);
        self.count();
        self.client
            .update_node(
                id,
                spec,
                UpdateNodeOptions {
                    version: i64::try_from(version).unwrap_or(i64::MAX),
                },
            )
            .await
            .map_err(|e| classify(what, e))
    }

    async fn list_nodes(&self) -> Result<Vec<bollard::models::Node>, DockerError> {
        self.count();
        self.client
            .list_nodes(None::<bollard::query_parameters::ListNodesOptions>)
            .await
            .map_err(|e| classify("list nodes", e))
    }
}
