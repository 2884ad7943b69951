//! What the ordering server functions send to the browser.

use domain::booking::{EventDay, PlanSize};
use domain::order::OrderStatus;
use serde::{Deserialize, Serialize};

/// One order, as its organisation (or staff) sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderView {
    /// Its id.
    pub id: i64,
    /// The organisation that placed it.
    pub org_id: i64,
    /// The instance's display name.
    pub name: String,
    /// The address asked for.
    pub slug: String,
    /// Template name.
    pub template: String,
    /// Version.
    pub version: String,
    /// Plan size.
    pub plan: PlanSize,
    /// First rental day (`YYYY-MM-DD`).
    pub rental_start: String,
    /// Last rental day (`YYYY-MM-DD`).
    pub rental_end: String,
    /// Event days with expected participants.
    pub event_days: Vec<EventDay>,
    /// Whom to reach.
    pub contact: String,
    /// The customer's note.
    pub note: String,
    /// Where it stands.
    pub status: OrderStatus,
    /// Why it was rejected.
    pub reason: Option<String>,
    /// The instance it became.
    pub instance_id: Option<i64>,
    /// When it was placed (RFC 3339).
    pub created_at: String,
}

/// A template version in the catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogItem {
    /// Its id.
    pub id: i64,
    /// Template name.
    pub template: String,
    /// Version.
    pub version: String,
    /// Offered to customers.
    pub available: bool,
}

/// A plan a customer can choose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanChoice {
    /// Its size.
    pub size: PlanSize,
    /// The most concurrent participants it is sized for.
    pub max_participants: u32,
}

/// What the order form offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderOptions {
    /// Template versions on offer.
    pub versions: Vec<CatalogItem>,
    /// Plans.
    pub plans: Vec<PlanChoice>,
    /// The longest rental, in days.
    pub max_rental_days: u32,
    /// Today (UTC), the earliest rental start (`YYYY-MM-DD`).
    pub today: String,
}

/// Whether an address can be ordered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlugCheck {
    /// The address checked, as typed (trimmed).
    pub slug: String,
    /// Free and valid.
    pub available: bool,
    /// In words: free, taken, or which rule it breaks.
    pub message: String,
}

/// One plan's sizing, for staff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanSizing {
    /// Template name.
    pub template: String,
    /// Plan size.
    pub size: PlanSize,
    /// Replicas and limits by service, as JSON.
    pub services: String,
    /// The backup schedule and retention its instances follow.
    pub backup_policy: domain::backup::schedule::BackupPolicy,
    /// Whether that is the plan's own (else the installation's `[backup_schedule]`).
    pub own_backup_policy: bool,
}

/// The catalog and plans, for staff to curate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffCatalog {
    /// Every template version ever offered.
    pub versions: Vec<CatalogItem>,
    /// Every plan sizing.
    pub plans: Vec<PlanSizing>,
    /// Templates Plenum knows.
    pub templates: Vec<String>,
}

/// Whether a booking fits the platform's capacity, day by day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AvailabilityView {
    /// Whether capacity is known (Plenum runs the engine and could read the Swarm).
    pub known: bool,
    /// Whether the booking fits (true when capacity is unknown: nothing is checked).
    pub fits: bool,
    /// Every day from provisioning to the end of the rental.
    pub days: Vec<DayLoadView>,
    /// When it does not fit: the nearest dates that do.
    pub nearest: Option<SuggestedDates>,
}

/// One day's load in its fullest hour, as shares of the usable capacity (the fuller of CPU
/// and memory).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayLoadView {
    /// The day (YYYY-MM-DD).
    pub date: String,
    /// Per cent used by approved orders (staff only: customers do not see others' load).
    pub booked_percent: Option<u32>,
    /// Per cent the booking would add.
    pub requested_percent: u32,
    /// Whether both fit.
    pub fits: bool,
}

/// Dates proposed instead, as the order form takes them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuggestedDates {
    /// First rental day.
    pub rental_start: String,
    /// Last rental day.
    pub rental_end: String,
    /// Event days, one per line: `YYYY-MM-DD participants`.
    pub event_days: String,
}

/// What approving a pending order would do to the platform's capacity (staff).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderImpact {
    /// The order.
    pub order_id: i64,
    /// Its load day by day beside the approved orders.
    pub availability: AvailabilityView,
}

/// CPU (thousandths of a CPU) and memory (MiB).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourcesView {
    /// Thousandths of a CPU.
    pub cpu_milli: i64,
    /// Mebibytes.
    pub memory_mib: i64,
}

impl From<domain::capacity::Resources> for ResourcesView {
    fn from(r: domain::capacity::Resources) -> Self {
        Self {
            cpu_milli: r.nano_cpus / 1_000_000,
            memory_mib: r.memory_bytes / domain::capacity::MIB,
        }
    }
}

/// One day of the capacity calendar: the demand in its fullest hour by plan size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapacityDayView {
    /// The day (YYYY-MM-DD).
    pub date: String,
    /// Small, medium and large instances' demand.
    pub by_plan: [ResourcesView; 3],
    /// Whether the demand exceeds the usable capacity.
    pub overbooked: bool,
}

/// Demand against capacity per day, and what it means for the cluster (staff).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapacityCalendarView {
    /// Whether capacity is known (Plenum runs the engine and could read the Swarm).
    pub known: bool,
    /// Schedulable nodes.
    pub nodes: u32,
    /// What orders may use of them.
    pub usable: ResourcesView,
    /// Every day from today.
    pub days: Vec<CapacityDayView>,
    /// Nodes like the current ones to add, and the date they must be there by.
    pub add_nodes: Option<(u32, String)>,
    /// Nodes that can be drained, and the date after which they are no longer needed.
    pub drain_nodes: Option<(u32, String)>,
}
