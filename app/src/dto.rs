//! What server functions send to the browser: plain data, never database models.

use domain::organisation::OrgRole;
use serde::{Deserialize, Serialize};

/// The signed-in user, as the page needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    /// Account id.
    pub id: i64,
    /// Email address.
    pub email: String,
    /// Platform staff.
    pub is_staff: bool,
}

/// An organisation in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgListItem {
    /// Its id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// The viewer's role (None: staff viewing someone else's).
    pub role: Option<OrgRole>,
    /// Number of members.
    pub members: u64,
}

/// One member of an organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberView {
    /// Account id.
    pub user_id: i64,
    /// Email address.
    pub email: String,
    /// Role in the organisation.
    pub role: OrgRole,
}

/// An organisation's page: its members and what the viewer may do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgDetail {
    /// Its id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// Its members, owners first.
    pub members: Vec<MemberView>,
    /// Whether the viewer may add, change and remove members.
    pub can_manage: bool,
}

/// An account in the staff list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserListItem {
    /// Account id.
    pub id: i64,
    /// Email address.
    pub email: String,
    /// Platform staff.
    pub is_staff: bool,
    /// When it signed up (RFC 3339).
    pub created_at: String,
}

mod access;
pub use access::{
    AccessView, ClientView, GrantNotice, ImportReport, ImportRowView, PortalEntry, ProviderButton,
    RegisteredClient, UpstreamView,
};
mod audit;
pub use audit::AuditEntryView;
mod backups;
mod logs;
pub use backups::{BackupView, BackupsView};
pub use logs::{LogLineView, LogMatchView};
mod incidents;
pub use incidents::IncidentView;
mod instances;
pub use instances::{
    BulkOutcome, CalendarDayView, InstanceConsole, InstanceEventView, InstanceStatusUpdate,
    InstanceView, PhaseView, ScaleChoice, StaffInstanceRow,
};
mod nodes;
pub use nodes::{DrainOutcome, NodeView};
mod usage;
pub use usage::{UsagePoint, UsageView};
mod orders;
pub use orders::{
    AvailabilityView, CapacityCalendarView, CapacityDayView, CatalogItem, DayLoadView, OrderImpact,
    OrderOptions, OrderView, PlanChoice, PlanSizing, ResourcesView, SlugCheck, StaffCatalog,
    SuggestedDates,
};
