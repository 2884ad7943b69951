//! Instances as the console and the staff overview show them.

use serde::{Deserialize, Serialize};

/// An instance: what it should be, what the engine last saw, and where it answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceView {
    /// Its id.
    pub id: i64,
    /// The owning organisation.
    pub org_id: i64,
    /// Its display name (typed to confirm deletion).
    pub name: String,
    /// Its address label.
    pub slug: String,
    /// Its public URL when Plenum runs the edge router.
    pub url: Option<String>,
    /// Template name.
    pub template: String,
    /// Version (image tag).
    pub version: String,
    /// What it should be (`running`, `stopped`, `removed`, `erased`).
    pub lifecycle: String,
    /// The observed status, in words.
    pub status: String,
    /// The engine's reason for the status.
    pub status_reason: Option<String>,
    /// Why a request (other than deletion) would be refused now.
    pub busy: Option<String>,
    /// When the status last changed (RFC 3339).
    pub status_at: String,
}

/// One entry of an instance's event log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceEventView {
    /// Its id (increasing; live updates resume after it).
    pub id: i64,
    /// When (RFC 3339).
    pub at: String,
    /// Who: an email address, "Plenum staff" (to customers), or "engine".
    pub who: String,
    /// What kind (`requested`, `step`, `status`, `error`, …).
    pub kind: String,
    /// What happened, in words.
    pub message: String,
}

/// A service the viewer may scale, and how far.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScaleChoice {
    /// The service.
    pub service: String,
    /// Its replicas now.
    pub replicas: u64,
    /// The fewest allowed.
    pub min: u64,
    /// The most allowed (for customers, the plan's).
    pub max: u64,
}

/// Everything the instance console shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceConsole {
    /// The instance.
    pub instance: InstanceView,
    /// The newest events, oldest first.
    pub events: Vec<InstanceEventView>,
    /// Whether the viewer may act on it (owners and staff).
    pub can_manage: bool,
    /// Versions it can be upgraded to.
    pub upgrades: Vec<String>,
    /// Services the viewer may scale.
    pub scaling: Vec<ScaleChoice>,
    /// Its phase by its event days (instances made from an order).
    pub phase: Option<PhaseView>,
    /// Its services' names (whose logs can be read one by one).
    pub services: Vec<String>,
}

/// Where an instance stands in its rental.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhaseView {
    /// The phase last applied (`quiet`, `event`, `hibernated`, `archived`), if any yet.
    pub current: Option<String>,
    /// The phase staff pinned it to.
    pub pinned: Option<String>,
    /// The next change by the calendar: when (UTC, `YYYY-MM-DD HH:MM`) and to what
    /// (`removed` after the archive period).
    pub next: Option<(String, String)>,
    /// Whether its owner lets it hibernate while nobody uses it.
    pub hibernate_allowed: bool,
    /// When it was last seen in use (UTC, `YYYY-MM-DD HH:MM`), if ever.
    pub last_used: Option<String>,
}

/// The live part of an instance, sent on the event stream as `status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceStatusUpdate {
    /// What it should be.
    pub lifecycle: String,
    /// The observed status, in words.
    pub status: String,
    /// The engine's reason.
    pub status_reason: Option<String>,
    /// Why requests would be refused now.
    pub busy: Option<String>,
    /// Version.
    pub version: String,
}

/// One row of the staff overview.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StaffInstanceRow {
    /// The instance.
    pub instance: InstanceView,
    /// Its organisation's name.
    pub org_name: String,
    /// Its event days (YYYY-MM-DD), from its order.
    pub event_days: Vec<String>,
    /// What it used in the last hour (empty while it runs nothing).
    pub usage: crate::dto::UsageView,
}

/// The outcome of a bulk action for one instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkOutcome {
    /// The instance id asked for.
    pub id: i64,
    /// Whether the request was accepted.
    pub accepted: bool,
    /// What happened, in words.
    pub message: String,
}

/// One day of the event calendar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarDayView {
    /// The day (YYYY-MM-DD).
    pub date: String,
    /// Instances in rental.
    pub in_rental: u32,
    /// Instances with an event.
    pub with_event: u32,
    /// Expected participants over all events.
    pub participants: u64,
}
