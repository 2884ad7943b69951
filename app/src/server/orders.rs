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
use store::OrderRecord;

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

/// The booking rules for today.
pub fn booking_rules(settings: OrderSettings) -> BookingRules {
    BookingRules {
        today: today(),
        max_rental_days: settings.max_rental_days,
    }
}

/// Checks and stores an order of `org_id` placed by `actor`; with auto-approval it is
/// approved (and provisioned, when its rental has begun) straight away. An order the
/// cluster cannot hold is refused with the days it overbooks and the nearest dates that fit
/// (customers cannot force it; staff can, when approving an order they place themselves).
pub async fn place(
    state: &AppState,
    org_id: i64,
    actor: i64,
    form: &OrderForm,
) -> Result<OrderRecord, AppError> {
    let (db, settings) = (&state.db, state.orders);
    let today = today();
    let request = check_order(form, booking_rules(settings))?;
    if let Some(verdict) = super::capacity::assess(state, &request.booking, None, today).await?
        && !verdict.admission.fits
    {
        return Err(super::capacity::refusal(&verdict));
    }
    let order = db
        .place_order(org_id, actor, &request)
        .await
        .map_err(store_error)?;
    tracing::info!(order = order.id, org = org_id, "order placed");
    if !settings.auto_approve {
        return Ok(order);
    }
    let approved = db
        .approve_order(order.id, None, today, None)
        .await
        .map_err(store_error)?;
    tracing::info!(order = order.id, status = %approved.status, "order auto-approved");
    Ok(approved)
}
