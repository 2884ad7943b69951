//! The Swarm service spec of one rendered service.

use std::collections::{BTreeMap, HashMap};

use bollard::models::{
    EndpointSpec, EndpointSpecModeEnum, HealthConfig, Limit, Mount, MountType, MountVolumeOptions,
    NetworkAttachmentConfig, ResourceObject, ServiceSpec, ServiceSpecMode,
    ServiceSpecModeReplicated, ServiceSpecRollbackConfig,
    ServiceSpecRollbackConfigFailureActionEnum, ServiceSpecRollbackConfigOrderEnum,
    ServiceSpecUpdateConfig, ServiceSpecUpdateConfigFailureActionEnum,
    ServiceSpecUpdateConfigOrderEnum, TaskSpec, TaskSpecContainerSpec, TaskSpecContainerSpecFile,
    TaskSpecContainerSpecSecrets, TaskSpecPlacement, TaskSpecResources, TaskSpecRestartPolicy,
    TaskSpecRestartPolicyConditionEnum,
};
use domain::template::{
    EndpointMode, FailureAction, Healthcheck, NetworkRef, RenderedService, RenderedStack,
    ResourceAmounts, RestartCondition, RestartPolicy, UpdateOrder, UpdatePolicy,
};

use super::SpecError;
use super::labels::{LABEL_IMAGE, LABEL_SPEC_HASH, with_stack_labels};
use super::names::{network_name, service_name, volume_name};
use super::objects::unknown;

/// A Swarm secret that exists: what a service spec references.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretRef {
    /// The secret's Swarm id.
    pub id: String,
    /// The secret's Swarm name (see [`secret_name`](super::secret_name)).
    pub name: String,
}

/// Created Swarm secrets by the template's short secret name.
pub type SecretRefs = BTreeMap<String, SecretRef>;

/// The spec of service `service` of `stack`; `secrets` gives the Swarm secret behind each
/// short secret name the service mounts.
///
/// Secrets are mounted at their rendered target (`/run/secrets/<name>`), owned by uid and
/// gid 0, with the rendered mode (default `0o444`). Stack networks get the service's short
/// name as an alias; the entry service also joins the edge network, without aliases.
pub fn service_spec(
    stack: &RenderedStack,
    service: &str,
    secrets: &SecretRefs,
) -> Result<ServiceSpec, SpecError> {
    let def = stack
        .services
        .get(service)
        .ok_or_else(|| unknown(stack, "service", service))?;
    let mut labels = with_stack_labels(stack, &def.service_labels);
    labels.insert(LABEL_IMAGE.to_owned(), def.image.clone());
    labels.insert(LABEL_SPEC_HASH.to_owned(), def.spec_hash.clone());
    Ok(ServiceSpec {
        name: Some(service_name(&stack.stack, service)),
        labels: Some(labels),
        task_template: Some(TaskSpec {
            container_spec: Some(container_spec(stack, def, secrets)?),
            resources: resources(def),
            restart_policy: def.restart_policy.as_ref().map(restart_policy),
            placement: (!def.constraints.is_empty()).then(|| TaskSpecPlacement {
                constraints: Some(def.constraints.clone()),
                ..Default::default()
            }),
            networks: Some(networks(stack, def)),
            ..Default::default()
        }),
        mode: Some(ServiceSpecMode {
            replicated: Some(ServiceSpecModeReplicated {
                replicas: Some(int(def.replicas)),
            }),
            ..Default::default()
        }),
        update_config: def.update_config.as_ref().map(update_config),
        rollback_config: def.rollback_config.as_ref().map(rollback_config),
        endpoint_spec: Some(EndpointSpec {
            mode: Some(match def.endpoint_mode {
                EndpointMode::Vip => EndpointSpecModeEnum::VIP,
                EndpointMode::Dnsrr => EndpointSpecModeEnum::DNSRR,
            }),
            ports: None,
        }),
        networks: None,
    })
}

fn container_spec(
    stack: &RenderedStack,
    def: &RenderedService,
    secrets: &SecretRefs,
) -> Result<TaskSpecContainerSpec, SpecError> {
    let volume_labels = |volume: &str| -> HashMap<String, String> {
        let own = stack.volumes.get(volume).map(|v| &v.labels);
        with_stack_labels(stack, own.into_iter().flatten())
    };
    let secret_refs = def
        .secrets
        .iter()
        .map(|mount| {
            let created = secrets
                .get(&mount.source)
                .ok_or_else(|| SpecError::MissingSecret {
                    service: def.name.clone(),
                    secret: mount.source.clone(),
                })?;
            Ok(TaskSpecContainerSpecSecrets {
                file: Some(TaskSpecContainerSpecFile {
                    name: Some(mount.target.clone()),
                    uid: Some("0".to_owned()),
                    gid: Some("0".to_owned()),
                    mode: Some(mount.mode),
                }),
                secret_id: Some(created.id.clone()),
                secret_name: Some(created.name.clone()),
            })
        })
        .collect::<Result<Vec<_>, SpecError>>()?;
    Ok(TaskSpecContainerSpec {
        image: Some(def.image.clone()),
        labels: Some(with_stack_labels(stack, &def.container_labels)),
        command: def.entrypoint.clone(),
        args: def.command.clone(),
        env: Some(
            def.environment
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect(),
        ),
        mounts: (!def.mounts.is_empty()).then(|| {
            def.mounts
                .iter()
                .map(|m| Mount {
                    typ: Some(MountType::VOLUME),
                    source: Some(volume_name(&stack.stack, &m.source)),
                    target: Some(m.target.clone()),
                    read_only: Some(m.read_only),
                    volume_options: Some(MountVolumeOptions {
                        labels: Some(volume_labels(&m.source)),
                        ..Default::default()
                    }),
                    ..Default::default()
                })
                .collect()
        }),
        health_check: def.healthcheck.as_ref().map(health_config),
        secrets: (!secret_refs.is_empty()).then_some(secret_refs),
        ..Default::default()
    })
}

fn networks(stack: &RenderedStack, def: &RenderedService) -> Vec<NetworkAttachmentConfig> {
    def.networks
        .iter()
        .map(|attachment| NetworkAttachmentConfig {
            target: Some(match &attachment.network {
                NetworkRef::Stack(name) => network_name(&stack.stack, name),
                NetworkRef::Edge(name) => name.clone(),
            }),
            aliases: (!attachment.aliases.is_empty()).then(|| attachment.aliases.clone()),
            driver_opts: None,
        })
        .collect()
}

fn resources(def: &RenderedService) -> Option<TaskSpecResources> {
    let set = |a: &ResourceAmounts| a.nano_cpus.is_some() || a.memory_bytes.is_some();
    if !set(&def.limits) && !set(&def.reservations) {
        return None;
    }
    Some(TaskSpecResources {
        limits: set(&def.limits).then_some(Limit {
            nano_cpus: def.limits.nano_cpus,
            memory_bytes: def.limits.memory_bytes,
            pids: None,
        }),
        reservations: set(&def.reservations).then_some(ResourceObject {
            nano_cpus: def.reservations.nano_cpus,
            memory_bytes: def.reservations.memory_bytes,
            generic_resources: None,
        }),
        ..Default::default()
    })
}

fn health_config(health: &Healthcheck) -> HealthConfig {
    HealthConfig {
        test: Some(health.test.clone()),
        interval: health.interval_ns,
        timeout: health.timeout_ns,
        retries: health.retries.map(int),
        start_period: health.start_period_ns,
        start_interval: None,
    }
}

fn restart_policy(policy: &RestartPolicy) -> TaskSpecRestartPolicy {
    TaskSpecRestartPolicy {
        condition: policy.condition.map(|c| match c {
            RestartCondition::None => TaskSpecRestartPolicyConditionEnum::NONE,
            RestartCondition::OnFailure => TaskSpecRestartPolicyConditionEnum::ON_FAILURE,
            RestartCondition::Any => TaskSpecRestartPolicyConditionEnum::ANY,
        }),
        delay: policy.delay_ns,
        max_attempts: policy.max_attempts.map(int),
        window: policy.window_ns,
    }
}

fn update_config(policy: &UpdatePolicy) -> ServiceSpecUpdateConfig {
    ServiceSpecUpdateConfig {
        parallelism: policy.parallelism.map(int),
        delay: policy.delay_ns,
        failure_action: policy.failure_action.map(|a| match a {
            FailureAction::Continue => ServiceSpecUpdateConfigFailureActionEnum::CONTINUE,
            FailureAction::Rollback => ServiceSpecUpdateConfigFailureActionEnum::ROLLBACK,
            FailureAction::Pause => ServiceSpecUpdateConfigFailureActionEnum::PAUSE,
        }),
        monitor: policy.monitor_ns,
        max_failure_ratio: policy.max_failure_ratio,
        order: policy.order.map(|o| match o {
            UpdateOrder::StopFirst => ServiceSpecUpdateConfigOrderEnum::STOP_FIRST,
            UpdateOrder::StartFirst => ServiceSpecUpdateConfigOrderEnum::START_FIRST,
        }),
    }
}

fn rollback_config(policy: &UpdatePolicy) -> ServiceSpecRollbackConfig {
    ServiceSpecRollbackConfig {
        parallelism: policy.parallelism.map(int),
        delay: policy.delay_ns,
        // Templates cannot set `rollback` here (checked at load); anything else pauses.
        failure_action: policy.failure_action.map(|a| match a {
            FailureAction::Continue => ServiceSpecRollbackConfigFailureActionEnum::CONTINUE,
            FailureAction::Rollback | FailureAction::Pause => {
                ServiceSpecRollbackConfigFailureActionEnum::PAUSE
            }
        }),
        monitor: policy.monitor_ns,
        max_failure_ratio: policy.max_failure_ratio,
        order: policy.order.map(|o| match o {
            UpdateOrder::StopFirst => ServiceSpecRollbackConfigOrderEnum::STOP_FIRST,
            UpdateOrder::StartFirst => ServiceSpecRollbackConfigOrderEnum::START_FIRST,
        }),
    }
}

/// Docker's API takes signed counts; Plenum's are far below `i64::MAX`.
fn int(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}
