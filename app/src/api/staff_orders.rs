//! The staff side of ordering: the queue of orders, approving and rejecting them, and
//! curating the catalog of template versions and the plans' sizings.

use crate::dto::{OrderImpact, OrderView, StaffCatalog};
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    crate::dto::{CatalogItem, PlanSizing},
    crate::server::{capacity, context::store_error, orders, require_staff, respond, state},
    domain::order::{OrderStatus, check_reason, check_sizing, parse_sizing, parse_version},
    domain::template::{builtin, builtin_names},
};

/// Orders waiting for a decision or for their rental to start, oldest first (staff only).
#[server(name = StaffOrderQueue, prefix = "/api", endpoint = "staff/orders/queue")]
pub async fn staff_order_queue() -> Result<Vec<OrderView>, AppError> {
    respond(
        async {
            let state = state()?;
            require_staff(&state).await?;
            let list = state
                .db
                .orders_with_status(&[OrderStatus::Pending, OrderStatus::Approved])
                .await
                .map_err(store_error)?;
            Ok(list.into_iter().map(OrderView::from).collect())
        }
        .await,
    )
}

/// What approving each pending order would do to the platform's capacity, day by day
/// (staff only).
#[server(name = OrderImpacts, prefix = "/api", endpoint = "staff/orders/impacts")]
pub async fn order_impacts() -> Result<Vec<OrderImpact>, AppError> {
    respond(
        async {
            let state = state()?;
            require_staff(&state).await?;
            let pending = state
                .db
                .orders_with_status(&[OrderStatus::Pending])
                .await
                .map_err(store_error)?;
            let booked = capacity::booked(&state).await?;
            let today = orders::today();
            Ok(pending
                .into_iter()
                .map(|order| {
                    let verdict = booked.as_ref().map(|b| {
                        b.verdict(&state.admissions, &order.booking, Some(order.id), today)
                    });
                    OrderImpact {
                        order_id: order.id,
                        availability: capacity::view(verdict.as_ref(), true),
                    }
                })
                .collect())
        }
        .await,
    )
}

/// Approves a pending order; it becomes an instance at once if its rental has begun
/// (staff only). An order that overbooks the platform is refused unless staff `force` it
/// with a `reason`, which is kept with the order and reaches the instance's log.
#[server(name = ApproveOrder, prefix = "/api", endpoint = "staff/orders/approve")]
pub async fn approve_order(
    order_id: i64,
    #[server(default)] force: bool,
    #[server(default)] reason: String,
) -> Result<OrderView, AppError> {
    respond(
        async {
            let state = state()?;
            let actor = require_staff(&state).await?;
            let current = state.db.order(order_id).await.map_err(store_error)?;
            let verdict =
                capacity::assess(&state, &current.booking, Some(order_id), orders::today())
                    .await?;
            let note = match verdict {
                Some(verdict) if !verdict.admission.fits => {
                    let days: Vec<String> = verdict
                        .admission
                        .overbooked()
                        .map(|d| d.date.to_string())
                        .collect();
                    if !force {
                        return Err(AppError::Invalid {
                            field: "force".into(),
                            message: format!(
                                "Approving this order overbooks the platform on {}. Approve it anyway with a reason, or reject it.",
                                days.join(", ")
                            ),
                        });
                    }
                    let reason = check_reason(&reason)?;
                    Some(format!(
                        "approved over capacity ({} overbooked days): {reason}",
                        days.len()
                    ))
                }
                _ => None,
            };
            let order = state
                .db
                .approve_order(
                    order_id,
                    Some(actor.user_id),
                    orders::today(),
                    note.as_deref(),
                )
                .await
                .map_err(store_error)?;
            tracing::info!(order = order.id, staff = actor.user_id, status = %order.status, "order approved");
            orders::provision_soon(&state, &order);
            Ok(OrderView::from(order))
        }
        .await,
    )
}

/// Rejects a pending order with a reason the customer sees (staff only).
#[server(name = RejectOrder, prefix = "/api", endpoint = "staff/orders/reject")]
pub async fn reject_order(order_id: i64, reason: String) -> Result<OrderView, AppError> {
    respond(
        async {
            let state = state()?;
            let actor = require_staff(&state).await?;
            let reason = check_reason(&reason)?;
            let order = state
                .db
                .reject_order(order_id, actor.user_id, &reason)
                .await
                .map_err(store_error)?;
            tracing::info!(order = order.id, staff = actor.user_id, "order rejected");
            Ok(OrderView::from(order))
        }
        .await,
    )
}

/// The whole catalog (also withdrawn versions), the plans and the known templates
/// (staff only).
#[server(name = StaffCatalogList, prefix = "/api", endpoint = "staff/catalog/list")]
pub async fn staff_catalog() -> Result<StaffCatalog, AppError> {
    respond(
        async {
            let state = state()?;
            require_staff(&state).await?;
            let versions = state.db.catalog(true).await.map_err(store_error)?;
            let plans = state.db.plans().await.map_err(store_error)?;
            Ok(StaffCatalog {
                versions: versions.into_iter().map(CatalogItem::from).collect(),
                plans: plans
                    .into_iter()
                    .map(|p| PlanSizing {
                        template: p.template,
                        size: p.size,
                        services: serde_json::to_string(&p.services).unwrap_or_default(),
                        own_backup_policy: p.backup_policy.is_some(),
                        backup_policy: p.backup_policy.unwrap_or(state.backup_policy),
                    })
                    .collect(),
                templates: builtin_names().map(str::to_owned).collect(),
            })
        }
        .await,
    )
}

/// Offers a new version of a known template (staff only).
#[server(name = AddCatalogVersion, prefix = "/api", endpoint = "staff/catalog/add")]
pub async fn add_catalog_version(template: String, version: String) -> Result<(), AppError> {
    respond(
        async {
            let state = state()?;
            require_staff(&state).await?;
            let template = template.trim();
            if !builtin_names().any(|n| n == template) {
                return Err(AppError::invalid("template", "Choose a known template."));
            }
            let version = parse_version(&version)?;
            state
                .db
                .add_catalog_version(template, &version)
                .await
                .map_err(store_error)?;
            Ok(())
        }
        .await,
    )
}

/// Offers (`available` = true) or withdraws a catalog version (staff only).
#[server(name = SetCatalogAvailable, prefix = "/api", endpoint = "staff/catalog/available")]
pub async fn set_catalog_available(id: i64, available: bool) -> Result<(), AppError> {
    respond(
        async {
            let state = state()?;
            require_staff(&state).await?;
            state
                .db
                .set_catalog_available(id, available)
                .await
                .map_err(store_error)?;
            Ok(())
        }
        .await,
    )
}

/// Sets how a plan sizes a template's services, checked against the template's scaling
/// rules (staff only).
#[server(name = SetPlan, prefix = "/api", endpoint = "staff/plans/set")]
pub async fn set_plan(template: String, size: String, services: String) -> Result<(), AppError> {
    respond(
        async {
            let state = state()?;
            require_staff(&state).await?;
            let loaded = builtin(template.trim())
                .map_err(|_| AppError::invalid("template", "Choose a known template."))?;
            let size = size
                .trim()
                .parse()
                .map_err(|_| AppError::invalid("size", "Choose a plan: small, medium or large."))?;
            let sizing = parse_sizing(&services)?;
            check_sizing(&loaded, &sizing)?;
            state
                .db
                .set_plan(loaded.name(), size, &sizing)
                .await
                .map_err(store_error)
        }
        .await,
    )
}

/// Sets the backup schedule and retention of plan `plan` (`<template>/<size>`, e.g.
/// `demo/small`) for its instances (staff only): hours between backups when quiet and in
/// event mode, how long before the rental ends the final one is taken, and how many of
/// each kind are kept.
#[server(name = SetPlanBackupPolicy, prefix = "/api", endpoint = "staff/plans/backup-policy")]
pub async fn set_plan_backup_policy(
    plan: String,
    quiet_hours: String,
    event_hours: String,
    final_lead_hours: String,
    keep_quiet: String,
    keep_event: String,
    keep_manual: String,
) -> Result<(), AppError> {
    respond(
        async {
            let state = state()?;
            require_staff(&state).await?;
            let unknown = || {
                AppError::invalid(
                    "plan",
                    "Choose a plan of a known template, e.g. demo/small.",
                )
            };
            let (template, size) = plan.trim().split_once('/').ok_or_else(unknown)?;
            let loaded = builtin(template).map_err(|_| unknown())?;
            let size = size.parse().map_err(|_| unknown())?;
            let policy = crate::server::backup_schedule::parse_policy([
                ("quiet_hours", &quiet_hours),
                ("event_hours", &event_hours),
                ("final_lead_hours", &final_lead_hours),
                ("keep_quiet", &keep_quiet),
                ("keep_event", &keep_event),
                ("keep_manual", &keep_manual),
            ])?;
            state
                .db
                .set_plan_backup_policy(loaded.name(), size, &policy)
                .await
                .map_err(store_error)
        }
        .await,
    )
}
