//! Incidents for the web layer: listing them (an instance's for its members, all for
//! staff), and telling staff about those of instances in event mode — by mail and/or a
//! webhook (`[incidents]`), at most once per incident per `gap_minutes` and only when it
//! happened again since.

use chrono::{DateTime, Duration, Utc};
use domain::incident::should_notify;
use serde::{Deserialize, Serialize};
use store::IncidentRecord;

use super::AppState;
use super::context::{internal, store_error};
use crate::dto::IncidentView;
use crate::error::AppError;

/// How many incidents staff see, and the notifier looks at.
const RECENT: u64 = 200;

/// Where staff are told about incidents (the `[incidents]` settings).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IncidentSettings {
    /// A mailbox that receives a mail per incident (needs `[mail]`).
    pub notify_email: Option<String>,
    /// A URL that receives a JSON POST per incident.
    pub webhook_url: Option<String>,
    /// Minutes between two notices about the same incident (1–1440).
    pub gap_minutes: u32,
}

impl Default for IncidentSettings {
    fn default() -> Self {
        Self {
            notify_email: None,
            webhook_url: None,
            gap_minutes: 15,
        }
    }
}

/// `records` as the pages show them, with each instance's address.
async fn views(
    state: &AppState,
    records: Vec<IncidentRecord>,
) -> Result<Vec<IncidentView>, AppError> {
    let mut out = Vec::with_capacity(records.len());
    for r in records {
        let slug = state
            .db
            .instance(r.instance_id)
            .await
            .map(|i| i.slug)
            .unwrap_or_default();
        out.push(IncidentView {
            instance_id: r.instance_id,
            slug,
            service: r.service,
            kind: r.kind.as_str().to_owned(),
            message: r.message,
            count: r.count,
            first_seen: r.first_seen.to_rfc3339(),
            last_seen: r.last_seen.to_rfc3339(),
        });
    }
    Ok(out)
}

/// The incidents of instance `id` (callers authorized it).
pub async fn of_instance(state: &AppState, id: i64) -> Result<Vec<IncidentView>, AppError> {
    let records = state.db.incidents_of(id).await.map_err(store_error)?;
    views(state, records).await
}

/// The most recent incidents of all instances (staff).
pub async fn recent(state: &AppState) -> Result<Vec<IncidentView>, AppError> {
    let records = state
        .db
        .recent_incidents(RECENT)
        .await
        .map_err(store_error)?;
    views(state, records).await
}

/// Tells staff about the incidents due a notice at `now`; the ids told about.
pub async fn notify(state: &AppState, now: DateTime<Utc>) -> Result<Vec<i64>, AppError> {
    let settings = &state.incidents;
    if settings.notify_email.is_none() && settings.webhook_url.is_none() {
        return Ok(Vec::new());
    }
    let gap = Duration::minutes(i64::from(settings.gap_minutes));
    let mut told = Vec::new();
    for incident in state
        .db
        .recent_incidents(RECENT)
        .await
        .map_err(store_error)?
    {
        let Ok(instance) = state.db.instance(incident.instance_id).await else {
            continue;
        };
        if !should_notify(
            instance.phase,
            incident.last_seen,
            incident.notified_at,
            now,
            gap,
        ) {
            continue;
        }
        let subject = format!(
            "[Plenum] {}: {} of {} ({} times)",
            instance.slug,
            incident.kind.as_str(),
            incident.service,
            incident.count
        );
        let body = format!(
            "Instance {} (id {}) is in event mode.\n\nService: {}\nWhat: {}\nHow often: {}\nFirst seen: {}\nLast seen: {}\n",
            instance.slug,
            instance.id,
            incident.service,
            incident.message,
            incident.count,
            incident.first_seen.to_rfc3339(),
            incident.last_seen.to_rfc3339()
        );
        if let Some(to) = &settings.notify_email {
            state
                .mailer
                .send(to, &subject, body.clone())
                .await
                .map_err(internal)?;
        }
        if let Some(url) = &settings.webhook_url {
            let payload = serde_json::json!({
                "instance_id": instance.id,
                "instance": instance.slug,
                "service": incident.service,
                "kind": incident.kind.as_str(),
                "message": incident.message,
                "count": incident.count,
                "first_seen": incident.first_seen.to_rfc3339(),
                "last_seen": incident.last_seen.to_rfc3339(),
                "text": subject,
            });
            let answer = state
                .http
                .post(url)
                .json(&payload)
                .send()
                .await
                .map_err(internal)?;
            if !answer.status().is_success() {
                return Err(internal(format!("webhook answered {}", answer.status())));
            }
        }
        state
            .db
            .mark_incident_notified(incident.id, now)
            .await
            .map_err(store_error)?;
        told.push(incident.id);
    }
    Ok(told)
}
