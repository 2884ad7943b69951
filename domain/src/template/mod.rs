//! Stack templates: a well-defined subset of the compose format `docker stack deploy`
//! reads, plus Plenum's extensions, rendered per instance into a [`RenderedStack`].
//!
//! # Supported keys
//!
//! Top level: `version` (ignored), `services`, `networks`, `volumes`, `secrets`, `x-plenum`
//! and `x-*` anchor holders (dropped after YAML merge keys `<<: *anchor` are resolved).
//!
//! `services.<name>`: `image`, `command` and `entrypoint` (string, split like a shell, or
//! list), `environment` and `labels` (map or `KEY=value` list), `secrets` (`- name` or
//! `{source, target, mode}`), `networks` (list, or map of `{aliases}`), `volumes`
//! (`vol:/path[:ro|rw]` or `{type: volume, source, target, read_only}`), `healthcheck`
//! (`test, interval, timeout, retries, start_period, disable`) and `deploy` (`replicas`,
//! `resources.{limits,reservations}.{cpus,memory}`, `placement.constraints`,
//! `update_config` and `rollback_config` (`parallelism, delay, failure_action, monitor,
//! max_failure_ratio, order`), `restart_policy` (`condition, delay, max_attempts, window`),
//! `endpoint_mode`, `labels`).
//!
//! `networks.<name>`: `driver` (only `overlay`), `internal`, `attachable`, `labels`.
//! `volumes.<name>`: `labels`. `secrets.<name>`: `x-plenum-generate` (required) and `labels`;
//! `file` and `external` are rejected because Plenum generates every secret.
//!
//! Any other key is an error naming its full path, e.g.
//! `template "demo": services.web.deploy.mode: key "mode" is not supported`.
//! Plenum adds no implicit `default` network: every service lists its networks. Only named
//! volumes declared at the top level can be mounted. `$VAR` interpolation is not performed.
//!
//! # Placeholders
//!
//! `{{ stack }}`, `{{ slug }}`, `{{ hostname }}`, `{{ tag }}` and `{{ instance_id }}` may
//! appear in images, commands, entrypoints, environment and label values, healthcheck
//! tests and placement constraints. Any other placeholder is an error at load time.
//!
//! # Plenum's extension
//!
//! See [`extension`] for the `x-plenum` block (entry service, initial admin, scaling rules,
//! the upgrade's migration job, single sign-on, backups)
//! and `x-plenum-generate` on secrets.

mod builtin;
mod compose;
mod context;
mod error;
pub mod extension;
mod load;
mod placeholder;
mod render;
mod rendered;
mod shell;
mod units;
mod validate;
mod yaml;

pub use builtin::{builtin, builtin_names, builtin_source};
pub use compose::deploy::{FailureAction, RestartCondition, UpdateOrder};
pub use context::{EndpointMode, RenderContext, ResourceAmounts, is_tag};
pub use error::TemplateError;
pub use extension::{
    BackupDeclaration, EntryPoint, InitialAdmin, MigrationStep, OidcDeclaration, SamlConfigureStep,
    SamlDeclaration, ScalingRule, SecretGeneration, SsoDeclaration,
};
pub use load::Template;
pub use placeholder::Variable;
pub use render::render;
pub use rendered::{
    Healthcheck, NetworkAttachment, NetworkRef, RenderedNetwork, RenderedSecret, RenderedService,
    RenderedStack, RenderedVolume, RestartPolicy, SecretMount, UpdatePolicy, VolumeMount,
};
pub use units::{UnitError, parse_cpus, parse_duration, parse_memory};

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
