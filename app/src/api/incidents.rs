//! Incidents' server functions: an instance's for its organisation's members, all of them
//! for staff; and staff's search through every instance's logs.

use crate::dto::{IncidentView, LogMatchView};
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    crate::server::incidents,
    crate::server::instances::authorize_instance,
    crate::server::{require_staff, respond, state},
    domain::access::OrgAction,
};

/// The incidents of instance `id` (members), most recent first.
#[server(name = InstanceIncidents, prefix = "/api", endpoint = "instances/incidents")]
pub async fn instance_incidents(id: i64) -> Result<Vec<IncidentView>, AppError> {
    respond(
        async {
            let state = state()?;
            authorize_instance(&state, id, OrgAction::View).await?;
            incidents::of_instance(&state, id).await
        }
        .await,
    )
}

/// The most recent incidents of every instance (staff).
#[server(name = StaffIncidents, prefix = "/api", endpoint = "staff/incidents")]
pub async fn staff_incidents() -> Result<Vec<IncidentView>, AppError> {
    respond(
        async {
            let state = state()?;
            require_staff(&state).await?;
            incidents::recent(&state).await
        }
        .await,
    )
}

/// The lines containing `text` that running instances wrote in the last `minutes` (staff).
#[server(name = StaffLogSearch, prefix = "/api", endpoint = "staff/logs/search")]
pub async fn staff_log_search(text: String, minutes: u32) -> Result<Vec<LogMatchView>, AppError> {
    respond(
        async {
            let state = state()?;
            require_staff(&state).await?;
            crate::server::log_search::search(&state, &text, minutes).await
        }
        .await,
    )
}
