//! The per-instance settings a template is rendered with, and their validation.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::error::TemplateError;

/// How a Swarm service is reached by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EndpointMode {
    /// One virtual IP balanced by IPVS (production Swarms).
    Vip,
    /// DNS round robin over task IPs (hosts without IPVS, such as test machines).
    Dnsrr,
}

/// CPU and memory amounts; `None` leaves a field unset.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceAmounts {
    /// CPUs in units of 10⁻⁹ CPUs (Docker's `NanoCPUs`).
    pub nano_cpus: Option<i64>,
    /// Memory in bytes.
    pub memory_bytes: Option<i64>,
}

impl ResourceAmounts {
    /// Field by field: `self`'s amount where set, else `fallback`'s.
    pub fn or(self, fallback: Self) -> Self {
        Self {
            nano_cpus: self.nano_cpus.or(fallback.nano_cpus),
            memory_bytes: self.memory_bytes.or(fallback.memory_bytes),
        }
    }

    /// Whether every amount that is set is greater than zero.
    fn is_positive(self) -> bool {
        let positive = |v: Option<i64>| v.is_none_or(|n| n > 0);
        positive(self.nano_cpus) && positive(self.memory_bytes)
    }
}

/// Everything that differs between two instances rendered from the same template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderContext {
    /// The instance's id (`{{ instance_id }}`, label `org.plenum.instance`).
    pub instance_id: i64,
    /// The instance's slug (`{{ slug }}`).
    pub slug: String,
    /// The Swarm stack name (`{{ stack }}`), prefix of every Swarm object.
    pub stack: String,
    /// The public host name (`{{ hostname }}`).
    pub hostname: String,
    /// The instance's public URL (`{{ public_url }}`), e.g. `https://acme.example.org`.
    pub public_url: String,
    /// Plenum's OpenID Connect issuer (`{{ oidc_issuer }}`).
    pub oidc_issuer: String,
    /// How the instance's services reach Plenum inside the Swarm (`{{ plenum_url }}`).
    pub plenum_url: String,
    /// The image tag to deploy (`{{ tag }}`).
    pub tag: String,
    /// Replica counts by service name; checked against the template's scaling rules.
    pub replicas: BTreeMap<String, u64>,
    /// Per-service limits of the instance's plan; they override the template's limits and
    /// the defaults, field by field.
    pub limits: BTreeMap<String, ResourceAmounts>,
    /// Limits applied to each service field neither the plan nor the template sets.
    pub default_limits: ResourceAmounts,
    /// Placement constraints added to every service (e.g. `node.labels.plenum == true`).
    pub extra_constraints: Vec<String>,
    /// Endpoint mode for services whose template sets none.
    pub endpoint_mode: EndpointMode,
    /// The shared network the edge proxy reaches entry services on.
    pub edge_network: String,
}

/// Longest Swarm service name (a DNS label).
pub(crate) const MAX_SERVICE_NAME: usize = 63;

impl RenderContext {
    /// Checks the settings that end up in names, image references and labels.
    pub(crate) fn validate(&self, template: &str) -> Result<(), TemplateError> {
        let fail = |field: &'static str, message: String| TemplateError::Context {
            template: template.to_owned(),
            field,
            message,
        };
        if !is_name(&self.stack) || self.stack.len() > MAX_SERVICE_NAME {
            return Err(fail(
                "stack",
                format!(
                    "\"{}\" must be 1..={MAX_SERVICE_NAME} characters of a-z, 0-9, '-' and '_', starting with a letter or digit",
                    self.stack
                ),
            ));
        }
        if !is_name(&self.edge_network) {
            return Err(fail(
                "edge_network",
                format!(
                    "\"{}\" must be lowercase letters, digits, '-' and '_'",
                    self.edge_network
                ),
            ));
        }
        if !is_tag(&self.tag) {
            return Err(fail(
                "tag",
                format!("\"{}\" is not a valid image tag", self.tag),
            ));
        }
        for (field, value) in [("slug", &self.slug), ("hostname", &self.hostname)] {
            if value.is_empty() || value.chars().any(|c| c.is_whitespace() || c.is_control()) {
                return Err(fail(
                    field,
                    format!(
                        "{value:?} must be non-empty and free of spaces and control characters"
                    ),
                ));
            }
        }
        for constraint in &self.extra_constraints {
            if !is_constraint(constraint) {
                return Err(fail(
                    "extra_constraints",
                    format!(
                        "\"{constraint}\" is not of the form \"<key> == <value>\" or \"<key> != <value>\""
                    ),
                ));
            }
        }
        if !self.default_limits.is_positive() {
            return Err(fail(
                "default_limits",
                "limits must be greater than zero".to_owned(),
            ));
        }
        if let Some(service) = self
            .limits
            .iter()
            .find_map(|(service, amounts)| (!amounts.is_positive()).then_some(service))
        {
            return Err(fail(
                "limits",
                format!("{service}: limits must be greater than zero"),
            ));
        }
        Ok(())
    }
}

/// Lowercase Docker object name: `[a-z0-9][a-z0-9_-]*`.
fn is_name(text: &str) -> bool {
    let mut chars = text.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

/// Whether `text` is a Docker image tag: `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`.
pub fn is_tag(text: &str) -> bool {
    let mut chars = text.chars();
    text.len() <= 128
        && chars
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// A Swarm placement constraint: `<key> == <value>` or `<key> != <value>`.
pub(crate) fn is_constraint(text: &str) -> bool {
    let Some((key, value)) = text.split_once("==").or_else(|| text.split_once("!=")) else {
        return false;
    };
    !key.trim().is_empty() && !value.trim().is_empty()
}
