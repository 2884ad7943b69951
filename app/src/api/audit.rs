//! The audit trail's server functions: staff read and filter all of it; owners read their
//! organisation's. Pages of 100, newest first, continuing below an entry's id.

use crate::dto::AuditEntryView;
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    crate::server::{authorize_org, require_staff, respond, state},
    domain::access::OrgAction,
    store::AuditFilter,
};

/// How many entries one page holds.
pub const PAGE: u64 = 100;

/// The trail for staff, filtered by actor email and action (parts of them) and
/// organisation; `before`: continue below this entry.
#[server(name = StaffAudit, prefix = "/api", endpoint = "staff/audit")]
pub async fn staff_audit(
    actor: Option<String>,
    action: Option<String>,
    org_id: Option<i64>,
    before: Option<i64>,
) -> Result<Vec<AuditEntryView>, AppError> {
    respond(
        async {
            let state = state()?;
            require_staff(&state).await?;
            let filter = AuditFilter {
                organisation_id: org_id,
                actor: actor.map(|a| a.trim().to_owned()),
                action: action.map(|a| a.trim().to_owned()),
                before,
            };
            crate::server::audit::entries(&state, &filter).await
        }
        .await,
    )
}

/// Organisation `org_id`'s trail (its owners and staff); `before`: continue below this entry.
#[server(name = OrgAudit, prefix = "/api", endpoint = "orgs/audit")]
pub async fn org_audit(org_id: i64, before: Option<i64>) -> Result<Vec<AuditEntryView>, AppError> {
    respond(
        async {
            let state = state()?;
            authorize_org(&state, org_id, OrgAction::Manage).await?;
            let filter = AuditFilter {
                organisation_id: Some(org_id),
                before,
                ..AuditFilter::default()
            };
            crate::server::audit::entries(&state, &filter).await
        }
        .await,
    )
}
