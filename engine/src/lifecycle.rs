//! The lifecycle operations the web layer calls: each one checks the request against the
//! domain's rules, changes the desired state in the database (optimistically, by
//! generation) with an event, and triggers a reconcile pass. Swarm is only ever changed by
//! the reconciler.

use std::collections::BTreeMap;
use std::sync::Arc;

use domain::capacity::Phase;
use domain::instance::{Lifecycle, Operation, Slug};
use domain::template::{ResourceAmounts, Template, TemplateError, builtin};
use domain::validation::Invalid;
use store::{DesiredChange, DesiredUpdate, InstanceRecord, NewInstance, SecretValue, StoreError};
use thiserror::Error;

use crate::controller::Trigger;
use crate::reconcile::Context;
use crate::secrets;

/// Why a lifecycle operation was refused or failed.
#[derive(Debug, Error)]
pub enum EngineError {
    /// The request breaks a rule (the field is named).
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// The template does not exist or does not load.
    #[error("template: {0}")]
    Template(#[from] TemplateError),
    /// The database refused or failed (includes `NotFound`).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The instance kept changing under this request.
    #[error("the instance was changed by someone else; try again")]
    Conflict,
    /// Swarm could not be read or changed.
    #[error(transparent)]
    Swarm(#[from] crate::reconcile::ReconcileError),
}

/// A new instance as the web layer asks for it.
#[derive(Debug, Clone)]
pub struct NewInstanceRequest {
    /// The owning organisation.
    pub organisation_id: i64,
    /// Its display name.
    pub name: String,
    /// Its address.
    pub slug: Slug,
    /// A built-in template's name.
    pub template: String,
    /// The image tag.
    pub version: String,
    /// Replica overrides by service.
    pub replicas: BTreeMap<String, u64>,
}

/// The engine's handle for the web layer.
#[derive(Clone)]
pub struct Engine {
    ctx: Arc<Context>,
    trigger: Trigger,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The context holds the secret key: show nothing of it.
        f.debug_struct("Engine").finish_non_exhaustive()
    }
}

/// Attempts of an optimistic change before giving up with [`EngineError::Conflict`].
const ATTEMPTS: u32 = 5;

/// Pause before another attempt after a transient database error (times the attempt).
const RETRY_PAUSE: std::time::Duration = std::time::Duration::from_millis(100);

/// Image tags: 1–128 of `A-Za-z0-9_.-`, not starting with `.` or `-` (Docker's rule).
fn check_tag(tag: &str) -> Result<(), Invalid> {
    let ok = (1..=128).contains(&tag.len())
        && !tag.starts_with(['.', '-'])
        && tag
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if ok {
        Ok(())
    } else {
        Err(Invalid::new(
            "version",
            "A version is 1 to 128 letters, digits, '_', '.' or '-'.",
        ))
    }
}

/// Checks replica overrides against the template's scaling rules.
fn check_replicas(template: &Template, replicas: &BTreeMap<String, u64>) -> Result<(), Invalid> {
    for (service, n) in replicas {
        if !template.service_names().any(|s| s == service) {
            return Err(Invalid::new(
                "replicas",
                format!("There is no service {service}."),
            ));
        }
        let allowed = match template.scaling_rule(service) {
            Some(rule) => rule
                .allows(*n)
                .then_some(())
                .ok_or_else(|| format!("{service} runs {} to {} replicas.", rule.min, rule.max)),
            None => (template.default_replicas(service) == Some(*n))
                .then_some(())
                .ok_or_else(|| format!("{service} cannot be scaled.")),
        };
        allowed.map_err(|message| Invalid::new("replicas", message))?;
    }
    Ok(())
}

/// A checked new instance with its generated secrets and the first line of its log.
pub(crate) fn prepare(
    request: NewInstanceRequest,
) -> Result<(NewInstance, BTreeMap<String, SecretValue>, String), EngineError> {
    let template = builtin(&request.template)?;
    check_tag(&request.version)?;
    check_replicas(&template, &request.replicas)?;
    let secrets = secrets::missing(&template, &BTreeMap::new());
    let message = format!(
        "create from template {} version {}",
        request.template, request.version
    );
    let new = NewInstance {
        organisation_id: request.organisation_id,
        name: request.name,
        slug: request.slug,
        template: request.template,
        version: request.version,
        replicas: request.replicas,
        // Made by hand, not ordered: no plan, the template's limits.
        limits: BTreeMap::new(),
        lifecycle: Lifecycle::Running,
    };
    Ok((new, secrets, message))
}

impl Engine {
    /// An engine handle over `ctx`, triggering `trigger`.
    pub fn new(ctx: Arc<Context>, trigger: Trigger) -> Self {
        Self { ctx, trigger }
    }

    /// Creates an instance: generates its secrets by the template's rules, stores them
    /// encrypted with the record, and triggers provisioning.
    pub async fn create(
        &self,
        request: NewInstanceRequest,
        actor: Option<i64>,
    ) -> Result<InstanceRecord, EngineError> {
        let record = self.insert(request, actor).await?;
        self.trigger.fire(record.id);
        Ok(record)
    }

    /// Stores a new instance with its generated secrets, without provisioning it yet.
    pub(crate) async fn insert(
        &self,
        request: NewInstanceRequest,
        actor: Option<i64>,
    ) -> Result<InstanceRecord, EngineError> {
        let (new, secrets, message) = prepare(request)?;
        let record = self
            .ctx
            .db
            .create_instance(&new, &secrets, &self.ctx.key, actor, &message)
            .await?;
        Ok(record)
    }

    /// Runs a stopped (or removed, within its grace period) instance.
    pub async fn start(&self, id: i64, actor: Option<i64>) -> Result<InstanceRecord, EngineError> {
        self.lifecycle(id, Operation::Start, actor, "start").await
    }

    /// Scales every service to zero; data, networks and secrets are kept.
    pub async fn stop(&self, id: i64, actor: Option<i64>) -> Result<InstanceRecord, EngineError> {
        self.lifecycle(id, Operation::Stop, actor, "stop").await
    }

    /// Removes services and networks; volumes and secrets are kept for the grace period.
    pub async fn remove(&self, id: i64, actor: Option<i64>) -> Result<InstanceRecord, EngineError> {
        self.lifecycle(id, Operation::Remove, actor, "remove").await
    }

    /// Removes everything, now.
    pub async fn erase(&self, id: i64, actor: Option<i64>) -> Result<InstanceRecord, EngineError> {
        self.lifecycle(id, Operation::Erase, actor, "erase").await
    }

    /// Sets the replicas of one service, within the template's scaling rule.
    pub async fn scale(
        &self,
        id: i64,
        service: &str,
        replicas: u64,
        actor: Option<i64>,
    ) -> Result<InstanceRecord, EngineError> {
        self.change(id, Operation::Scale, actor, |record| {
            let template = builtin(&record.template)?;
            let mut all = record.replicas.clone();
            all.insert(service.to_owned(), replicas);
            check_replicas(&template, &all)?;
            let message = format!("scale {service} to {replicas}");
            Ok((DesiredChange::Replicas(all), message))
        })
        .await
    }

    /// Enters `phase` with `replicas` (from [`domain::capacity::phase_desired`]): running in
    /// event and quiet mode, stopped when hibernated or archived; `why` is logged with it.
    pub async fn enter_phase(
        &self,
        id: i64,
        phase: Phase,
        replicas: &BTreeMap<String, u64>,
        reservations: &BTreeMap<String, ResourceAmounts>,
        why: &str,
    ) -> Result<InstanceRecord, EngineError> {
        let template_checked = |record: &InstanceRecord| -> Result<(), EngineError> {
            check_replicas(&builtin(&record.template)?, replicas).map_err(Into::into)
        };
        let (op, lifecycle) = match phase {
            Phase::Event | Phase::Quiet => (Operation::Start, Lifecycle::Running),
            Phase::Hibernated | Phase::Archived => (Operation::Stop, Lifecycle::Stopped),
        };
        self.change(id, op, None, |record| {
            template_checked(record)?;
            let change = DesiredChange::Phase {
                phase,
                lifecycle,
                replicas: replicas.clone(),
                reservations: reservations.clone(),
            };
            Ok((change, format!("phase: {} — {why}", phase.as_str())))
        })
        .await
    }

    /// Pins the instance to `pin` (staff), or lets the calendar decide again (`None`).
    pub async fn pin_phase(
        &self,
        id: i64,
        pin: Option<Phase>,
        actor: Option<i64>,
    ) -> Result<InstanceRecord, EngineError> {
        self.change(id, Operation::Scale, actor, |_| {
            let message = match pin {
                Some(phase) => format!("pin to phase {}", phase.as_str()),
                None => "unpin the phase: the calendar decides".to_owned(),
            };
            Ok((DesiredChange::PinPhase(pin), message))
        })
        .await
    }

    /// Moves to another image tag: a rolling update that Swarm rolls back when the new
    /// tasks fail (the status then says so).
    pub async fn upgrade(
        &self,
        id: i64,
        version: &str,
        actor: Option<i64>,
    ) -> Result<InstanceRecord, EngineError> {
        check_tag(version)?;
        self.change(id, Operation::Upgrade, actor, |record| {
            let message = format!("upgrade from {} to {version}", record.version);
            Ok((DesiredChange::Version(version.to_owned()), message))
        })
        .await
    }

    /// The initial administrator password, once.
    pub async fn reveal_initial_password(
        &self,
        id: i64,
        actor: Option<i64>,
    ) -> Result<SecretValue, EngineError> {
        let record = self.ctx.db.instance(id).await?;
        let template = builtin(&record.template)?;
        let admin = template
            .initial_admin()
            .ok_or_else(|| Invalid::new("secret", "This template has no initial password."))?;
        Ok(self
            .ctx
            .db
            .reveal_instance_secret(id, &admin.password_secret, &self.ctx.key, actor)
            .await?)
    }

    async fn lifecycle(
        &self,
        id: i64,
        op: Operation,
        actor: Option<i64>,
        verb: &str,
    ) -> Result<InstanceRecord, EngineError> {
        self.change(id, op, actor, |record| {
            let next = record.lifecycle.apply(op)?;
            Ok((DesiredChange::Lifecycle(next), verb.to_owned()))
        })
        .await
    }

    /// The engine's context (database, Docker, settings).
    pub(crate) fn context(&self) -> &Context {
        &self.ctx
    }

    /// The engine's pass counters and the number of Docker API calls made so far.
    pub fn metrics(&self) -> (crate::metrics::EngineMetrics, u64) {
        (self.ctx.metrics.clone(), self.ctx.docker.api_calls())
    }

    /// The Swarm's nodes: the capacity orders are admitted against.
    pub async fn nodes(&self) -> Result<Vec<domain::capacity::Node>, crate::docker::DockerError> {
        self.ctx.docker.nodes().await
    }

    /// Asks the controller for a pass over instance `id` now, for instances whose desired
    /// state was written by someone else (an approved order creates its instance in the
    /// order's transaction). Without it the next periodic resync picks the instance up.
    pub fn reconcile_soon(&self, id: i64) {
        self.trigger.fire(id);
    }

    /// Applies `change` (computed from the current record) optimistically, retrying when
    /// someone else changed the instance in between; then triggers a pass.
    async fn change(
        &self,
        id: i64,
        op: Operation,
        actor: Option<i64>,
        change: impl Fn(&InstanceRecord) -> Result<(DesiredChange, String), EngineError>,
    ) -> Result<InstanceRecord, EngineError> {
        for attempt in 1..=ATTEMPTS {
            let record = self.ctx.db.instance(id).await?;
            record.lifecycle.apply(op)?;
            let (desired, message) = change(&record)?;
            match self
                .ctx
                .db
                .update_desired(id, record.generation, &desired, actor, &message)
                .await
            {
                Ok(DesiredUpdate::Applied(now)) => {
                    self.trigger.fire(id);
                    return Ok(now);
                }
                Ok(DesiredUpdate::Stale(_)) => {}
                // SQLite refuses a read-then-write transaction when a reconcile pass wrote
                // in between ("database is locked"); the next attempt starts afresh.
                Err(e) if e.is_unavailable() && attempt < ATTEMPTS => {
                    tracing::debug!(instance_id = id, error = %e, "desired-state write retried");
                    tokio::time::sleep(RETRY_PAUSE * attempt).await;
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(EngineError::Conflict)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn tags_follow_docker() {
        for good in ["1.0", "4.2.1", "latest", "v1_beta-2"] {
            check_tag(good).unwrap();
        }
        for bad in ["", ".x", "-x", "a b", "a:b", &"x".repeat(129)] {
            assert!(check_tag(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn replicas_follow_scaling_rules() {
        let demo = builtin("demo").unwrap();
        let ask = |service: &str, n: u64| {
            check_replicas(&demo, &BTreeMap::from([(service.to_owned(), n)]))
        };
        ask("web", 3).unwrap();
        ask("db", 1).unwrap();
        assert_eq!(ask("db", 2).unwrap_err().field, "replicas");
        assert!(ask("web", 0).is_err());
        assert!(ask("web", 11).is_err());
        assert!(ask("cache", 1).is_err());
    }
}
