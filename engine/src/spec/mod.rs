//! Pure translation of a [`RenderedStack`](domain::template::RenderedStack) into the Docker
//! Swarm objects `docker stack deploy` would create: service specs, network and volume
//! create requests and secret specs. Nothing here talks to Docker.
//!
//! # Names
//!
//! Services, networks and volumes are called `<stack>_<name>`, as `docker stack deploy`
//! names them, so `docker stack ps <stack>` and `docker stack services <stack>` work.
//! Secrets are immutable in Swarm, so their names carry a content hash:
//! `<stack>_<secret>_<12 hex digits>` (see [`secret_name`]); a new value is a new secret,
//! and the services referencing it change with it.
//!
//! # Labels
//!
//! Every object gets `com.docker.stack.namespace=<stack>`, `org.plenum.managed=true` and
//! `org.plenum.instance=<instance id>`, on services also in the container labels (as
//! `docker stack deploy` does). The engine adds `org.plenum.installation=<id>`
//! ([`add_installation_label`]) when it creates them. Services additionally carry `com.docker.stack.image=<image>`
//! and `org.plenum.spec-hash=<hash>`, the rendered service's content hash. That hash does not
//! cover secret values: a rotated secret shows up as a different secret name in the spec.
//! The engine labels services with `org.plenum.tag=<tag>`; an upgrade's migration job
//! ([`migration_job_spec`]) carries `org.plenum.migration=<tag>` instead of a spec hash.

mod job;
mod labels;
mod names;
mod objects;
mod service;

pub use job::{
    BACKUP_URL_VARIABLE, BackupEnd, BackupJob, MoveEnd, MoveJob, SETTINGS_URL_VARIABLE, SsoJob,
    backup_job_name, backup_job_spec, migration_job_name, migration_job_spec, move_job_name,
    move_job_spec, sso_job_name, sso_job_spec,
};
pub use labels::{
    LABEL_BACKUP, LABEL_IMAGE, LABEL_INSTALLATION, LABEL_INSTANCE, LABEL_MANAGED, LABEL_MIGRATION,
    LABEL_MOVE, LABEL_NAMESPACE, LABEL_RESTORE, LABEL_SPEC_HASH, LABEL_SSO_SETTINGS, LABEL_TAG,
    add_installation_label, stack_labels, tagged_hash,
};
pub use names::{MAX_SECRET_NAME, network_name, secret_name, service_name, volume_name};
pub use objects::{network_create_request, secret_spec, volume_create_request};
pub use service::{SecretRef, SecretRefs, service_spec};

use thiserror::Error;

/// Why a Swarm object could not be described.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SpecError {
    /// The rendered stack has no service, network, volume or secret of this name.
    #[error("stack \"{stack}\" has no {kind} \"{name}\"")]
    Unknown {
        /// The stack.
        stack: String,
        /// `service`, `network`, `volume` or `secret`.
        kind: &'static str,
        /// The short name asked for.
        name: String,
    },
    /// A service mounts a secret for which no created Swarm secret was given.
    #[error(
        "service \"{service}\" mounts secret \"{secret}\", but no Swarm secret was given for it"
    )]
    MissingSecret {
        /// The service's short name.
        service: String,
        /// The secret's short name.
        secret: String,
    },
    /// A derived Swarm name exceeds Docker's limit.
    #[error("Swarm name \"{name}\" is longer than {max} characters")]
    NameTooLong {
        /// The name.
        name: String,
        /// Docker's limit.
        max: usize,
    },
}
