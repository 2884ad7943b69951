//! The plain type orders are read as.

use chrono::{DateTime, Utc};
use domain::booking::{Booking, EventDay};
use domain::order::OrderStatus;

use crate::StoreError;
use crate::entities::order;

/// A stored order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderRecord {
    /// Its id.
    pub id: i64,
    /// The organisation that placed it.
    pub organisation_id: i64,
    /// The instance's display name.
    pub name: String,
    /// The address asked for.
    pub slug: String,
    /// Template name.
    pub template: String,
    /// Version (image tag).
    pub version: String,
    /// Rental period, event days and plan.
    pub booking: Booking,
    /// Whom to reach.
    pub contact: String,
    /// The customer's note.
    pub note: String,
    /// Where it stands.
    pub status: OrderStatus,
    /// Why it was rejected (shown to the customer), or the note of its approval.
    pub reason: Option<String>,
    /// The instance it became.
    pub instance_id: Option<i64>,
    /// When it was placed.
    pub created_at: DateTime<Utc>,
    /// When staff (or auto-approval) decided.
    pub decided_at: Option<DateTime<Utc>>,
}

pub(crate) fn event_days_json(days: &[EventDay]) -> String {
    // Dates and integers always serialise.
    serde_json::to_string(days).unwrap_or_else(|_| "[]".to_owned())
}

fn corrupt(id: i64, what: &str) -> StoreError {
    StoreError::Database(sea_orm::DbErr::Custom(format!(
        "order {id}: stored {what} is not valid"
    )))
}

impl TryFrom<order::Model> for OrderRecord {
    type Error = StoreError;

    fn try_from(m: order::Model) -> Result<Self, StoreError> {
        Ok(Self {
            booking: Booking {
                start: m.rental_start,
                end: m.rental_end,
                event_days: serde_json::from_str(&m.event_days)
                    .map_err(|_| corrupt(m.id, "event days"))?,
                plan: m.plan.parse().map_err(|_| corrupt(m.id, "plan"))?,
            },
            status: m.status.parse().map_err(|_| corrupt(m.id, "status"))?,
            id: m.id,
            organisation_id: m.organisation_id,
            name: m.name,
            slug: m.slug,
            template: m.template,
            version: m.version,
            contact: m.contact,
            note: m.note,
            reason: m.reason,
            instance_id: m.instance_id,
            created_at: m.created_at,
            decided_at: m.decided_at,
        })
    }
}
