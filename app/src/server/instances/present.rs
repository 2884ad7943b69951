//! Instances as DTOs: the view, the event log in words with who acted, and the console's
//! choices (versions to upgrade to, services to scale).

use std::collections::BTreeMap;

use domain::access::Actor;
use domain::instance::{Progress, busy_reason, is_newer_version};
use store::{InstanceEvent, InstanceRecord};

use crate::dto::{
    InstanceConsole, InstanceEventView, InstanceStatusUpdate, InstanceView, PhaseView, ScaleChoice,
};
use crate::error::AppError;
use crate::server::AppState;
use crate::server::context::store_error;

/// How many events the console loads with the page.
const CONSOLE_EVENTS: u64 = 200;

/// Why a request (other than removal) would be refused now.
fn busy(record: &InstanceRecord) -> Option<String> {
    busy_reason(
        &Progress {
            lifecycle: record.lifecycle,
            status: record.status,
            reason: record.status_reason.as_deref(),
            generation: record.generation,
            observed_generation: record.observed_generation,
        },
        domain::instance::Operation::Start,
    )
}

/// The instance's public URL, when Plenum runs the edge router.
fn url(state: &AppState, slug: &str) -> Option<String> {
    let setup = state.edge_setup.as_ref()?;
    let host = setup.instance_hostname(slug)?;
    Some(match setup.https_port {
        443 => format!("https://{host}/"),
        port => format!("https://{host}:{port}/"),
    })
}

/// The instance as lists and the console show it.
pub fn view(state: &AppState, record: &InstanceRecord) -> InstanceView {
    InstanceView {
        id: record.id,
        org_id: record.organisation_id,
        name: record.name.clone(),
        slug: record.slug.clone(),
        url: url(state, &record.slug),
        template: record.template.clone(),
        version: record.version.clone(),
        lifecycle: record.lifecycle.to_string(),
        status: record.status.to_string(),
        status_reason: record.status_reason.clone(),
        busy: busy(record),
        status_at: record.status_at.to_rfc3339(),
    }
}

/// The live part of the instance, for the event stream.
pub fn status_update(record: &InstanceRecord) -> InstanceStatusUpdate {
    InstanceStatusUpdate {
        lifecycle: record.lifecycle.to_string(),
        status: record.status.to_string(),
        status_reason: record.status_reason.clone(),
        busy: busy(record),
        version: record.version.clone(),
    }
}

/// Events in words, naming who acted: the engine, an email address, or — for customers —
/// "Plenum staff" instead of a staff member's address.
pub async fn event_views(
    state: &AppState,
    viewer: Actor,
    events: Vec<InstanceEvent>,
) -> Result<Vec<InstanceEventView>, AppError> {
    let mut names: BTreeMap<i64, String> = BTreeMap::new();
    let mut out = Vec::with_capacity(events.len());
    for event in events {
        let who = match event.actor {
            None => "engine".to_owned(),
            Some(id) => match names.get(&id) {
                Some(name) => name.clone(),
                None => {
                    let name = match state.db.find_user(id).await {
                        Ok(user) if user.is_staff && !viewer.is_staff => "Plenum staff".to_owned(),
                        Ok(user) => user.email,
                        Err(store::StoreError::NotFound) => "a deleted account".to_owned(),
                        Err(e) => return Err(store_error(e)),
                    };
                    names.insert(id, name.clone());
                    name
                }
            },
        };
        out.push(InstanceEventView {
            id: event.id,
            at: event.at.to_rfc3339(),
            who,
            kind: event.kind.as_str().to_owned(),
            message: event.message,
        });
    }
    Ok(out)
}

/// Everything the console shows to `viewer`, who may manage it when `can_manage`.
pub async fn console(
    state: &AppState,
    record: &InstanceRecord,
    viewer: Actor,
    can_manage: bool,
) -> Result<InstanceConsole, AppError> {
    let mut events = state
        .db
        .recent_instance_events(record.id, CONSOLE_EVENTS)
        .await
        .map_err(store_error)?;
    events.reverse();
    let (upgrades, scaling) = if can_manage {
        (
            upgrades(state, record).await?,
            super::actions::scale_choices(state, record, viewer).await?,
        )
    } else {
        (Vec::new(), Vec::new())
    };
    Ok(InstanceConsole {
        instance: view(state, record),
        events: event_views(state, viewer, events).await?,
        can_manage,
        upgrades,
        scaling,
        phase: phase(state, record).await?,
        services: domain::template::builtin(&record.template)
            .map(|t| t.service_names().map(str::to_owned).collect())
            .unwrap_or_default(),
    })
}

/// Where `record` stands in its order's rental; None for an instance made without an order.
async fn phase(state: &AppState, record: &InstanceRecord) -> Result<Option<PhaseView>, AppError> {
    let Some(order) = state
        .db
        .order_of_instance(record.id)
        .await
        .map_err(store_error)?
    else {
        return Ok(None);
    };
    let spans = domain::capacity::timeline(&order.booking, &state.admissions.phases);
    let next =
        domain::capacity::next_change(&spans, chrono::Utc::now().naive_utc()).map(|(at, phase)| {
            (
                at.format("%Y-%m-%d %H:%M").to_string(),
                phase.map_or("removed", |p| p.as_str()).to_owned(),
            )
        });
    Ok(Some(PhaseView {
        current: record.phase.map(|p| p.as_str().to_owned()),
        pinned: record.phase_pin.map(|p| p.as_str().to_owned()),
        next,
        hibernate_allowed: record.hibernate_allowed,
        last_used: record
            .last_used_at
            .map(|at| at.format("%Y-%m-%d %H:%M").to_string()),
    }))
}

/// The catalog's available versions of the instance's template newer than its own.
pub(super) async fn upgrades(
    state: &AppState,
    record: &InstanceRecord,
) -> Result<Vec<String>, AppError> {
    Ok(state
        .db
        .catalog(false)
        .await
        .map_err(store_error)?
        .into_iter()
        .filter(|c| c.template == record.template && is_newer_version(&c.version, &record.version))
        .map(|c| c.version)
        .collect())
}

/// The choices for one service, given the template's rule and an optional plan ceiling.
pub(super) fn scale_choice(
    record: &InstanceRecord,
    service: &str,
    rule: domain::template::ScalingRule,
    default: u64,
    ceiling: Option<u64>,
) -> ScaleChoice {
    ScaleChoice {
        service: service.to_owned(),
        replicas: record.replicas.get(service).copied().unwrap_or(default),
        min: rule.min,
        max: ceiling.map_or(rule.max, |c| c.min(rule.max)),
    }
}
