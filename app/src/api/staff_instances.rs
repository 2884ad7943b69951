//! The staff overview's server functions (staff only): every instance, filtered; bulk
//! upgrades; the event calendar of the next 90 days.

use crate::dto::{BulkOutcome, CalendarDayView, CapacityCalendarView, StaffInstanceRow};
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::server::{orders::today, overview, require_staff, respond, state};

/// Days the event calendar covers, from today.
pub const CALENDAR_DAYS: u32 = 90;

/// Every instance passing the filter (empty fields match everything).
#[server(name = StaffInstances, prefix = "/api", endpoint = "staff/instances/list")]
pub async fn staff_instances(
    status: String,
    org_id: String,
    version: String,
    event_from: String,
    event_to: String,
) -> Result<Vec<StaffInstanceRow>, AppError> {
    respond(
        async {
            let state = state()?;
            require_staff(&state).await?;
            let filter =
                overview::parse_filter(&status, &org_id, &version, &event_from, &event_to)?;
            overview::rows(&state, &filter).await
        }
        .await,
    )
}

/// Asks for an upgrade of each instance in `ids` (comma-separated) to `version`; one
/// outcome per instance. Instances with an event day within the update freeze are skipped
/// (and say so) unless `force`d.
#[server(name = StaffBulkUpgrade, prefix = "/api", endpoint = "staff/instances/upgrade")]
pub async fn staff_bulk_upgrade(
    ids: String,
    version: String,
    #[server(default)] force: bool,
) -> Result<Vec<BulkOutcome>, AppError> {
    respond(
        async {
            let state = state()?;
            let actor = require_staff(&state).await?;
            let ids = overview::parse_ids(&ids)?;
            Ok(overview::bulk_upgrade(&state, actor, &ids, version.trim(), force).await)
        }
        .await,
    )
}

/// Pins instance `id` to `phase`, or lets its calendar decide again when `phase` is empty
/// (staff only); the phase scheduler applies it on its next pass.
#[server(name = StaffPinPhase, prefix = "/api", endpoint = "staff/instances/pin")]
pub async fn staff_pin_phase(id: i64, #[server(default)] phase: String) -> Result<(), AppError> {
    respond(
        async {
            let state = state()?;
            let actor = require_staff(&state).await?;
            crate::server::instances::actions::pin_phase(&state, actor, id, &phase).await?;
            Ok(())
        }
        .await,
    )
}

/// Demand against capacity on each of the next [`CALENDAR_DAYS`] days, with the forecast of
/// nodes to add or drain (staff only).
#[server(name = StaffCapacity, prefix = "/api", endpoint = "staff/instances/capacity")]
pub async fn staff_capacity() -> Result<CapacityCalendarView, AppError> {
    respond(
        async {
            let state = state()?;
            require_staff(&state).await?;
            crate::server::capacity::calendar(&state, today(), CALENDAR_DAYS).await
        }
        .await,
    )
}

/// The event calendar of the next [`CALENDAR_DAYS`] days.
#[server(name = StaffCalendar, prefix = "/api", endpoint = "staff/instances/calendar")]
pub async fn staff_calendar() -> Result<Vec<CalendarDayView>, AppError> {
    respond(
        async {
            let state = state()?;
            require_staff(&state).await?;
            overview::event_calendar(&state, today(), CALENDAR_DAYS).await
        }
        .await,
    )
}
