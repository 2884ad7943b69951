//! The phase scheduler's pass: every provisioned order's instance follows its event days —
//! quiet (hibernated while unused, when its owner allows), event mode, archived, then
//! removed — or the phase staff pinned it to; and waking a hibernated instance. The
//! decisions are `domain::capacity::phases`; each change goes through the engine as a desired
//! state change logged on the console. The clock is the caller's (`now`), so that tests can
//! walk through a rental.
//!
//! An instance its owner removed is left alone; one they stopped is started again when its
//! next phase runs (but never falls asleep: a hibernated instance wakes on any visit).
//! Between changes, what the owner does (scaling within the plan, stopping) stands: only the
//! next change of phase overrides it.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use domain::booking::PlanSize;
use domain::capacity::{
    Phase, PhaseStep, decide, may_hibernate, next_change, phase_desired, split_reservations,
    timeline,
};
use domain::instance::Lifecycle;
use domain::order::{OrderStatus, replicas_of};
use domain::template::builtin;
use engine::Engine;
use store::{InstanceRecord, OrderRecord};

use super::AppState;
use super::context::{internal, store_error};
use super::instances::engine_error;
use crate::error::AppError;

/// Why an instance enters `phase` (for the console), from its timeline.
fn why(
    phase: Phase,
    pinned: bool,
    spans: &[domain::capacity::PhaseSpan],
    now: NaiveDateTime,
) -> String {
    if pinned {
        return format!("pinned by staff to {}", phase.as_str());
    }
    match next_change(spans, now) {
        Some((at, Some(next))) => format!(
            "until {} UTC, then {}",
            at.format("%Y-%m-%d %H:%M"),
            next.as_str()
        ),
        Some((at, None)) => format!("until {} UTC, then removed", at.format("%Y-%m-%d %H:%M")),
        None => "as planned".to_owned(),
    }
}

/// The replicas of every plan, by template and size.
type PlanReplicas = BTreeMap<(String, PlanSize), BTreeMap<String, u64>>;

async fn plan_replicas(state: &AppState) -> Result<PlanReplicas, AppError> {
    Ok(state
        .db
        .plans()
        .await
        .map_err(store_error)?
        .into_iter()
        .map(|p| ((p.template, p.size), replicas_of(&p.services)))
        .collect())
}

/// When `instance` was last used, as the hibernation rule counts it: its last recorded use,
/// or its creation when nobody used it yet.
fn last_used(instance: &InstanceRecord) -> NaiveDateTime {
    instance
        .last_used_at
        .unwrap_or(instance.created_at)
        .naive_utc()
}

/// Makes `instance` (of `order`) enter `phase` through the engine: the replicas of its plan
/// in that phase and the plan's reservations for it, logged with `reason`.
async fn enter(
    state: &AppState,
    engine: &Engine,
    plans: &PlanReplicas,
    order: &OrderRecord,
    instance: &InstanceRecord,
    phase: Phase,
    reason: &str,
) -> Result<InstanceRecord, AppError> {
    let template = builtin(&instance.template).map_err(internal)?;
    let plan = plans
        .get(&(instance.template.clone(), order.booking.plan))
        .unwrap_or(&instance.replicas);
    let (_, replicas) = phase_desired(phase, &template, plan);
    let demand = state
        .admissions
        .model
        .of(order.booking.plan)
        .in_phase(phase);
    let reservations = split_reservations(demand, &instance.limits, &replicas);
    engine
        .enter_phase(instance.id, phase, &replicas, &reservations, reason)
        .await
        .map_err(engine_error)
}

/// Every provisioned order with its instance (the calendar's instances).
pub async fn provisioned_instances(
    state: &AppState,
) -> Result<Vec<(OrderRecord, InstanceRecord)>, AppError> {
    let mut out = Vec::new();
    for order in state
        .db
        .orders_with_status(&[OrderStatus::Provisioned])
        .await
        .map_err(store_error)?
    {
        let Some(id) = order.instance_id else {
            continue;
        };
        let instance = state.db.instance(id).await.map_err(store_error)?;
        out.push((order, instance));
    }
    Ok(out)
}

/// Applies the phase due at `now` to every instance of a provisioned order; returns what
/// changed. Nothing without the engine. An instance that cannot change now is logged and
/// tried again on the next pass.
pub async fn apply_phases(
    state: &AppState,
    now: NaiveDateTime,
) -> Result<Vec<(i64, PhaseStep)>, AppError> {
    let Some(engine) = &state.engine else {
        return Ok(Vec::new());
    };
    let plans = plan_replicas(state).await?;
    let settings = &state.admissions.phases;
    let mut changed = Vec::new();
    for (order, instance) in provisioned_instances(state).await? {
        let id = instance.id;
        if !matches!(instance.lifecycle, Lifecycle::Running | Lifecycle::Stopped) {
            continue;
        }
        let spans = timeline(&order.booking, settings);
        // Only a running instance falls asleep (one its owner stopped stays paused: a visit
        // must not start it); a hibernated one stays asleep until it is used.
        let sleepy = (instance.lifecycle == Lifecycle::Running
            || instance.phase == Some(Phase::Hibernated))
            && may_hibernate(
                instance.hibernate_allowed,
                last_used(&instance),
                now,
                settings,
            );
        let step = decide(&spans, now, instance.phase, instance.phase_pin, sleepy);
        let result = match step {
            PhaseStep::Stay => continue,
            PhaseStep::Enter(phase) => {
                let reason = match phase {
                    Phase::Hibernated if instance.phase_pin.is_none() => format!(
                        "unused since {} UTC; wakes on the next visit",
                        last_used(&instance).format("%Y-%m-%d %H:%M")
                    ),
                    _ => why(phase, instance.phase_pin.is_some(), &spans, now),
                };
                enter(state, engine, &plans, &order, &instance, phase, &reason)
                    .await
                    .map(|_| ())
            }
            PhaseStep::Remove => engine
                .remove(id, None)
                .await
                .map(|_| ())
                .map_err(engine_error),
        };
        match result {
            Ok(()) => {
                tracing::info!(instance = id, ?step, "phase applied");
                changed.push((id, step));
            }
            Err(e) => tracing::warn!(instance = id, ?step, error = %e, "phase not applied"),
        }
    }
    Ok(changed)
}

/// Wakes the hibernated `instance` at `now` because of `cause` (a visit to its address, its
/// owner's request): records the use and enters the phase its calendar has now (quiet or
/// event mode). Returns the instance as it is then; an instance that is not hibernated (or
/// is pinned there by staff) is returned unchanged.
pub async fn wake(
    state: &AppState,
    instance: &InstanceRecord,
    now: DateTime<Utc>,
    cause: &str,
) -> Result<InstanceRecord, AppError> {
    let engine = state.engine.as_ref().ok_or(AppError::EngineDisabled)?;
    if !instance.wakes_on_request() {
        return Ok(instance.clone());
    }
    state
        .db
        .record_use(std::slice::from_ref(&instance.slug), now)
        .await
        .map_err(store_error)?;
    let order = state
        .db
        .order_of_instance(instance.id)
        .await
        .map_err(store_error)?
        .ok_or_else(|| AppError::Refused("This instance has no rental to wake it into.".into()))?;
    let spans = timeline(&order.booking, &state.admissions.phases);
    let at = now.naive_utc();
    let phase = match decide(&spans, at, instance.phase, None, false) {
        PhaseStep::Enter(phase) => phase,
        PhaseStep::Stay | PhaseStep::Remove => return Ok(instance.clone()),
    };
    let plans = plan_replicas(state).await?;
    let reason = format!("woken by {cause}; {}", why(phase, false, &spans, at));
    let woken = enter(state, engine, &plans, &order, instance, phase, &reason).await?;
    tracing::info!(instance = instance.id, %cause, "instance woken");
    Ok(woken)
}
