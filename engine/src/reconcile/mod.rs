//! One reconcile pass for one instance, level-triggered: read the desired state from the
//! database and the actual state from Swarm, plan, apply, derive and record the status.
//! It never asks why it runs; running it twice in a row changes nothing the second time.

mod apply;
mod backup;
mod desired;
mod health;
mod incidents;
pub(crate) mod moving;
pub mod placement;
mod sso;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use chrono::Utc;
use domain::instance::{
    EntryHealth, EventKind, Lifecycle, Status, StatusInputs, StatusReport, derive_status,
};
use domain::plan::migration::{MigrationInputs, MigrationPlan, plan_migration};
use domain::plan::{DesiredObjects, plan};
use domain::template::{TemplateError, builtin};
use store::{DesiredChange, DesiredUpdate, InstanceRecord, SecretKey, StoreError};
use thiserror::Error;

use crate::docker::{Docker, DockerError, Observation, job_states, service_tasks};
use crate::secrets;
use crate::settings::{EngineSettings, SettingsError};
use crate::spec::SpecError;

pub use apply::Applied;
pub use desired::DesiredStack;
pub use health::HEALTH_TIMEOUT;

/// Why a pass failed. Messages name the object and never carry secret values.
#[derive(Debug, Error)]
pub enum ReconcileError {
    /// Reading or writing Plenum's database failed.
    #[error("database: {0}")]
    Store(#[from] StoreError),
    /// A Docker call failed.
    #[error(transparent)]
    Docker(#[from] DockerError),
    /// The template could not be rendered for the instance.
    #[error("template: {0}")]
    Template(#[from] TemplateError),
    /// A Swarm spec could not be built.
    #[error("spec: {0}")]
    Spec(#[from] SpecError),
    /// The engine's settings are unusable.
    #[error(transparent)]
    Settings(#[from] SettingsError),
    /// The instance lacks the stored value of a secret.
    #[error("secret {0} has no stored value")]
    MissingSecret(String),
    /// A migration job was to be created for a template that declares none.
    #[error("the template declares no migration job")]
    NoMigration,
}

impl ReconcileError {
    /// Whether the Docker engine did not answer.
    pub fn is_unreachable(&self) -> bool {
        matches!(self, ReconcileError::Docker(e) if e.is_unreachable())
    }
}

/// What the engine needs for a pass: database, Docker, settings, the secrets' key.
pub struct Context {
    /// Plenum's database.
    pub db: store::Db,
    /// The Docker engine.
    pub docker: Docker,
    /// The engine's settings (validated).
    pub settings: EngineSettings,
    /// The key instance secrets are encrypted with.
    pub key: SecretKey,
    http: reqwest::Client,
    /// Held while an instance is placed: passes run in parallel, and two instances placed at
    /// once must each see the other.
    placing: tokio::sync::Mutex<()>,
    /// Passes and their durations, for `/metrics`.
    pub metrics: crate::metrics::EngineMetrics,
    /// What instances use, sampled.
    pub(crate) usage: crate::usage::Usage,
}

impl Context {
    /// A context; the settings must be valid.
    pub fn new(
        db: store::Db,
        docker: Docker,
        settings: EngineSettings,
        key: SecretKey,
    ) -> Result<Self, SettingsError> {
        settings.validate()?;
        // Redirects are not followed: an instance must not steer Plenum's requests elsewhere.
        let http = reqwest::Client::builder()
            .timeout(HEALTH_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .build()
            .map_err(|e| SettingsError {
                setting: "entry_access",
                message: format!("cannot build the health-check client: {e}"),
            })?;
        Ok(Self {
            db,
            docker,
            settings,
            key,
            http,
            placing: tokio::sync::Mutex::new(()),
            metrics: crate::metrics::EngineMetrics::default(),
            usage: crate::usage::Usage::default(),
        })
    }
}

/// The result of a pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The status derived and recorded.
    pub status: StatusReport,
    /// Steps applied and waiting.
    pub applied: Applied,
    /// When to look again (sooner than the periodic resync while something moves).
    pub requeue_after: Option<Duration>,
}

/// How soon to look again while an instance is changing.
const SOON: Duration = Duration::from_secs(2);

/// One pass for instance `id`.
pub async fn reconcile(ctx: &Context, id: i64) -> Result<Outcome, ReconcileError> {
    let record = expire_removal(ctx, ctx.db.instance(id).await?).await?;
    let record = placement::ensure_placed(ctx, record).await?;
    let template = builtin(&record.template)?;
    let mut values = ctx.db.instance_secrets(id, &ctx.key).await?;
    if matches!(record.lifecycle, Lifecycle::Running | Lifecycle::Stopped) {
        let missing = secrets::missing(&template, &values);
        if !missing.is_empty() {
            ctx.db.add_instance_secrets(id, &missing, &ctx.key).await?;
            values = ctx.db.instance_secrets(id, &ctx.key).await?;
        }
    }
    if let Some(to) = record.moving_to.clone()
        && matches!(record.lifecycle, Lifecycle::Running | Lifecycle::Stopped)
    {
        // Its services stay stopped while its volumes move.
        let stopped = InstanceRecord {
            lifecycle: Lifecycle::Stopped,
            ..record.clone()
        };
        let desired = DesiredStack::build(&stopped, &template, values, &ctx.settings)?;
        let observation = observe(ctx, id, &desired.objects()?).await?;
        return moving::pass(ctx, &record, &to, &desired, &observation).await;
    }
    if let Some(backup) = record.restoring_from
        && record.lifecycle == Lifecycle::Running
    {
        match template.backup() {
            Some(declaration) => {
                let mut desired = DesiredStack::build(&record, &template, values, &ctx.settings)?;
                desired.keep_only(&declaration.service);
                let observation = observe(ctx, id, &desired.objects()?).await?;
                return backup::restore(ctx, &record, backup, declaration, &desired, &observation)
                    .await;
            }
            None => {
                let why = "the instance's template declares no backup";
                ctx.db.end_restore(id, backup, Err(why)).await?;
            }
        }
    }
    let saml = sso::converge(ctx, &record, &template, &values).await?;
    let mut desired = DesiredStack::build(&record, &template, values, &ctx.settings)?;
    if let Some((services, digest)) = saml.as_ref().and_then(|r| r.carried()) {
        desired.carry_sso_settings(services, digest);
    }
    let objects = desired.objects()?;
    let observation = observe(ctx, id, &objects).await?;
    for job in &observation.move_jobs {
        // Left over from a move that ended while Plenum was away.
        ctx.docker.remove_service(&job.name, &job.id).await?;
    }
    let hold_rolled_back = record.observed_generation == record.generation;
    let migration = migration_plan(ctx, &record, &desired, &objects, &observation).await?;
    let steps = migration.steps(plan(&objects, &observation.objects, hold_rolled_back));
    let applied = apply::apply(ctx, id, &desired, &objects, &observation, &steps).await?;

    let report = if applied.done + applied.waiting > 0 {
        derive_status(&StatusInputs {
            lifecycle: record.lifecycle,
            pending_steps: applied.done + applied.waiting,
            objects_left: left_over(&objects, &observation),
            services: &[],
            entry: EntryHealth::NotChecked,
            previous: record.status,
            provisioning_overdue: false,
        })
    } else {
        observed_status(ctx, &record, &desired, &objects, &observation).await?
    };
    let report = match migration.status(desired.tag(), &running_tag(&objects, &observation)) {
        Some(gated) => {
            if gated.status == Status::Failed && record.status != Status::Failed {
                let reason = gated.reason.as_deref().unwrap_or("the migration failed");
                ctx.db
                    .add_instance_event(id, None, EventKind::Error, reason)
                    .await?;
            }
            gated
        }
        None => report,
    };
    let configuring = if saml.is_some() || !observation.sso_jobs.is_empty() {
        sso::saml::configure(
            ctx,
            &record,
            saml.as_ref(),
            &desired,
            &observation,
            report.status,
            &applied,
        )
        .await?
    } else {
        false
    };
    let quiet = applied.done + applied.waiting == 0;
    let backing_up = backup::converge(
        ctx,
        &record,
        template.backup(),
        &desired,
        &observation,
        report.status == Status::Running && quiet && record.restoring_from.is_none(),
    )
    .await?;
    ctx.db
        .record_status(id, &report, Some(record.generation))
        .await?;
    if report.status == Status::Erased {
        ctx.db.delete_instance_secrets(id).await?;
    }
    let moving = matches!(report.status, Status::Provisioning)
        || applied.done > 0
        || configuring
        || backing_up;
    Ok(Outcome {
        status: report,
        applied,
        requeue_after: moving.then_some(SOON),
    })
}

/// Records a step event of instance `id`.
async fn step(ctx: &Context, id: i64, message: &str) -> Result<(), ReconcileError> {
    ctx.db
        .add_instance_event(id, None, EventKind::Step, message)
        .await?;
    Ok(())
}

/// The end of a maintenance pass (a move, a restore): the instance is reported as
/// provisioning with `reason` (never as running), and looked at again soon.
async fn in_maintenance(
    ctx: &Context,
    id: i64,
    reason: String,
    applied: Applied,
) -> Result<Outcome, ReconcileError> {
    let status = StatusReport {
        status: Status::Provisioning,
        reason: Some(reason),
    };
    ctx.db.record_status(id, &status, None).await?;
    Ok(Outcome {
        status,
        applied,
        requeue_after: Some(SOON),
    })
}

/// Removes one-off jobs.
async fn remove_jobs(
    ctx: &Context,
    jobs: &[crate::docker::JobObject],
) -> Result<(), ReconcileError> {
    for job in jobs {
        ctx.docker.remove_service(&job.name, &job.id).await?;
    }
    Ok(())
}

/// What instance `id` has in Swarm, and whether the edge network `objects` join exists.
async fn observe(
    ctx: &Context,
    id: i64,
    objects: &DesiredObjects,
) -> Result<Observation, ReconcileError> {
    let mut observation = ctx
        .docker
        .observe(&ctx.settings.installation_id, id)
        .await?;
    if let Some(edge) = &objects.edge_network {
        observation.objects.edge_network_present = ctx.docker.network_exists(edge).await?;
    }
    Ok(observation)
}

/// The upgrade's migration gate from the observed services' tags and migration jobs (whose
/// tasks are read only when there are jobs).
async fn migration_plan(
    ctx: &Context,
    record: &InstanceRecord,
    desired: &DesiredStack,
    objects: &DesiredObjects,
    observation: &Observation,
) -> Result<MigrationPlan, ReconcileError> {
    let ids: Vec<String> = observation.jobs.iter().map(|j| j.id.clone()).collect();
    let tasks = ctx.docker.tasks(&ids).await?;
    let jobs = job_states(&observation.jobs, &tasks);
    let running_tags: BTreeSet<String> = observation
        .tags
        .iter()
        .filter(|(name, _)| objects.services.contains_key(*name))
        .map(|(_, tag)| tag.clone())
        .collect();
    Ok(plan_migration(&MigrationInputs {
        declared: desired.declares_migration(),
        runs: record.lifecycle == Lifecycle::Running,
        desired_tag: desired.tag(),
        job_name: &desired.migration_job_name(),
        running_tags: &running_tags,
        jobs: &jobs,
    }))
}

/// The tags the instance's services run, for a status reason (`"1.0"`, or `"1.0, 1.1"`).
fn running_tag(objects: &DesiredObjects, observation: &Observation) -> String {
    let tags: BTreeSet<&str> = observation
        .tags
        .iter()
        .filter(|(name, _)| objects.services.contains_key(*name))
        .map(|(_, tag)| tag.as_str())
        .collect();
    tags.into_iter().collect::<Vec<_>>().join(", ")
}

/// A removed instance whose grace period is over is erased (by the engine, as an event).
async fn expire_removal(
    ctx: &Context,
    record: InstanceRecord,
) -> Result<InstanceRecord, ReconcileError> {
    let grace = i64::try_from(ctx.settings.removal_grace_hours)
        .ok()
        .and_then(chrono::Duration::try_hours)
        .unwrap_or(chrono::Duration::MAX);
    let over = record.lifecycle == Lifecycle::Removed
        && record
            .removed_at
            .and_then(|at| at.checked_add_signed(grace))
            .is_some_and(|end| end <= Utc::now());
    if !over {
        return Ok(record);
    }
    let change = DesiredChange::Lifecycle(Lifecycle::Erased);
    let message = "removal grace period over: erasing";
    Ok(
        match ctx
            .db
            .update_desired(record.id, record.generation, &change, None, message)
            .await?
        {
            DesiredUpdate::Applied(now) | DesiredUpdate::Stale(now) => now,
        },
    )
}

/// The status of an instance whose objects match the plan: from its tasks and the entry
/// service's health.
async fn observed_status(
    ctx: &Context,
    record: &InstanceRecord,
    desired: &DesiredStack,
    objects: &DesiredObjects,
    observation: &Observation,
) -> Result<StatusReport, ReconcileError> {
    let observed = &observation.objects;
    let ids: BTreeMap<String, String> = observed
        .services
        .iter()
        .map(|s| (s.name.clone(), s.id.clone()))
        .collect();
    let rolled_back: BTreeMap<String, String> = observed
        .services
        .iter()
        .filter(|s| {
            s.rolled_back
                && objects
                    .services
                    .get(&s.name)
                    .is_some_and(|want| s.spec_hash.as_ref() != Some(&want.spec_hash))
        })
        .map(|s| {
            let message = observation
                .updates
                .get(&s.name)
                .and_then(|u| u.message.clone())
                .unwrap_or_else(|| "rolled back".to_owned());
            (s.name.clone(), message)
        })
        .collect();
    let wanted: BTreeMap<String, (String, u64)> = objects
        .services
        .iter()
        .map(|(name, s)| (name.clone(), (s.short.clone(), s.replicas)))
        .collect();
    let service_ids: Vec<String> = ids.values().cloned().collect();
    let tasks = ctx.docker.tasks(&service_ids).await?;
    incidents::record(ctx, record.id, objects, &ids, &tasks).await?;
    let services = service_tasks(&wanted, &ids, &observation.updates, &rolled_back, &tasks);

    let (entry_name, port, path) = desired.entry();
    let entry = match (record.lifecycle, ids.get(&entry_name)) {
        (Lifecycle::Running, Some(entry_id)) => {
            let running: Vec<_> = tasks
                .iter()
                .filter(|t| t.running && &t.service_id == entry_id)
                .collect();
            let urls = health::entry_urls(ctx, &entry_name, port, &running).await?;
            health::check(&ctx.http, &urls, path).await
        }
        _ => EntryHealth::NotChecked,
    };
    let timeout = i64::try_from(ctx.settings.provisioning_timeout_seconds)
        .ok()
        .and_then(chrono::Duration::try_seconds)
        .unwrap_or(chrono::Duration::MAX);
    Ok(derive_status(&StatusInputs {
        lifecycle: record.lifecycle,
        pending_steps: 0,
        objects_left: left_over(objects, observation),
        services: &services,
        entry,
        previous: record.status,
        provisioning_overdue: record
            .updated_at
            .checked_add_signed(timeout)
            .is_some_and(|end| end < Utc::now()),
    }))
}

/// How many observed objects the desired state does not want.
fn left_over(objects: &DesiredObjects, observation: &Observation) -> usize {
    let observed = &observation.objects;
    let unwanted = |names: &BTreeMap<String, String>, have: &[domain::plan::ObservedObject]| {
        have.iter().filter(|o| !names.contains_key(&o.name)).count()
    };
    observed
        .services
        .iter()
        .filter(|s| !objects.services.contains_key(&s.name))
        .count()
        + unwanted(&objects.networks, &observed.networks)
        + unwanted(&objects.volumes, &observed.volumes)
        + unwanted(&objects.secrets, &observed.secrets)
}
