//! The plain types instances are read and written as.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use domain::capacity::Phase;
use domain::instance::{Lifecycle, Slug, Status, stack_name};
use domain::template::ResourceAmounts;

use crate::StoreError;
use crate::entities::instance;

/// An instance to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInstance {
    /// The organisation that owns it.
    pub organisation_id: i64,
    /// Its display name.
    pub name: String,
    /// Its checked address.
    pub slug: Slug,
    /// The template it is rendered from.
    pub template: String,
    /// The image tag it runs.
    pub version: String,
    /// Replica overrides by service name.
    pub replicas: BTreeMap<String, u64>,
    /// Resource limits by service name (from its plan; none without one).
    pub limits: BTreeMap<String, ResourceAmounts>,
    /// The lifecycle it starts in.
    pub lifecycle: Lifecycle,
}

/// A stored instance: desired state and observed status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceRecord {
    /// Its id (also the `org.plenum.instance` label).
    pub id: i64,
    /// The organisation that owns it.
    pub organisation_id: i64,
    /// Its display name.
    pub name: String,
    /// Its address.
    pub slug: String,
    /// The template it is rendered from.
    pub template: String,
    /// The image tag it should run.
    pub version: String,
    /// What it should be.
    pub lifecycle: Lifecycle,
    /// Replica overrides by service name.
    pub replicas: BTreeMap<String, u64>,
    /// Resource limits by service name, from its plan; they override the template's.
    pub limits: BTreeMap<String, ResourceAmounts>,
    /// Bumped by every change of the desired state.
    pub generation: i64,
    /// What the engine last saw.
    pub status: Status,
    /// Why (in words, no secrets).
    pub status_reason: Option<String>,
    /// The generation last applied to the Swarm in full.
    pub observed_generation: i64,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When its desired state last changed.
    pub updated_at: DateTime<Utc>,
    /// When its status last changed.
    pub status_at: DateTime<Utc>,
    /// When it was removed (start of the grace period).
    pub removed_at: Option<DateTime<Utc>>,
    /// The phase last applied by the phase scheduler.
    pub phase: Option<Phase>,
    /// The phase staff pinned it to (the calendar is then ignored).
    pub phase_pin: Option<Phase>,
    /// The Swarm reservations per task by service name, from its phase (empty: the
    /// template's).
    pub reservations: BTreeMap<String, ResourceAmounts>,
    /// When it was last seen in use (None: never since it was provisioned).
    pub last_used_at: Option<DateTime<Utc>>,
    /// Whether its owner lets it hibernate when nobody uses it.
    pub hibernate_allowed: bool,
    /// The Swarm node it lives on, services and volumes (None: not placed yet).
    pub node_id: Option<String>,
    /// The node it is being moved to (a drain of its node), if any.
    pub moving_to: Option<String>,
    /// The backup it is being restored from, if any.
    pub restoring_from: Option<i64>,
}

impl InstanceRecord {
    /// Its Swarm stack name (`docker stack ps <stack>`).
    pub fn stack(&self) -> String {
        stack_name(self.id)
    }

    /// Whether a visit (or its owner's start) wakes it: hibernated by the calendar, not
    /// pinned there by staff.
    pub fn wakes_on_request(&self) -> bool {
        self.phase == Some(Phase::Hibernated)
            && self.lifecycle == Lifecycle::Stopped
            && self.phase_pin.is_none()
    }
}

/// A change of the desired state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DesiredChange {
    /// Another lifecycle (removal starts or keeps the grace period; running or stopped
    /// clears it).
    Lifecycle(Lifecycle),
    /// Another image tag.
    Version(String),
    /// Other replica overrides.
    Replicas(BTreeMap<String, u64>),
    /// Enter a phase: its lifecycle and replicas, and the phase recorded.
    Phase {
        /// The phase.
        phase: Phase,
        /// The lifecycle it runs with.
        lifecycle: Lifecycle,
        /// The replicas it runs with.
        replicas: BTreeMap<String, u64>,
        /// The reservations per task by service.
        reservations: BTreeMap<String, ResourceAmounts>,
    },
    /// Pin it to a phase (staff), or unpin it.
    PinPhase(Option<Phase>),
}

/// The outcome of an optimistic change of the desired state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DesiredUpdate {
    /// Applied; the instance as it is now.
    Applied(InstanceRecord),
    /// Someone changed the instance first; the instance as it is now, unchanged by this call.
    Stale(InstanceRecord),
}

pub(crate) fn replicas_json(replicas: &BTreeMap<String, u64>) -> String {
    // A map of strings to integers always serialises.
    serde_json::to_string(replicas).unwrap_or_else(|_| "{}".to_owned())
}

/// Per-service limits as stored: `None` (SQL `NULL`) when there are none.
pub(crate) fn limits_json(
    limits: &BTreeMap<String, ResourceAmounts>,
) -> Result<Option<String>, StoreError> {
    if limits.is_empty() {
        return Ok(None);
    }
    serde_json::to_string(limits)
        .map(Some)
        .map_err(|e| StoreError::Database(sea_orm::DbErr::Custom(e.to_string())))
}

fn corrupt(id: i64, what: &str) -> StoreError {
    StoreError::Database(sea_orm::DbErr::Custom(format!(
        "instance {id}: stored {what} is not valid"
    )))
}

impl TryFrom<instance::Model> for InstanceRecord {
    type Error = StoreError;

    fn try_from(m: instance::Model) -> Result<Self, StoreError> {
        let phase = |stored: &Option<String>, what: &str| -> Result<Option<Phase>, StoreError> {
            stored
                .as_deref()
                .map(|p| Phase::parse(p).ok_or_else(|| corrupt(m.id, what)))
                .transpose()
        };
        Ok(Self {
            phase: phase(&m.phase, "phase")?,
            phase_pin: phase(&m.phase_pin, "phase pin")?,
            lifecycle: m
                .lifecycle
                .parse()
                .map_err(|_| corrupt(m.id, "lifecycle"))?,
            status: m.status.parse().map_err(|_| corrupt(m.id, "status"))?,
            replicas: serde_json::from_str(&m.replicas).map_err(|_| corrupt(m.id, "replicas"))?,
            limits: match &m.limits {
                Some(json) => serde_json::from_str(json).map_err(|_| corrupt(m.id, "limits"))?,
                None => BTreeMap::new(),
            },
            reservations: match &m.reservations {
                Some(json) => {
                    serde_json::from_str(json).map_err(|_| corrupt(m.id, "reservations"))?
                }
                None => BTreeMap::new(),
            },
            id: m.id,
            organisation_id: m.organisation_id,
            name: m.name,
            slug: m.slug,
            template: m.template,
            version: m.version,
            generation: m.generation,
            status_reason: m.status_reason,
            observed_generation: m.observed_generation,
            created_at: m.created_at,
            updated_at: m.updated_at,
            status_at: m.status_at,
            removed_at: m.removed_at,
            last_used_at: m.last_used_at,
            hibernate_allowed: m.hibernate_allowed,
            node_id: m.node_id,
            moving_to: m.moving_to,
            restoring_from: m.restoring_from,
        })
    }
}
