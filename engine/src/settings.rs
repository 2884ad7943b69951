//! The engine's settings (one section of Plenum's configuration) and their validation.

use std::path::PathBuf;
use std::time::Duration;

use domain::template::{EndpointMode, ResourceAmounts, parse_cpus, parse_memory};
use serde::{Deserialize, Serialize};
use store::SecretKey;
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

/// Where the Docker engine (a Swarm manager) answers, parsed from
/// [`EngineSettings::docker_host`] and [`EngineSettings::docker_tls`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DockerEndpoint {
    /// A local Unix socket (`unix:///var/run/docker.sock`).
    Socket(PathBuf),
    /// TCP (`tcp://host:2376`), with TLS client certificates when given.
    Tcp {
        /// `host:port`.
        address: String,
        /// Client certificate, key and CA.
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
    /// By the node's address and a port Swarm publishes for the entry service in host mode
    /// (a free port per task): Plenum runs outside a Swarm of several nodes (tests). The
    /// entry port is then open on the nodes' own addresses: not for production.
    NodePort,
}

/// The engine's section of the configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EngineSettings {
    /// Whether Plenum runs the engine (provisions instances on the Swarm).
    pub enabled: bool,
    /// A file holding the base64 key (32 bytes) that encrypts instance secrets in the
    /// database; required when enabled. The key itself is never part of the settings.
    pub secret_key_file: Option<PathBuf>,
    /// The Docker engine to talk to, as in `DOCKER_HOST`: `unix:///path/to/socket` or
    /// `tcp://host:port`.
    pub docker_host: String,
    /// Client certificate, key and CA (PEM files) for a `tcp://` host over TLS.
    pub docker_tls: Option<TlsFiles>,
    /// Seconds before a Docker API call is given up.
    pub docker_timeout_seconds: u64,
    /// This Plenum installation's id, on every object as `org.plenum.installation`: two
    /// installations (or test runs) sharing a Swarm never touch each other's objects.
    pub installation_id: String,
    /// The shared overlay network entry services join (the edge proxy's network).
    pub edge_network: String,
    /// Instance host names are `<slug>.<base_domain>`.
    pub base_domain: String,
    /// The HTTPS port people reach instances on (`{{ public_url }}` names it when it is not
    /// 443); equal to `edge.https_port` when both are enabled.
    pub public_port: u16,
    /// How instances' services reach Plenum inside the Swarm (`{{ plenum_url }}`), e.g. for
    /// the token endpoint of single sign-on.
    pub plenum_url: String,
    /// Plenum's OpenID Connect issuer (`{{ oidc_issuer }}`): set by Plenum from its public
    /// URL, not a setting of its own.
    #[serde(skip)]
    pub oidc_issuer: String,
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
    /// The image of the jobs that copy an instance's volumes to another node when its node
    /// is drained (it needs `sh`, `tar`, `nc` and `sha256sum`, as busybox has them).
    pub mover_image: String,
    /// What each plan reserves per phase, for placing instances: set by Plenum from its
    /// `[capacity]` settings, not a setting of its own.
    #[serde(skip)]
    pub demand: domain::capacity::DemandModel,
}

impl Default for EngineSettings {
    fn default() -> Self {
        Self {
            enabled: false,
            secret_key_file: None,
            docker_host: "unix:///var/run/docker.sock".to_owned(),
            docker_tls: None,
            docker_timeout_seconds: 60,
            installation_id: "plenum".to_owned(),
            edge_network: "plenum_edge".to_owned(),
            base_domain: "plenum.localhost".to_owned(),
            public_port: 443,
            plenum_url: "http://plenum_server:3000".to_owned(),
            oidc_issuer: String::new(),
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
            mover_image: "busybox:1.36".to_owned(),
            demand: domain::capacity::DemandModel::default(),
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
        if self.enabled && self.secret_key_file.is_none() {
            return Err(invalid(
                "secret_key_file",
                "is required when the engine is enabled (a file with 32 random bytes in base64)",
            ));
        }
        if self.public_port == 0 {
            return Err(invalid("public_port", "must be 1–65535"));
        }
        if !(self.plenum_url.starts_with("http://") || self.plenum_url.starts_with("https://"))
            || self.plenum_url.contains(char::is_whitespace)
        {
            return Err(invalid(
                "plenum_url",
                "must be an http:// or https:// URL such as http://plenum_server:3000",
            ));
        }
        self.docker_endpoint()?;
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
        if self.mover_image.is_empty() || self.mover_image.contains(char::is_whitespace) {
            return Err(invalid(
                "mover_image",
                "must be an image reference such as busybox:1.36",
            ));
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

    /// The Docker endpoint, parsed.
    pub fn docker_endpoint(&self) -> Result<DockerEndpoint, SettingsError> {
        let host = self.docker_host.as_str();
        let accepted = "must be unix:///path/to/socket or tcp://host:port";
        if let Some(path) = host.strip_prefix("unix://") {
            if path.is_empty() || self.docker_tls.is_some() {
                return Err(invalid(
                    "docker_host",
                    format!("{accepted} (TLS only with tcp://)"),
                ));
            }
            return Ok(DockerEndpoint::Socket(PathBuf::from(path)));
        }
        match host.strip_prefix("tcp://") {
            Some(address) if !address.is_empty() && !address.contains('/') => {
                Ok(DockerEndpoint::Tcp {
                    address: address.to_owned(),
                    tls: self.docker_tls.clone(),
                })
            }
            _ => Err(invalid("docker_host", accepted)),
        }
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

    /// Reads the key from [`secret_key_file`](Self::secret_key_file). Errors name the file,
    /// never its content.
    pub fn secret_key(&self) -> Result<SecretKey, SettingsError> {
        let path = self
            .secret_key_file
            .as_ref()
            .ok_or_else(|| invalid("secret_key_file", "is not set"))?;
        let text = std::fs::read_to_string(path).map_err(|e| {
            invalid(
                "secret_key_file",
                format!("cannot read {}: {e}", path.display()),
            )
        })?;
        SecretKey::from_base64(text.trim()).map_err(|_| {
            invalid(
                "secret_key_file",
                format!("{} does not hold 32 bytes in base64", path.display()),
            )
        })
    }

    /// The public URL of the instance with host name `hostname`.
    pub fn public_url(&self, hostname: &str) -> String {
        match self.public_port {
            443 => format!("https://{hostname}"),
            port => format!("https://{hostname}:{port}"),
        }
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
        check(|s| s.docker_host = "tcp://".to_owned(), "docker_host");
        check(
            |s| s.docker_host = "/var/run/docker.sock".to_owned(),
            "docker_host",
        );
    }

    #[test]
    fn the_key_comes_from_a_file_and_is_never_shown() {
        let mut s = EngineSettings {
            enabled: true,
            ..Default::default()
        };
        assert_eq!(s.validate().unwrap_err().setting, "secret_key_file");
        let dir = std::env::temp_dir().join(format!("plenum-key-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("key");
        std::fs::write(&file, "bm90LWEta2V5\n").unwrap();
        s.secret_key_file = Some(file.clone());
        s.validate().unwrap();
        let error = s.secret_key().unwrap_err().to_string();
        assert!(
            error.contains("32 bytes") && !error.contains("bm90"),
            "{error}"
        );
        std::fs::write(&file, format!("{}\n", "QUFB".repeat(10) + "QUE=")).unwrap();
        assert!(s.secret_key().is_ok());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn docker_hosts_parse() {
        let mut s = EngineSettings::default();
        assert_eq!(
            s.docker_endpoint().unwrap(),
            DockerEndpoint::Socket(PathBuf::from("/var/run/docker.sock"))
        );
        s.docker_host = "tcp://swarm.internal:2376".to_owned();
        let tls = TlsFiles {
            ca: "ca.pem".into(),
            cert: "cert.pem".into(),
            key: "key.pem".into(),
        };
        s.docker_tls = Some(tls.clone());
        assert_eq!(
            s.docker_endpoint().unwrap(),
            DockerEndpoint::Tcp {
                address: "swarm.internal:2376".to_owned(),
                tls: Some(tls)
            }
        );
        s.docker_host = "unix:///run/docker.sock".to_owned();
        assert_eq!(s.docker_endpoint().unwrap_err().setting, "docker_host");
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
