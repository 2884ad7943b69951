//! Lifecycle requests on an instance the caller may manage: the engine must be enabled,
//! then the busy rule (a request on an instance mid-operation is refused with the reason,
//! never dropped), then the request's own rules (plan ceiling for customers, newer catalog
//! versions, the typed name for deletion), then the engine.

use domain::access::Actor;
use domain::instance::{Operation, Progress, busy_reason, check_plan_replicas};
use domain::template::builtin;
use engine::{Engine, EngineError};
use store::{InstanceRecord, StoreError};

use super::present::{scale_choice, upgrades};
use crate::dto::ScaleChoice;
use crate::error::AppError;
use crate::server::AppState;
use crate::server::context::{internal, store_error};

/// A lifecycle request from the console or the staff overview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// Run it.
    Start,
    /// Stop it, keeping its data.
    Stop,
    /// Set one service's replicas.
    Scale {
        /// The service.
        service: String,
        /// Its replicas.
        replicas: u64,
    },
    /// Move to a newer catalog version.
    Upgrade(String),
    /// Remove it (data kept for the grace period); `confirm` must be its name.
    Delete {
        /// What the user typed.
        confirm: String,
    },
}

impl Request {
    fn operation(&self) -> Operation {
        match self {
            Request::Start => Operation::Start,
            Request::Stop => Operation::Stop,
            Request::Scale { .. } => Operation::Scale,
            Request::Upgrade(_) => Operation::Upgrade,
            Request::Delete { .. } => Operation::Remove,
        }
    }
}

/// The engine, or [`AppError::EngineDisabled`].
pub(crate) fn engine(state: &AppState) -> Result<&Engine, AppError> {
    state.engine.as_ref().ok_or(AppError::EngineDisabled)
}

/// The engine's refusal in words.
pub fn engine_error(e: EngineError) -> AppError {
    match e {
        EngineError::Invalid(invalid) => invalid.into(),
        EngineError::Store(e) => store_error(e),
        EngineError::Conflict => AppError::Refused(e.to_string()),
        EngineError::Template(_) => internal(e),
        EngineError::Swarm(ref swarm) if swarm.is_unreachable() => AppError::Refused(
            "The Docker engine does not answer; try again in a moment.".to_owned(),
        ),
        EngineError::Swarm(_) => internal(e),
    }
}

/// Pins instance `id` to the phase named `raw` (`quiet`, `event`, `hibernated`, `archived`),
/// or unpins it when `raw` is empty, for `actor` (staff, checked by the caller). The phase
/// scheduler applies it on its next pass.
pub async fn pin_phase(
    state: &AppState,
    actor: Actor,
    id: i64,
    raw: &str,
) -> Result<InstanceRecord, AppError> {
    let pin = match raw.trim() {
        "" => None,
        name => Some(domain::capacity::Phase::parse(name).ok_or_else(|| {
            AppError::invalid(
                "phase",
                "Choose quiet, event, hibernated or archived — or nothing, to let the calendar decide.",
            )
        })?),
    };
    engine(state)?
        .pin_phase(id, pin, Some(actor.user_id))
        .await
        .map_err(engine_error)
}

/// Carries out `request` on `record` for `actor` (already authorized to manage it).
pub async fn act(
    state: &AppState,
    record: &InstanceRecord,
    actor: Actor,
    request: Request,
) -> Result<InstanceRecord, AppError> {
    let progress = Progress {
        lifecycle: record.lifecycle,
        status: record.status,
        reason: record.status_reason.as_deref(),
        generation: record.generation,
        observed_generation: record.observed_generation,
    };
    let engine = engine(state)?;
    if let Some(reason) = busy_reason(&progress, request.operation()) {
        return Err(AppError::Refused(reason));
    }
    let who = Some(actor.user_id);
    let id = record.id;
    let result = match request {
        // A hibernated instance wakes into the phase its calendar has now.
        Request::Start if record.wakes_on_request() => {
            let cause = "a start from the console";
            return crate::server::phases::wake(state, record, chrono::Utc::now(), cause).await;
        }
        Request::Start => engine.start(id, who).await,
        Request::Stop => engine.stop(id, who).await,
        Request::Scale { service, replicas } => {
            if !actor.is_staff {
                let ceiling = plan_replicas(state, record, &service).await?;
                check_plan_replicas(&service, replicas, ceiling)?;
            }
            engine.scale(id, &service, replicas, who).await
        }
        Request::Upgrade(version) => {
            if !upgrades(state, record).await?.contains(&version) {
                return Err(AppError::invalid(
                    "version",
                    format!(
                        "{version} is not a newer version of {} in the catalog.",
                        record.template
                    ),
                ));
            }
            engine.upgrade(id, &version, who).await
        }
        Request::Delete { confirm } => {
            if confirm.trim() != record.name {
                return Err(AppError::invalid(
                    "confirm",
                    "Type the instance's name exactly to confirm the deletion.",
                ));
            }
            engine.remove(id, who).await
        }
    };
    let now = result.map_err(engine_error)?;
    if let Some(edge) = &state.edge {
        edge.reconcile_now();
    }
    Ok(now)
}

/// Lets `record` hibernate while nobody uses it (`allowed`) or keeps it awake, for `actor`
/// (already authorized to manage it). A setting the phase scheduler reads, not a request
/// the engine applies: never refused as busy.
pub async fn allow_hibernation(
    state: &AppState,
    record: &InstanceRecord,
    actor: Actor,
    allowed: bool,
) -> Result<InstanceRecord, AppError> {
    state
        .db
        .set_hibernation_allowed(record.id, allowed, Some(actor.user_id))
        .await
        .map_err(store_error)
}

/// The initial administrator password, once; later calls say it was already revealed.
pub async fn reveal_initial_password(
    state: &AppState,
    record: &InstanceRecord,
    actor: Actor,
) -> Result<String, AppError> {
    match engine(state)?
        .reveal_initial_password(record.id, Some(actor.user_id))
        .await
    {
        Ok(secret) => secret
            .expose_str()
            .map(str::to_owned)
            .ok_or_else(|| internal("the initial password is not UTF-8")),
        // The engine generates the secrets in its first pass.
        Err(EngineError::Store(StoreError::NotFound)) => Err(AppError::Refused(
            "The initial password does not exist yet; wait until the instance is provisioned."
                .to_owned(),
        )),
        Err(e) => Err(engine_error(e)),
    }
}

/// The replicas the instance's plan gives `service`, if it came from an order whose plan
/// sizes that service.
async fn plan_replicas(
    state: &AppState,
    record: &InstanceRecord,
    service: &str,
) -> Result<Option<u64>, AppError> {
    let Some(order) = state
        .db
        .order_of_instance(record.id)
        .await
        .map_err(store_error)?
    else {
        return Ok(None);
    };
    let plans = state.db.plans().await.map_err(store_error)?;
    Ok(plans
        .into_iter()
        .find(|p| p.template == record.template && p.size == order.booking.plan)
        .and_then(|p| p.services.get(service).map(|s| s.replicas)))
}

/// The services `viewer` may scale and how far: the template's rules, and for customers
/// the plan's replicas as the ceiling (services the plan does not size are left out).
pub(super) async fn scale_choices(
    state: &AppState,
    record: &InstanceRecord,
    viewer: Actor,
) -> Result<Vec<ScaleChoice>, AppError> {
    let template = builtin(&record.template).map_err(internal)?;
    let mut choices = Vec::new();
    for service in template.service_names() {
        let Some(rule) = template.scaling_rule(service) else {
            continue;
        };
        let default = template.default_replicas(service).unwrap_or(rule.min);
        let ceiling = if viewer.is_staff {
            None
        } else {
            match plan_replicas(state, record, service).await? {
                Some(max) => Some(max),
                None => continue,
            }
        };
        choices.push(scale_choice(record, service, rule, default, ceiling));
    }
    Ok(choices)
}
