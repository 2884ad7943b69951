//! The phase scheduler's pass: every provisioned order's instance follows its event days —
//! quiet, event mode, archived, then removed — or the phase staff pinned it to. The
//! decisions are `domain::capacity::phases`; each change goes through the engine as a desired
//! state change logged on the console. The clock is the caller's (`now`), so that tests can
//! walk through a rental.
//!
//! An instance its owner removed is left alone; one they stopped is started again when its
//! next phase runs. Between changes, what the owner does (scaling within the plan, stopping)
//! stands: only the next change of phase overrides it.

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use domain::booking::PlanSize;
use domain::capacity::{
    Phase, PhaseStep, decide, next_change, phase_desired, split_reservations, timeline,
};
use domain::instance::Lifecycle;
use domain::order::{OrderStatus, replicas_of};
use domain::template::builtin;

use super::AppState;
use super::context::store_error;
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
    let plans: BTreeMap<(String, PlanSize), BTreeMap<String, u64>> = state
        .db
        .plans()
        .await
        .map_err(store_error)?
        .into_iter()
        .map(|p| ((p.template, p.size), replicas_of(&p.services)))
        .collect();
    let mut changed = Vec::new();
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
        if !matches!(instance.lifecycle, Lifecycle::Running | Lifecycle::Stopped) {
            continue;
        }
        let spans = timeline(&order.booking, &state.admissions.phases);
        let step = decide(&spans, now, instance.phase, instance.phase_pin);
        let result = match step {
            PhaseStep::Stay => continue,
            PhaseStep::Enter(phase) => {
                let Ok(template) = builtin(&instance.template) else {
                    continue;
                };
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
                let reason = why(phase, instance.phase_pin.is_some(), &spans, now);
                engine
                    .enter_phase(id, phase, &replicas, &reservations, &reason)
                    .await
            }
            PhaseStep::Remove => engine.remove(id, None).await,
        };
        match result {
            Ok(_) => {
                tracing::info!(instance = id, ?step, "phase applied");
                changed.push((id, step));
            }
            Err(e) => tracing::warn!(instance = id, ?step, error = %e, "phase not applied"),
        }
    }
    Ok(changed)
}
