//! The Swarm specs of one-off jobs (`replicated-job` services built from the spec of a
//! template service): an upgrade's migration job, rendered with the new tag, the job that
//! writes a SAML instance's single sign-on settings, the pair of jobs that copy an
//! instance's volumes to another node, and the jobs that back an instance up and restore it.

use bollard::models::{
    EndpointSpec, EndpointSpecModeEnum, HealthConfig, ServiceSpec, ServiceSpecMode,
    ServiceSpecModeReplicatedJob, TaskSpecRestartPolicy, TaskSpecRestartPolicyConditionEnum,
};
use domain::template::{
    BackupDeclaration, MigrationStep, NetworkAttachment, NetworkRef, RenderedService,
    RenderedStack, ResourceAmounts, SamlConfigureStep, SecretMount, VolumeMount,
};
use sha2::{Digest, Sha256};

use super::SpecError;
use super::labels::{
    LABEL_BACKUP, LABEL_MIGRATION, LABEL_MOVE, LABEL_RESTORE, LABEL_SPEC_HASH, LABEL_SSO_SETTINGS,
};
use super::objects::unknown;
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
/// service's `entrypoint` stays), no edge network, labelled `org.plenum.migration=<tag>`,
/// and otherwise a [one-off job](one_off).
pub fn migration_job_spec(
    stack: &RenderedStack,
    step: &MigrationStep,
    tag: &str,
    secrets: &SecretRefs,
) -> Result<ServiceSpec, SpecError> {
    let mut spec = service_spec(stack, &step.service, secrets)?;
    spec.name = Some(migration_job_name(&stack.stack, tag));
    if let Some(task) = spec.task_template.as_mut() {
        if let Some(container) = task.container_spec.as_mut() {
            container.args = Some(step.command.clone());
        }
        if let Some(networks) = task.networks.as_mut() {
            networks.retain(|n| n.target.as_deref() != Some(stack.edge_network.as_str()));
        }
    }
    one_off(&mut spec, LABEL_MIGRATION, tag);
    Ok(spec)
}

/// `<stack>_sso-<digest>`, with the first 12 hex digits of the settings' digest.
pub fn sso_job_name(stack: &str, digest: &str) -> String {
    format!("{stack}_{}", sso_job_short(digest))
}

fn sso_job_short(digest: &str) -> String {
    format!(
        "sso-{}",
        digest.chars().take(TAG_HASH_DIGITS).collect::<String>()
    )
}

/// What the SAML configuration job of an instance is made of.
#[derive(Debug, Clone, Copy)]
pub struct SsoJob<'a> {
    /// The template's step (service to reuse, command).
    pub step: &'a SamlConfigureStep,
    /// The stack secret presented to Plenum, mounted at `/run/secrets/<name>`.
    pub settings_secret: &'a str,
    /// Where the job fetches the settings (`PLENUM_SSO_SETTINGS_URL`).
    pub settings_url: &'a str,
    /// The digest of the settings it writes (label `org.plenum.sso-settings`).
    pub digest: &'a str,
}

/// The SAML configuration job of `stack`: the spec of `job.step.service` with the step's
/// command, the settings secret mounted (mode 0400), `PLENUM_SSO_SETTINGS_URL` set, and the
/// edge network joined (Plenum is reached there), labelled with the settings' digest; and
/// otherwise a [one-off job](one_off).
pub fn sso_job_spec(
    stack: &RenderedStack,
    job: &SsoJob<'_>,
    secrets: &SecretRefs,
) -> Result<ServiceSpec, SpecError> {
    let short = sso_job_short(job.digest);
    let mut service = reaching_plenum(stack, &job.step.service, &short, job.settings_secret)?;
    service.command = Some(job.step.command.clone());
    service.environment.insert(
        SETTINGS_URL_VARIABLE.to_owned(),
        job.settings_url.to_owned(),
    );
    job_of(stack, service, secrets, LABEL_SSO_SETTINGS, job.digest)
}

/// A copy of `stack`'s service `base` named `short` for a job that talks to Plenum: with
/// `secret` mounted (mode 0400) for it to present, and the edge network joined (where
/// Plenum is reached).
fn reaching_plenum(
    stack: &RenderedStack,
    base: &str,
    short: &str,
    secret: &str,
) -> Result<RenderedService, SpecError> {
    let mut service = stack
        .services
        .get(base)
        .ok_or_else(|| unknown(stack, "service", base))?
        .clone();
    service.name = short.to_owned();
    if !service.secrets.iter().any(|m| m.source == secret) {
        service.secrets.push(SecretMount {
            source: secret.to_owned(),
            target: format!("/run/secrets/{secret}"),
            mode: 0o400,
        });
    }
    let edge = NetworkRef::Edge(stack.edge_network.clone());
    if !service.networks.iter().any(|n| n.network == edge) {
        service.networks.push(NetworkAttachment {
            network: edge,
            aliases: Vec::new(),
        });
    }
    Ok(service)
}

/// The two jobs of `x-plenum.backup`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackupEnd {
    /// Takes the dump and sends it to Plenum.
    Dump,
    /// Reads a dump from Plenum and loads it.
    Restore,
}

/// `<stack>_backup-<id>` or `<stack>_restore-<id>` (the id of the backup).
pub fn backup_job_name(stack: &str, end: BackupEnd, backup: i64) -> String {
    format!("{stack}_{}", backup_job_short(end, backup))
}

fn backup_job_short(end: BackupEnd, backup: i64) -> String {
    match end {
        BackupEnd::Dump => format!("backup-{backup}"),
        BackupEnd::Restore => format!("restore-{backup}"),
    }
}

/// One job of backing up or restoring an instance.
#[derive(Debug, Clone, Copy)]
pub struct BackupJob<'a> {
    /// Which job.
    pub end: BackupEnd,
    /// The template's declaration.
    pub declaration: &'a BackupDeclaration,
    /// The backup it takes or restores.
    pub backup: i64,
    /// Where the dump goes to or comes from (`PLENUM_BACKUP_URL`).
    pub url: &'a str,
}

/// The environment variable that tells a backup or restore job where the dump goes.
pub const BACKUP_URL_VARIABLE: &str = "PLENUM_BACKUP_URL";

/// A backup or restore job of `stack`: the spec of the declaration's service with the
/// declared command in place of the image's entrypoint, none of its volumes (it talks to
/// the service over the stack network), the token secret mounted, `PLENUM_BACKUP_URL` set
/// and the edge network joined; labelled `org.plenum.backup=<id>` or
/// `org.plenum.restore=<id>`; otherwise a [one-off job](one_off).
pub fn backup_job_spec(
    stack: &RenderedStack,
    job: &BackupJob<'_>,
    secrets: &SecretRefs,
) -> Result<ServiceSpec, SpecError> {
    let declaration = job.declaration;
    let short = backup_job_short(job.end, job.backup);
    let mut service = reaching_plenum(
        stack,
        &declaration.service,
        &short,
        &declaration.token_secret,
    )?;
    let (command, label) = match job.end {
        BackupEnd::Dump => (&declaration.dump, LABEL_BACKUP),
        BackupEnd::Restore => (&declaration.restore, LABEL_RESTORE),
    };
    service.entrypoint = Some(command.clone());
    service.command = None;
    service.mounts.clear();
    service
        .environment
        .insert(BACKUP_URL_VARIABLE.to_owned(), job.url.to_owned());
    job_of(stack, service, secrets, label, &job.backup.to_string())
}

/// The two ends of a move: the job that sends the volumes from the node they are on, and
/// the job that receives them on the node they move to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoveEnd {
    /// Packs the volumes (read-only) and sends them, with their checksum.
    Send,
    /// Receives them, checks the checksum, and only then replaces its volumes' content.
    Receive,
}

impl MoveEnd {
    fn short(self) -> &'static str {
        match self {
            MoveEnd::Send => "move-send",
            MoveEnd::Receive => "move-receive",
        }
    }
}

/// `<stack>_move-send` or `<stack>_move-receive`.
pub fn move_job_name(stack: &str, end: MoveEnd) -> String {
    format!("{stack}_{}", end.short())
}

/// One end of moving an instance's volumes from one node to another.
#[derive(Debug, Clone, Copy)]
pub struct MoveJob<'a> {
    /// Which end.
    pub end: MoveEnd,
    /// The id of the node this end runs on.
    pub node: &'a str,
    /// The id of the node the volumes move to (label `org.plenum.move`).
    pub to: &'a str,
    /// The image (`sh`, `tar`, `nc`, `sha256sum`).
    pub image: &'a str,
}

/// Where the volumes are mounted in a move job: `/move/<volume>`.
const MOVE_ROOT: &str = "/move";
/// The port the receiving end listens on.
const MOVE_PORT: u16 = 7000;

/// The shell script of one end. The sender packs every volume into one archive, hashes it,
/// and sends archive and hash (as one outer archive) until the receiver takes them; the
/// receiver checks the hash before it empties its volumes and unpacks, so a broken
/// transfer fails the job and leaves nothing half-written. The receiver's `nc` reads an
/// open, silent FIFO: with a closed input it would half-close the connection at once, and
/// busybox's `nc` on the sending side stops sending when it sees that.
fn move_script(end: MoveEnd, receiver: &str) -> String {
    match end {
        MoveEnd::Send => format!(
            "set -e; cd /tmp; tar -C {MOVE_ROOT} -cf payload.tar .; \
             sha256sum payload.tar > payload.sha256; \
             until tar -cf - payload.tar payload.sha256 | nc {receiver} {MOVE_PORT}; do sleep 1; done"
        ),
        MoveEnd::Receive => format!(
            "set -e; cd /tmp; mkfifo hold; exec 3<>hold; nc -l -p {MOVE_PORT} <&3 | tar -xf -; \
             sha256sum -c payload.sha256; \
             find {MOVE_ROOT} -mindepth 2 -maxdepth 2 -exec rm -rf {{}} +; \
             tar -C {MOVE_ROOT} -xpf payload.tar"
        ),
    }
}

/// The job at one end of moving `stack`'s volumes to node `job.to`: the image with every
/// volume of the stack mounted at `/move/<volume>` (read-only when sending), placed on
/// `job.node`, on the stack's first network (where the receiver is found by its name),
/// labelled `org.plenum.move=<to>`; otherwise a [one-off job](one_off).
pub fn move_job_spec(stack: &RenderedStack, job: &MoveJob<'_>) -> Result<ServiceSpec, SpecError> {
    let mut service = stack
        .services
        .values()
        .next()
        .ok_or_else(|| unknown(stack, "service", "(any)"))?
        .clone();
    let short = job.end.short().to_owned();
    let receiver = move_job_name(&stack.stack, MoveEnd::Receive);
    service.name = short;
    service.image = job.image.to_owned();
    service.entrypoint = Some(vec![
        "sh".to_owned(),
        "-c".to_owned(),
        move_script(job.end, &receiver),
    ]);
    service.command = None;
    service.environment.clear();
    service.container_labels.clear();
    service.service_labels.clear();
    service.secrets.clear();
    service.healthcheck = None;
    service.limits = ResourceAmounts::default();
    service.reservations = ResourceAmounts::default();
    service.constraints = vec![format!("node.id == {}", job.node)];
    service.mounts = stack
        .volumes
        .keys()
        .map(|volume| VolumeMount {
            source: volume.clone(),
            target: format!("{MOVE_ROOT}/{volume}"),
            read_only: job.end == MoveEnd::Send,
        })
        .collect();
    service.networks = stack
        .networks
        .keys()
        .next()
        .map(|network| NetworkAttachment {
            network: NetworkRef::Stack(network.clone()),
            aliases: Vec::new(),
        })
        .into_iter()
        .collect();
    service.is_entry = false;
    job_of(stack, service, &SecretRefs::new(), LABEL_MOVE, job.to)
}

/// The Swarm spec of `service` (a job's service, added to `stack`) as a
/// [one-off job](one_off) labelled `label=value`.
fn job_of(
    stack: &RenderedStack,
    service: RenderedService,
    secrets: &SecretRefs,
    label: &str,
    value: &str,
) -> Result<ServiceSpec, SpecError> {
    let short = service.name.clone();
    let mut with_job = stack.clone();
    with_job.services.insert(short.clone(), service);
    let mut spec = service_spec(&with_job, &short, secrets)?;
    one_off(&mut spec, label, value);
    Ok(spec)
}

/// The environment variable that tells the configuration job where the settings are.
pub const SETTINGS_URL_VARIABLE: &str = "PLENUM_SSO_SETTINGS_URL";

/// Turns a service's spec into a one-off job labelled `label=value`: one task that is not
/// restarted, no health check (not even the image's), no update or rollback policy, DNS round robin, and no spec
/// hash (the planner does not compare it with a rendered service).
fn one_off(spec: &mut ServiceSpec, label: &str, value: &str) {
    if let Some(labels) = spec.labels.as_mut() {
        labels.remove(LABEL_SPEC_HASH);
        labels.insert(label.to_owned(), value.to_owned());
    }
    if let Some(task) = spec.task_template.as_mut() {
        if let Some(container) = task.container_spec.as_mut() {
            // Explicitly none: without a test the image's own HEALTHCHECK would apply, and a
            // job that runs longer than its retries (a large dump) would be killed as
            // unhealthy.
            container.health_check = Some(HealthConfig {
                test: Some(vec!["NONE".to_owned()]),
                ..Default::default()
            });
        }
        task.restart_policy = Some(TaskSpecRestartPolicy {
            condition: Some(TaskSpecRestartPolicyConditionEnum::NONE),
            ..Default::default()
        });
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
