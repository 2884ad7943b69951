//! Reading the audit trail for the web layer (the recorder is the server's middleware).

use store::AuditFilter;

use super::AppState;
use super::context::store_error;
use crate::api::audit::PAGE;
use crate::dto::AuditEntryView;
use crate::error::AppError;

/// One page of the entries `filter` lets through, newest first.
pub async fn entries(
    state: &AppState,
    filter: &AuditFilter,
) -> Result<Vec<AuditEntryView>, AppError> {
    Ok(state
        .db
        .audit_entries(filter, PAGE)
        .await
        .map_err(store_error)?
        .into_iter()
        .map(|e| AuditEntryView {
            id: e.id,
            at: e.at.to_rfc3339(),
            who: e
                .entry
                .actor_email
                .unwrap_or_else(|| "(nobody signed in)".to_owned()),
            address: e.entry.address.unwrap_or_default(),
            action: e.entry.action,
            organisation_id: e.entry.organisation_id,
            details: e.entry.details,
            outcome: e.entry.outcome,
        })
        .collect())
}
