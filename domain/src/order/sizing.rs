//! How a plan sizes a template's services: replicas and resource limits per service,
//! curated by staff and checked against the template's scaling rules.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::template::{ResourceAmounts, Template, parse_cpus, parse_memory};
use crate::validation::Invalid;

/// One service's size in a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceSizing {
    /// Replicas to run.
    pub replicas: u64,
    /// CPU limit in compose notation (`"0.5"`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpus: Option<String>,
    /// Memory limit in compose notation (`"512M"`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<String>,
}

/// A plan's sizing by service name. Services not listed run with the template's defaults.
pub type PlanServices = BTreeMap<String, ServiceSizing>;

const FIELD: &str = "services";

/// Reads a sizing written as JSON, e.g. `{"web": {"replicas": 2, "memory": "512M"}}`.
pub fn parse_sizing(json: &str) -> Result<PlanServices, Invalid> {
    serde_json::from_str(json).map_err(|e| {
        Invalid::new(
            FIELD,
            format!("Write the sizing as a JSON object of services: {e}"),
        )
    })
}

/// Checks that every service exists in `template`, its replicas lie within the template's
/// scaling rule, and its limits are valid amounts.
pub fn check_sizing(template: &Template, services: &PlanServices) -> Result<(), Invalid> {
    for (name, size) in services {
        let rule = template.scaling_rule(name).ok_or_else(|| {
            Invalid::new(
                FIELD,
                format!(
                    "Template {} has no service {name:?}; it has {}.",
                    template.name(),
                    template.service_names().collect::<Vec<_>>().join(", ")
                ),
            )
        })?;
        if !rule.allows(size.replicas) {
            return Err(Invalid::new(
                FIELD,
                format!(
                    "{name}: {} replicas are outside {}–{}.",
                    size.replicas, rule.min, rule.max
                ),
            ));
        }
        amounts_of(name, size)?;
    }
    Ok(())
}

/// One service's limits in a sizing, as amounts.
fn amounts_of(name: &str, size: &ServiceSizing) -> Result<ResourceAmounts, Invalid> {
    let nano_cpus = size
        .cpus
        .as_deref()
        .map(|cpus| {
            parse_cpus(cpus).map_err(|e| Invalid::new(FIELD, format!("{name}: cpus {cpus:?}: {e}")))
        })
        .transpose()?;
    let memory_bytes = size
        .memory
        .as_deref()
        .map(|memory| {
            parse_memory(memory)
                .map_err(|e| Invalid::new(FIELD, format!("{name}: memory {memory:?}: {e}")))
        })
        .transpose()?;
    Ok(ResourceAmounts {
        nano_cpus,
        memory_bytes,
    })
}

/// The resource limits of a sizing, as an instance's per-service limits (services that set
/// neither CPUs nor memory are left out). Refused like [`check_sizing`] on an invalid amount.
pub fn limits_of(services: &PlanServices) -> Result<BTreeMap<String, ResourceAmounts>, Invalid> {
    let mut limits = BTreeMap::new();
    for (name, size) in services {
        let amounts = amounts_of(name, size)?;
        if amounts != ResourceAmounts::default() {
            limits.insert(name.clone(), amounts);
        }
    }
    Ok(limits)
}

/// The replica counts of a sizing, as an instance's replica overrides.
pub fn replicas_of(services: &PlanServices) -> BTreeMap<String, u64> {
    services
        .iter()
        .map(|(name, size)| (name.clone(), size.replicas))
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::template::builtin;

    #[test]
    fn sizings_are_checked_against_the_template() {
        let demo = builtin("demo").unwrap();
        let good =
            parse_sizing(r#"{"web": {"replicas": 3, "cpus": "0.5", "memory": "256M"}}"#).unwrap();
        assert_eq!(check_sizing(&demo, &good), Ok(()));
        assert_eq!(replicas_of(&good)["web"], 3);
        assert_eq!(
            limits_of(&good).unwrap(),
            BTreeMap::from([(
                "web".to_owned(),
                ResourceAmounts {
                    nano_cpus: Some(500_000_000),
                    memory_bytes: Some(256 << 20),
                }
            )])
        );
        let replicas_only = parse_sizing(r#"{"web": {"replicas": 2}}"#).unwrap();
        assert_eq!(limits_of(&replicas_only).unwrap(), BTreeMap::new());

        for bad in [
            r#"{"nope": {"replicas": 1}}"#,
            r#"{"db": {"replicas": 2}}"#,
            r#"{"web": {"replicas": 1, "cpus": "lots"}}"#,
            r#"{"web": {"replicas": 1, "memory": "-5"}}"#,
        ] {
            let err = check_sizing(&demo, &parse_sizing(bad).unwrap()).unwrap_err();
            assert_eq!(err.field, "services", "{bad}");
            if bad.contains("cpus") || bad.contains("memory") {
                assert_eq!(limits_of(&parse_sizing(bad).unwrap()), Err(err), "{bad}");
            }
        }
        assert_eq!(parse_sizing("[1]").unwrap_err().field, "services");
        assert_eq!(
            parse_sizing(r#"{"web": {"replicas": 1, "gpu": 1}}"#)
                .unwrap_err()
                .field,
            "services"
        );
    }
}
