//! The Swarm's nodes for staff: each with the instances living on it, and draining one
//! (through the engine, which moves the instances with their data).

use std::collections::BTreeMap;

use domain::instance::Lifecycle;

use super::AppState;
use super::context::store_error;
use super::instances::actions::engine_error;
use crate::dto::{DrainOutcome, NodeView};
use crate::error::AppError;

/// Every node, by host name, with the instances on it; empty without an engine.
pub async fn list(state: &AppState) -> Result<Vec<NodeView>, AppError> {
    let Some(engine) = &state.engine else {
        return Ok(Vec::new());
    };
    let nodes = engine.nodes().await.map_err(|e| {
        tracing::warn!(error = %e, "the Swarm's nodes could not be read");
        AppError::Refused("The Docker engine does not answer; try again in a moment.".into())
    })?;
    let mut living: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut leaving: BTreeMap<String, usize> = BTreeMap::new();
    for instance in state.db.all_instances().await.map_err(store_error)? {
        if !matches!(instance.lifecycle, Lifecycle::Running | Lifecycle::Stopped) {
            continue;
        }
        if let Some(node) = &instance.node_id {
            living
                .entry(node.clone())
                .or_default()
                .push(instance.slug.clone());
            if instance.moving_to.is_some() {
                *leaving.entry(node.clone()).or_default() += 1;
            }
        }
        if let Some(to) = &instance.moving_to {
            living
                .entry(to.clone())
                .or_default()
                .push(format!("→ {}", instance.slug));
        }
    }
    let mut views: Vec<NodeView> = nodes
        .into_iter()
        .map(|node| {
            let moving = leaving.get(&node.id).copied().unwrap_or(0);
            let state = if !node.ready {
                "down".to_owned()
            } else if node.availability == "drain" {
                "drained".to_owned()
            } else if node.draining() {
                format!("draining ({moving} instances moving away)")
            } else if node.availability == "pause" {
                "paused".to_owned()
            } else {
                "ready".to_owned()
            };
            NodeView {
                can_drain: node.takes_instances(),
                instances: living.remove(&node.id).unwrap_or_default(),
                resources: node.resources.into(),
                id: node.id,
                hostname: node.hostname,
                role: node.role,
                state,
            }
        })
        .collect();
    views.sort_by(|a, b| a.hostname.cmp(&b.hostname));
    Ok(views)
}

/// Drains node `id` for staff member `actor`: its instances move with their data.
pub async fn drain(state: &AppState, actor: i64, id: &str) -> Result<DrainOutcome, AppError> {
    let engine = state.engine.as_ref().ok_or(AppError::EngineDisabled)?;
    let report = engine
        .drain_node(id, Some(actor))
        .await
        .map_err(engine_error)?;
    tracing::info!(node = %report.node, staff = actor, moves = report.moves.len(), "node drained");
    let message = if report.moves.is_empty() {
        format!("{} is drained: no instance lived there.", report.node)
    } else {
        let mut slugs = Vec::new();
        for (instance, to) in &report.moves {
            let slug = state
                .db
                .instance(*instance)
                .await
                .map_or_else(|_| format!("#{instance}"), |i| i.slug);
            slugs.push(format!("{slug} → {to}"));
        }
        format!(
            "{} is drained: {} instance(s) move ({}).",
            report.node,
            report.moves.len(),
            slugs.join(", ")
        )
    };
    Ok(DrainOutcome { message })
}
