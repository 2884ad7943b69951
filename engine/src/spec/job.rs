//! The Swarm spec of an upgrade's migration job: a `replicated-job` service built from the
//! spec of the template service the step names, rendered with the new tag.

use bollard::models::{
    EndpointSpec, EndpointSpecModeEnum, ServiceSpec, ServiceSpecMode, ServiceSpecModeReplicatedJob,
    TaskSpecRestartPolicy, TaskSpecRestartPolicyConditionEnum,
};
use domain::template::{MigrationStep, RenderedStack};
use sha2::{Digest, Sha256};

use super::SpecError;
use super::labels::{LABEL_MIGRATION, LABEL_SPEC_HASH};
use super::service::{SecretRefs, service_spec};

/// Hex digits of the tag's hash in a job name.
const TAG_HASH_DIGITS: usize = 12;

/// `<stack>_migrate-<hash>`, where `<hash>` is the first 12 hex digits of SHA-256 of the
/// tag it migrates to (tags may hold characters Swarm names do not allow).
pub fn migration_job_name(stack: &str, tag: &str) -> String {
    let hash: String = Sha256::digest(tag.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>()
        .chars()
        .take(TAG_HASH_DIGITS)
        .collect();
    format!("{stack}_migrate-{hash}")
}

/// The job running `step` for `stack` (rendered with the tag `tag` migrates to): the
/// service's spec (image, environment, secrets, mounts, resources, placement, stack
/// networks) with `step.command` as its command arguments (the image's entrypoint or the
/// service's `entrypoint` stays), one task that is not restarted, no health check, no edge
/// network, no update or rollback policy, labelled `org.plenum.migration=<tag>`.
pub fn migration_job_spec(
    stack: &RenderedStack,
    step: &MigrationStep,
    tag: &str,
    secrets: &SecretRefs,
) -> Result<ServiceSpec, SpecError> {
    let mut spec = service_spec(stack, &step.service, secrets)?;
    spec.name = Some(migration_job_name(&stack.stack, tag));
    if let Some(labels) = spec.labels.as_mut() {
        labels.remove(LABEL_SPEC_HASH);
        labels.insert(LABEL_MIGRATION.to_owned(), tag.to_owned());
    }
    if let Some(task) = spec.task_template.as_mut() {
        if let Some(container) = task.container_spec.as_mut() {
            container.args = Some(step.command.clone());
            container.health_check = None;
        }
        task.restart_policy = Some(TaskSpecRestartPolicy {
            condition: Some(TaskSpecRestartPolicyConditionEnum::NONE),
            ..Default::default()
        });
        if let Some(networks) = task.networks.as_mut() {
            networks.retain(|n| n.target.as_deref() != Some(stack.edge_network.as_str()));
        }
    }
    spec.mode = Some(ServiceSpecMode {
        replicated_job: Some(ServiceSpecModeReplicatedJob {
            max_concurrent: Some(1),
            total_completions: Some(1),
        }),
        ..Default::default()
    });
    spec.update_config = None;
    spec.rollback_config = None;
    spec.endpoint_spec = Some(EndpointSpec {
        mode: Some(EndpointSpecModeEnum::DNSRR),
        ports: None,
    });
    Ok(spec)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn job_names_hash_the_tag() {
        let a = migration_job_name("pl7", "1.1");
        assert!(a.starts_with("pl7_migrate-"), "{a}");
        assert_eq!(a.len(), "pl7_migrate-".len() + TAG_HASH_DIGITS);
        assert_eq!(a, migration_job_name("pl7", "1.1"));
        assert_ne!(a, migration_job_name("pl7", "1.2"));
    }
}
