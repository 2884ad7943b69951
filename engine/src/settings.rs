//! The engine's settings (one section of Plenum's configuration) and their validation.

use std::path::PathBuf;
use std::time::Duration;

use domain::template::{EndpointMode, ResourceAmounts, parse_cpus, parse_memory};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// A setting with a value the engine cannot use; the message names the setting.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("engine.{setting}: {message}")]
pub struct SettingsError {
    /// The setting's name within the `engine` section.
    pub setting: &'static str,
    /// What is wrong and what is accepted.
    pub message: String,
}

fn invalid(setting: &'static str, message: impl Into<String>) -> SettingsError {
    SettingsError {
        setting,
        message: message.into(),
    }
}

/// Where the Docker engine (a Swarm manager) answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum DockerEndpoint {
    /// A local Unix socket.
    Socket {
        /// The socket's path.
        path: PathBuf,
    },
    /// TCP, with TLS client certificates when `tls` is given.
    Tcp {
        /// `host:port` (a `tcp://` prefix is accepted).
        address: String,
        /// Client certificate, key and CA (all three PEM files), for `https`.
        tls: Option<TlsFiles>,
    },
}

/// The PEM files of a TLS connection to the Docker engine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsFiles {
    /// The CA that signed the engine's certificate.
    pub ca: PathBuf,
    /// The client certificate.
    pub cert: PathBuf,
    /// The client certificate's key.
    pub key: PathBuf,
}

/// How Plenum reaches an instance's entry service for its health check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EntryAccess {
    /// By the service's DNS name `<stack>_<entry>` on the edge network: Plenum runs as a
    /// Swarm service on that network (production).
    ServiceName,
    /// By the address of the entry task's container on the node's `docker_gwbridge`
    /// network: Plenum runs on the (single) Swarm node's host, outside the overlay
    /// networks (development, tests).
    BridgeAddress,
}

/// The engine's section of the configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EngineSettings {
    /// The Docker engine to talk to.
    pub docker: DockerEndpoint,
    /// Seconds before a Docker API call is given up.
    pub docker_timeout_seconds: u64,
    /// This Plenum installation's id, on every object as `org.plenum.installation`: two
    /// installations (or test runs) sharing a Swarm never touch each other's objects.
    pub installation_id: String,
    /// The shared overlay network entry services join (the edge proxy's network).
    pub edge_network: String,
    /// Instance host names are `<slug>.<base_domain>`.
    pub base_domain: String,
    /// How services are reached by name: `vip` (a virtual IP, the production default) or
    /// `dnsrr` (DNS round robin; Swarms without IPVS).
    pub endpoint_mode: EndpointMode,
    /// How the health check reaches entry services.
    pub entry_access: EntryAccess,
    /// CPU limit of services that set none, e.g. `"0.5"`.
    pub default_cpus: Option<String>,
    /// Memory limit of services that set none, e.g. `"512M"`.
    pub default_memory: Option<String>,
    /// Placement constraints added to every service, e.g. `node.labels.plenum == true`.
    pub placement_constraints: Vec<String>,
    /// Seconds between two passes over every instance (besides Docker events and changes).
    pub resync_seconds: u64,
    /// Instances reconciled at the same time.
    pub parallelism: usize,
    /// Seconds an object with this installation's labels but no instance in the database
    /// is reported before it is removed.
    pub orphan_grace_seconds: u64,
    /// Hours a removed instance keeps its volumes and secrets before it is erased.
    pub removal_grace_hours: u64,
    /// Seconds an instance may take to come up before it counts as failed.
    pub provisioning_timeout_seconds: u64,
}

impl Default for EngineSettings {
    fn default() -> Self {
        Self {
            docker: DockerEndpoint::Socket {
                path: PathBuf::from("/var/run/docker.sock"),
            },
            docker_timeout_seconds: 60,
            installation_id: "plenum".to_owned(),
            edge_network: "plenum_edge".to_owned(),
            base_domain: "plenum.localhost".to_owned(),
            endpoint_mode: EndpointMode::Vip,
            entry_access: EntryAccess::ServiceName,
            default_cpus: None,
            default_memory: None,
            placement_constraints: Vec::new(),
            resync_seconds: 30,
            parallelism: 4,
            orphan_grace_seconds: 600,
            removal_grace_hours: 24 * 14,
            provisioning_timeout_seconds: 600,
        }
    }
}

/// Whether `text` is usable in a label value and a name: 1–32 of `a-z0-9-`.
fn is_plain_id(text: &str) -> bool {
    (1..=32).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

impl EngineSettings {
    /// Checks every setting; the error names the first bad one.
    pub fn validate(&self) -> Result<(), SettingsError> {
        match &self.docker {
            DockerEndpoint::Socket { path } if path.as_os_str().is_empty() => {
                return Err(invalid("docker.path", "must name the Docker socket"));
            }
            DockerEndpoint::Tcp { address, .. }
                if address.trim_start_matches("tcp://").is_empty() =>
            {
                return Err(invalid("docker.address", "must be host:port"));
            }
            _ => {}
        }
        if self.docker_timeout_seconds == 0 {
            return Err(invalid("docker_timeout_seconds", "must be at least 1"));
        }
        if !is_plain_id(&self.installation_id) {
            return Err(invalid(
                "installation_id",
                "must be 1 to 32 lower-case letters, digits or '-'",
            ));
        }
        if self.edge_network.is_empty() || self.edge_network.len() > 63 {
            return Err(invalid("edge_network", "must be 1 to 63 characters"));
        }
        domain::dns::DnsName::parse("base_domain", &self.base_domain)
            .map_err(|e| invalid("base_domain", e.to_string()))?;
        self.default_limits()?;
        if self
            .placement_constraints
            .iter()
            .any(|c| c.trim().is_empty())
        {
            return Err(invalid("placement_constraints", "must not be empty"));
        }
        if self.resync_seconds == 0 {
            return Err(invalid("resync_seconds", "must be at least 1"));
        }
        if self.parallelism == 0 || self.parallelism > 256 {
            return Err(invalid("parallelism", "must be 1 to 256"));
        }
        if !(1..=86_400).contains(&self.provisioning_timeout_seconds) {
            return Err(invalid(
                "provisioning_timeout_seconds",
                "must be 1 to 86400",
            ));
        }
        if self.removal_grace_hours > 87_600 {
            return Err(invalid(
                "removal_grace_hours",
                "must be at most 87600 (10 years)",
            ));
        }
        if self.resync_seconds > 86_400 {
            return Err(invalid("resync_seconds", "must be at most 86400"));
        }
        if self.orphan_grace_seconds > 31_536_000 {
            return Err(invalid(
                "orphan_grace_seconds",
                "must be at most 31536000 (a year)",
            ));
        }
        Ok(())
    }

    /// The default resource limits, parsed.
    pub fn default_limits(&self) -> Result<ResourceAmounts, SettingsError> {
        let nano_cpus = self
            .default_cpus
            .as_deref()
            .map(parse_cpus)
            .transpose()
            .map_err(|e| invalid("default_cpus", e.to_string()))?;
        let memory_bytes = self
            .default_memory
            .as_deref()
            .map(parse_memory)
            .transpose()
            .map_err(|e| invalid("default_memory", e.to_string()))?;
        Ok(ResourceAmounts {
            nano_cpus,
            memory_bytes,
        })
    }

    /// [`resync_seconds`](Self::resync_seconds) as a duration.
    pub fn resync(&self) -> Duration {
        Duration::from_secs(self.resync_seconds)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        EngineSettings::default().validate().unwrap();
    }

    #[test]
    fn errors_name_the_setting() {
        let check = |change: fn(&mut EngineSettings), setting: &str| {
            let mut s = EngineSettings::default();
            change(&mut s);
            let error = s.validate().unwrap_err();
            assert_eq!(error.setting, setting);
            assert!(error.to_string().starts_with(&format!("engine.{setting}:")));
        };
        check(
            |s| s.installation_id = "Has Space".to_owned(),
            "installation_id",
        );
        check(|s| s.parallelism = 0, "parallelism");
        check(|s| s.resync_seconds = 0, "resync_seconds");
        check(|s| s.removal_grace_hours = u64::MAX, "removal_grace_hours");
        check(
            |s| s.provisioning_timeout_seconds = u64::MAX,
            "provisioning_timeout_seconds",
        );
        check(
            |s| s.default_memory = Some("lots".to_owned()),
            "default_memory",
        );
        check(|s| s.default_cpus = Some("x".to_owned()), "default_cpus");
        check(|s| s.base_domain = "not a name".to_owned(), "base_domain");
        check(
            |s| {
                s.docker = DockerEndpoint::Tcp {
                    address: "tcp://".to_owned(),
                    tls: None,
                }
            },
            "docker.address",
        );
    }

    #[test]
    fn limits_parse() {
        let s = EngineSettings {
            default_cpus: Some("0.5".to_owned()),
            default_memory: Some("256M".to_owned()),
            ..Default::default()
        };
        let limits = s.default_limits().unwrap();
        assert_eq!(limits.nano_cpus, Some(500_000_000));
        assert_eq!(limits.memory_bytes, Some(256 << 20));
    }
}
