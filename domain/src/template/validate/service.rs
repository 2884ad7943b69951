//! Checks one service of a template and turns it into the prototype that rendering fills in.

use std::collections::{BTreeMap, BTreeSet};

use crate::template::compose::deploy::FailureAction;
use crate::template::compose::deploy::{ResourceDef, RestartPolicyDef, UpdateConfigDef};
use crate::template::compose::service::{HealthcheckDef, ServiceDef};
use crate::template::context::{EndpointMode, ResourceAmounts, is_constraint};
use crate::template::error::Issue;
use crate::template::extension::ScalingRule;
use crate::template::placeholder::probe;
use crate::template::rendered::{
    Healthcheck, NetworkAttachment, NetworkRef, RenderedService, RestartPolicy, SecretMount,
    UpdatePolicy, VolumeMount,
};

use super::names::{check_keys, check_name, check_path};

/// A checked service: everything but the per-instance settings.
#[derive(Debug, Clone)]
pub(crate) struct ServiceTemplate {
    /// Placeholders not yet substituted, default replicas, template limits only,
    /// endpoint mode not yet decided (see `endpoint_mode`), no edge network, no hash.
    pub(crate) proto: RenderedService,
    /// The template's endpoint mode, if it sets one.
    pub(crate) endpoint_mode: Option<EndpointMode>,
    /// Replica counts allowed.
    pub(crate) scaling: ScalingRule,
}

/// Names declared at the top level, for cross-reference checks.
pub(crate) struct Declared<'a> {
    pub(crate) networks: BTreeSet<&'a str>,
    pub(crate) volumes: BTreeSet<&'a str>,
    pub(crate) secrets: BTreeSet<&'a str>,
}

/// Checks `services.<name>` and builds its prototype.
pub(crate) fn service(
    name: &str,
    def: ServiceDef,
    rule: Option<ScalingRule>,
    declared: &Declared<'_>,
) -> Result<ServiceTemplate, Issue> {
    let at = |key: &str| format!("services.{name}.{key}");
    check_name(&format!("services.{name}"), "service", name)?;
    let image = probe(&def.image).map_err(|m| Issue::at(at("image"), m))?;
    if image.is_empty() || image.chars().any(char::is_whitespace) {
        return Err(Issue::at(
            at("image"),
            "the image must be a non-empty reference without spaces",
        ));
    }
    check_keys(&at("environment"), def.environment.0.keys(), false)?;
    check_keys(&at("labels"), def.labels.0.keys(), true)?;
    check_keys(&at("deploy.labels"), def.deploy.labels.0.keys(), true)?;

    let replicas = def.deploy.replicas;
    let scaling = match rule {
        Some(rule) => rule,
        None => {
            let fixed = replicas.unwrap_or(1);
            ScalingRule {
                min: fixed,
                max: fixed,
            }
        }
    };
    let replicas = replicas.unwrap_or(scaling.min.max(1));
    if !scaling.allows(replicas) {
        return Err(Issue::at(
            at("deploy.replicas"),
            format!(
                "{replicas} is outside the scaling rule {}..={} in x-plenum.scaling.{name}",
                scaling.min, scaling.max
            ),
        ));
    }

    let limits = amounts(&def.deploy.resources.limits);
    let reservations = amounts(&def.deploy.resources.reservations);
    for (field, limit, reservation) in [
        ("cpus", limits.nano_cpus, reservations.nano_cpus),
        ("memory", limits.memory_bytes, reservations.memory_bytes),
    ] {
        if let (Some(limit), Some(reservation)) = (limit, reservation)
            && reservation > limit
        {
            return Err(Issue::at(
                at(&format!("deploy.resources.reservations.{field}")),
                "the reservation exceeds the limit",
            ));
        }
    }
    for (i, constraint) in def.deploy.placement.constraints.iter().enumerate() {
        if !is_constraint(constraint) {
            return Err(Issue::at(
                at(&format!("deploy.placement.constraints[{i}]")),
                format!(
                    "\"{constraint}\" is not of the form \"<key> == <value>\" or \"<key> != <value>\""
                ),
            ));
        }
    }

    let proto = RenderedService {
        name: name.to_owned(),
        image: def.image,
        entrypoint: def.entrypoint.map(|c| c.0),
        command: def.command.map(|c| c.0),
        environment: def.environment.0,
        container_labels: def.labels.0,
        service_labels: def.deploy.labels.0,
        secrets: secrets(name, &def.secrets, declared)?,
        networks: networks(name, &def.networks.0, declared)?,
        mounts: mounts(name, &def.volumes, declared)?,
        healthcheck: def
            .healthcheck
            .map(|h| healthcheck(&at("healthcheck"), h))
            .transpose()?,
        replicas,
        limits,
        reservations,
        constraints: def.deploy.placement.constraints,
        update_config: def
            .deploy
            .update_config
            .map(|u| update_policy(&at("deploy.update_config"), u, false))
            .transpose()?,
        rollback_config: def
            .deploy
            .rollback_config
            .map(|u| update_policy(&at("deploy.rollback_config"), u, true))
            .transpose()?,
        restart_policy: def.deploy.restart_policy.map(restart_policy),
        endpoint_mode: EndpointMode::Vip,
        is_entry: false,
        spec_hash: String::new(),
    };
    Ok(ServiceTemplate {
        proto,
        endpoint_mode: def.deploy.endpoint_mode,
        scaling,
    })
}

fn amounts(def: &ResourceDef) -> ResourceAmounts {
    ResourceAmounts {
        nano_cpus: def.cpus.map(|c| c.0),
        memory_bytes: def.memory.map(|m| m.0),
    }
}

fn secrets(
    service: &str,
    defs: &[crate::template::compose::service::ServiceSecret],
    declared: &Declared<'_>,
) -> Result<Vec<SecretMount>, Issue> {
    let mut targets = BTreeSet::new();
    let mut mounts = Vec::with_capacity(defs.len());
    for (i, def) in defs.iter().enumerate() {
        let path = format!("services.{service}.secrets[{i}]");
        if !declared.secrets.contains(def.source.as_str()) {
            return Err(Issue::at(
                path,
                format!(
                    "secret \"{}\" is not declared under the top-level secrets",
                    def.source
                ),
            ));
        }
        let target = def.target.as_deref().unwrap_or(&def.source);
        check_name(&format!("{path}.target"), "secret file", target)?;
        if !targets.insert(target.to_owned()) {
            return Err(Issue::at(
                path,
                format!("two secrets use the file name \"{target}\""),
            ));
        }
        mounts.push(SecretMount {
            source: def.source.clone(),
            target: format!("/run/secrets/{target}"),
            mode: def.mode.map_or(0o444, |m| m.0),
        });
    }
    Ok(mounts)
}

fn networks(
    service: &str,
    defs: &BTreeMap<String, Vec<String>>,
    declared: &Declared<'_>,
) -> Result<Vec<NetworkAttachment>, Issue> {
    let path = format!("services.{service}.networks");
    if defs.is_empty() {
        return Err(Issue::at(
            path,
            "every service must join at least one network (there is no implicit default network)",
        ));
    }
    let mut attachments = Vec::with_capacity(defs.len());
    for (network, extra) in defs {
        if !declared.networks.contains(network.as_str()) {
            return Err(Issue::at(
                format!("{path}.{network}"),
                format!("network \"{network}\" is not declared under the top-level networks"),
            ));
        }
        let mut aliases = vec![service.to_owned()];
        for (i, alias) in extra.iter().enumerate() {
            check_name(&format!("{path}.{network}.aliases[{i}]"), "alias", alias)?;
            if !aliases.contains(alias) {
                aliases.push(alias.clone());
            }
        }
        attachments.push(NetworkAttachment {
            network: NetworkRef::Stack(network.clone()),
            aliases,
        });
    }
    Ok(attachments)
}

fn mounts(
    service: &str,
    defs: &[crate::template::compose::service::ServiceVolume],
    declared: &Declared<'_>,
) -> Result<Vec<VolumeMount>, Issue> {
    let mut targets = BTreeSet::new();
    let mut mounts = Vec::with_capacity(defs.len());
    for (i, def) in defs.iter().enumerate() {
        let path = format!("services.{service}.volumes[{i}]");
        if !declared.volumes.contains(def.source.as_str()) {
            let hint = if def.source.starts_with(['/', '.', '~']) {
                " (bind mounts are not supported; use a named volume)"
            } else {
                ""
            };
            return Err(Issue::at(
                path,
                format!(
                    "volume \"{}\" is not declared under the top-level volumes{hint}",
                    def.source
                ),
            ));
        }
        check_path(&path, &def.target)?;
        if !targets.insert(def.target.clone()) {
            return Err(Issue::at(
                path,
                format!("\"{}\" is mounted twice", def.target),
            ));
        }
        mounts.push(VolumeMount {
            source: def.source.clone(),
            target: def.target.clone(),
            read_only: def.read_only,
        });
    }
    Ok(mounts)
}

fn healthcheck(path: &str, def: HealthcheckDef) -> Result<Healthcheck, Issue> {
    let test = match (def.disable, def.test) {
        (true, None) => vec!["NONE".to_owned()],
        (true, Some(test)) if test.0 == ["NONE"] => test.0,
        (true, Some(_)) => {
            return Err(Issue::at(
                format!("{path}.test"),
                "a disabled healthcheck takes no test",
            ));
        }
        (false, Some(test)) => test.0,
        (false, None) => {
            return Err(Issue::at(
                path,
                "required key \"test\" is missing (or set disable: true)",
            ));
        }
    };
    Ok(Healthcheck {
        test,
        interval_ns: def.interval.map(|d| d.0),
        timeout_ns: def.timeout.map(|d| d.0),
        retries: def.retries,
        start_period_ns: def.start_period.map(|d| d.0),
    })
}

fn update_policy(path: &str, def: UpdateConfigDef, rollback: bool) -> Result<UpdatePolicy, Issue> {
    if let Some(ratio) = def.max_failure_ratio
        && !(0.0..=1.0).contains(&ratio)
    {
        return Err(Issue::at(
            format!("{path}.max_failure_ratio"),
            format!("{ratio} is outside 0..=1"),
        ));
    }
    if rollback && def.failure_action == Some(FailureAction::Rollback) {
        return Err(Issue::at(
            format!("{path}.failure_action"),
            "a rollback cannot itself roll back (use continue or pause)",
        ));
    }
    Ok(UpdatePolicy {
        parallelism: def.parallelism,
        delay_ns: def.delay.map(|d| d.0),
        failure_action: def.failure_action,
        monitor_ns: def.monitor.map(|d| d.0),
        max_failure_ratio: def.max_failure_ratio,
        order: def.order,
    })
}

fn restart_policy(def: RestartPolicyDef) -> RestartPolicy {
    RestartPolicy {
        condition: def.condition,
        delay_ns: def.delay.map(|d| d.0),
        max_attempts: def.max_attempts,
        window_ns: def.window.map(|d| d.0),
    }
}
