//! Order services: placing an order (with auto-approval when the setting says so), asking
//! the engine to provision an approved order's instance, and the settings and clock the
//! booking rules need.

use super::AppState;
use super::context::store_error;
use crate::error::AppError;
use chrono::{NaiveDate, Utc};
use domain::booking::BookingRules;
use domain::order::{OrderForm, check_order};
use serde::{Deserialize, Serialize};
use store::{Db, OrderRecord};

/// Asks the engine, when Plenum runs one, to provision the instance `order` has just become,
/// instead of leaving it to the engine's next periodic resync.
pub fn provision_soon(state: &AppState, order: &OrderRecord) {
    if let (Some(engine), Some(instance)) = (&state.engine, order.instance_id) {
        engine.reconcile_soon(instance);
    }
}

/// The ordering settings (the `orders` section of `server::config`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OrderSettings {
    /// The longest rental, in days.
    pub max_rental_days: u32,
    /// Approve orders at once, without staff.
    pub auto_approve: bool,
}

impl Default for OrderSettings {
    fn default() -> Self {
        Self {
            max_rental_days: 90,
            auto_approve: false,
        }
    }
}

/// Today, as Plenum counts rental days: the UTC date.
pub fn today() -> NaiveDate {
    Utc::now().date_naive()
}

/// Checks and stores an order of `org_id` placed by `actor`; with auto-approval it is
/// approved (and provisioned, when its rental has begun) straight away.
pub async fn place(
    db: &Db,
    settings: OrderSettings,
    org_id: i64,
    actor: i64,
    form: &OrderForm,
) -> Result<OrderRecord, AppError> {
    let today = today();
    let request = check_order(
        form,
        BookingRules {
            today,
            max_rental_days: settings.max_rental_days,
        },
    )?;
    let order = db
        .place_order(org_id, actor, &request)
        .await
        .map_err(store_error)?;
    tracing::info!(order = order.id, org = org_id, "order placed");
    if !settings.auto_approve {
        return Ok(order);
    }
    let approved = db
        .approve_order(order.id, None, today)
        .await
        .map_err(store_error)?;
    tracing::info!(order = order.id, status = %approved.status, "order auto-approved");
    Ok(approved)
}
