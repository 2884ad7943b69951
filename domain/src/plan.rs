//! The reconcile plan: which Swarm objects to create, update and remove so that what is
//! observed becomes what is desired. Pure: no Docker, no database, no clock.
//!
//! Objects are compared by their full Swarm names; services also by their content hash
//! (label `org.plenum.spec-hash`) and replica count. Steps come in the order they can be
//! applied: the shared edge network, secrets, networks and volumes before the services that
//! use them; services removed before the networks, secrets and volumes they used.

pub mod backup;
pub mod migration;
pub mod moving;
pub mod sso_configuration;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// One service as it should be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesiredService {
    /// The template's short name.
    pub short: String,
    /// The content hash of the rendered service.
    pub spec_hash: String,
    /// Replicas to run (0 when stopped).
    pub replicas: u64,
}

/// The Swarm objects one instance should have, by full Swarm name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DesiredObjects {
    /// Services by Swarm name.
    pub services: BTreeMap<String, DesiredService>,
    /// Networks: Swarm name → short name.
    pub networks: BTreeMap<String, String>,
    /// Volumes: Swarm name → short name.
    pub volumes: BTreeMap<String, String>,
    /// Secrets: Swarm name (with content hash) → short name.
    pub secrets: BTreeMap<String, String>,
    /// The shared edge network the entry service joins, when a service needs it.
    pub edge_network: Option<String>,
    /// Whether missing objects are created. `false` keeps what exists (a removed instance
    /// in its grace period keeps volumes and secrets but does not recreate them).
    pub create_missing: bool,
}

/// A Swarm service as observed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedService {
    /// Swarm name.
    pub name: String,
    /// Swarm id.
    pub id: String,
    /// Swarm's version index (for optimistic updates).
    pub version: u64,
    /// Its `org.plenum.spec-hash` label.
    pub spec_hash: Option<String>,
    /// Its replica count (`None` for non-replicated services).
    pub replicas: Option<u64>,
    /// Swarm rolled back its last update.
    pub rolled_back: bool,
}

/// A network, volume or secret as observed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedObject {
    /// Swarm name.
    pub name: String,
    /// Swarm id (the name for volumes).
    pub id: String,
}

/// The Swarm objects carrying one instance's labels.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObservedObjects {
    /// Services.
    pub services: Vec<ObservedService>,
    /// Networks.
    pub networks: Vec<ObservedObject>,
    /// Volumes.
    pub volumes: Vec<ObservedObject>,
    /// Secrets.
    pub secrets: Vec<ObservedObject>,
    /// Whether the shared edge network exists.
    pub edge_network_present: bool,
}

impl ObservedObjects {
    /// How many objects there are (the edge network, shared, is not counted).
    pub fn len(&self) -> usize {
        self.services.len() + self.networks.len() + self.volumes.len() + self.secrets.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// How a service differs from what it should be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServiceChange {
    /// Its rendered spec changed (image, environment, replicas, …).
    Spec,
    /// Only its replica count differs (stop, start).
    Replicas {
        /// Observed.
        from: Option<u64>,
        /// Desired.
        to: u64,
    },
}

/// One change to apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Create the shared edge network.
    CreateEdgeNetwork {
        /// Its name.
        name: String,
    },
    /// Create a secret.
    CreateSecret {
        /// Short name.
        short: String,
        /// Swarm name.
        name: String,
    },
    /// Create a network.
    CreateNetwork {
        /// Short name.
        short: String,
        /// Swarm name.
        name: String,
    },
    /// Create a volume.
    CreateVolume {
        /// Short name.
        short: String,
        /// Swarm name.
        name: String,
    },
    /// Create a service.
    CreateService {
        /// Short name.
        short: String,
        /// Swarm name.
        name: String,
    },
    /// Update a service to its desired spec and replicas.
    UpdateService {
        /// Short name.
        short: String,
        /// Swarm name.
        name: String,
        /// Swarm id.
        id: String,
        /// Swarm version index the update is based on.
        version: u64,
        /// What differs.
        change: ServiceChange,
    },
    /// Remove a service.
    RemoveService {
        /// Swarm name.
        name: String,
        /// Swarm id.
        id: String,
    },
    /// Remove a secret.
    RemoveSecret {
        /// Swarm name.
        name: String,
        /// Swarm id.
        id: String,
    },
    /// Remove a network.
    RemoveNetwork {
        /// Swarm name.
        name: String,
        /// Swarm id.
        id: String,
    },
    /// Remove a volume.
    RemoveVolume {
        /// Swarm name.
        name: String,
    },
    /// Create the migration job of an upgrade (see [`migration`]).
    CreateMigrationJob {
        /// Swarm name.
        name: String,
        /// The tag it migrates to.
        tag: String,
    },
    /// Remove a migration job.
    RemoveMigrationJob {
        /// Swarm name.
        name: String,
        /// Swarm id.
        id: String,
    },
}

impl Step {
    /// Whether the step removes something (removals may have to wait until nothing uses the
    /// object any more).
    pub fn is_removal(&self) -> bool {
        matches!(
            self,
            Step::RemoveService { .. }
                | Step::RemoveSecret { .. }
                | Step::RemoveNetwork { .. }
                | Step::RemoveVolume { .. }
                | Step::RemoveMigrationJob { .. }
        )
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::CreateEdgeNetwork { name } => write!(f, "create edge network {name}"),
            Step::CreateSecret { name, .. } => write!(f, "create secret {name}"),
            Step::CreateNetwork { name, .. } => write!(f, "create network {name}"),
            Step::CreateVolume { name, .. } => write!(f, "create volume {name}"),
            Step::CreateService { name, .. } => write!(f, "create service {name}"),
            Step::UpdateService { name, change, .. } => match change {
                ServiceChange::Spec => write!(f, "update service {name}"),
                ServiceChange::Replicas { from, to } => match from {
                    Some(from) => write!(f, "scale service {name} from {from} to {to}"),
                    None => write!(f, "scale service {name} to {to}"),
                },
            },
            Step::RemoveService { name, .. } => write!(f, "remove service {name}"),
            Step::RemoveSecret { name, .. } => write!(f, "remove secret {name}"),
            Step::RemoveNetwork { name, .. } => write!(f, "remove network {name}"),
            Step::RemoveVolume { name } => write!(f, "remove volume {name}"),
            Step::CreateMigrationJob { name, tag } => {
                write!(f, "create migration job {name} for {tag}")
            }
            Step::RemoveMigrationJob { name, .. } => write!(f, "remove migration job {name}"),
        }
    }
}

/// The steps that turn `observed` into `desired`.
///
/// With `hold_rolled_back`, a service that Swarm rolled back is left as it is rather than
/// updated again (the engine sets it once it has applied the current desired state, so a
/// failed upgrade is not retried in a loop; a new desired state retries it).
pub fn plan(
    desired: &DesiredObjects,
    observed: &ObservedObjects,
    hold_rolled_back: bool,
) -> Vec<Step> {
    let mut steps = Vec::new();
    let create = desired.create_missing;
    if let Some(edge) = desired
        .edge_network
        .as_ref()
        .filter(|_| create && !desired.services.is_empty() && !observed.edge_network_present)
    {
        steps.push(Step::CreateEdgeNetwork { name: edge.clone() });
    }
    let names = |objects: &[ObservedObject]| -> BTreeSet<String> {
        objects.iter().map(|o| o.name.clone()).collect()
    };
    if create {
        let secrets = names(&observed.secrets);
        let networks = names(&observed.networks);
        let volumes = names(&observed.volumes);
        for (name, short) in &desired.secrets {
            if !secrets.contains(name) {
                steps.push(Step::CreateSecret {
                    short: short.clone(),
                    name: name.clone(),
                });
            }
        }
        for (name, short) in &desired.networks {
            if !networks.contains(name) {
                steps.push(Step::CreateNetwork {
                    short: short.clone(),
                    name: name.clone(),
                });
            }
        }
        for (name, short) in &desired.volumes {
            if !volumes.contains(name) {
                steps.push(Step::CreateVolume {
                    short: short.clone(),
                    name: name.clone(),
                });
            }
        }
    }
    let services: BTreeMap<&str, &ObservedService> = observed
        .services
        .iter()
        .map(|s| (s.name.as_str(), s))
        .collect();
    for (name, want) in &desired.services {
        match services.get(name.as_str()) {
            None if create => steps.push(Step::CreateService {
                short: want.short.clone(),
                name: name.clone(),
            }),
            None => {}
            Some(have) => {
                let change = if have.spec_hash.as_deref() != Some(want.spec_hash.as_str()) {
                    if hold_rolled_back && have.rolled_back {
                        continue;
                    }
                    Some(ServiceChange::Spec)
                } else if have.replicas != Some(want.replicas) {
                    Some(ServiceChange::Replicas {
                        from: have.replicas,
                        to: want.replicas,
                    })
                } else {
                    None
                };
                if let Some(change) = change {
                    steps.push(Step::UpdateService {
                        short: want.short.clone(),
                        name: name.clone(),
                        id: have.id.clone(),
                        version: have.version,
                        change,
                    });
                }
            }
        }
    }
    for have in &observed.services {
        if !desired.services.contains_key(&have.name) {
            steps.push(Step::RemoveService {
                name: have.name.clone(),
                id: have.id.clone(),
            });
        }
    }
    for have in &observed.secrets {
        if !desired.secrets.contains_key(&have.name) {
            steps.push(Step::RemoveSecret {
                name: have.name.clone(),
                id: have.id.clone(),
            });
        }
    }
    for have in &observed.networks {
        if !desired.networks.contains_key(&have.name) {
            steps.push(Step::RemoveNetwork {
                name: have.name.clone(),
                id: have.id.clone(),
            });
        }
    }
    for have in &observed.volumes {
        if !desired.volumes.contains_key(&have.name) {
            steps.push(Step::RemoveVolume {
                name: have.name.clone(),
            });
        }
    }
    steps
}

#[cfg(test)]
mod tests;
