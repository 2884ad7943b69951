//! Event-aware capacity: what the cluster can hold, what each booked instance needs phase by
//! phase, and whether a new order fits. Pure: no Docker, no database, no clock.
//!
//! * [`Resources`]: CPU (nano-CPUs) and memory (bytes), as Swarm counts reservations.
//! * [`DemandModel`]: the reservations of each plan size in each [`Phase`].
//! * [`phases`]: the timeline of an order — provisioned, quiet, event mode, archived.
//! * [`admission`]: the demand of the approved orders hour by hour against the usable
//!   capacity, whether a new order fits, and the nearest dates that do.
//! * [`forecast`]: the demand per day by plan size, and the nodes to add or drain.
//! * [`placement`]: which node an instance lives on, and where a drained node's go.

pub mod admission;
pub mod forecast;
pub mod phases;
pub mod placement;

use std::collections::BTreeMap;
use std::ops::{Add, AddAssign};

use serde::{Deserialize, Serialize};

use crate::booking::PlanSize;
use crate::template::ResourceAmounts;

pub use phases::{
    Phase, PhaseSettings, PhaseSpan, PhaseStep, decide, may_hibernate, next_change, phase_at,
    phase_desired, timeline, update_freeze,
};

/// A capacity or phase setting out of its range: which one, the value given, and what it
/// accepts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid setting `{setting}` = {value:?}: {accepted}")]
pub struct SettingError {
    /// The setting, e.g. `phases.archive_days`.
    pub setting: &'static str,
    /// The value given.
    pub value: String,
    /// What it accepts.
    pub accepted: &'static str,
}

impl SettingError {
    /// `setting` given as `value` is out of range; it accepts `accepted`.
    pub fn new(setting: &'static str, value: impl ToString, accepted: &'static str) -> Self {
        Self {
            setting,
            value: value.to_string(),
            accepted,
        }
    }
}

/// A whole-number setting: its name, its value, the range it must lie in, and that range
/// in words.
pub type RangeCheck = (
    &'static str,
    u32,
    std::ops::RangeInclusive<u32>,
    &'static str,
);

/// The first of `checks` whose value is out of its range.
pub fn check_ranges(checks: impl IntoIterator<Item = RangeCheck>) -> Result<(), SettingError> {
    match checks
        .into_iter()
        .find(|(_, value, range, _)| !range.contains(value))
    {
        Some((setting, value, _, accepted)) => Err(SettingError::new(setting, value, accepted)),
        None => Ok(()),
    }
}

/// CPU and memory, as Swarm reserves them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resources {
    /// CPUs in units of 10⁻⁹ CPUs (Docker's `NanoCPUs`).
    pub nano_cpus: i64,
    /// Memory in bytes.
    pub memory_bytes: i64,
}

/// One CPU in nano-CPUs.
pub const NANO_CPUS_PER_CPU: i64 = 1_000_000_000;
/// One mebibyte.
pub const MIB: i64 = 1 << 20;

impl Resources {
    /// `cpus` CPUs and `mib` MiB.
    pub const fn new(nano_cpus: i64, memory_bytes: i64) -> Self {
        Self {
            nano_cpus,
            memory_bytes,
        }
    }

    /// Whether both amounts are within `capacity`'s.
    pub fn fits_in(self, capacity: Resources) -> bool {
        self.nano_cpus <= capacity.nano_cpus && self.memory_bytes <= capacity.memory_bytes
    }

    /// `self` less `other`, never below zero.
    pub fn saturating_sub(self, other: Resources) -> Resources {
        Resources {
            nano_cpus: (self.nano_cpus - other.nano_cpus).max(0),
            memory_bytes: (self.memory_bytes - other.memory_bytes).max(0),
        }
    }

    /// `percent` % of each amount (rounded down).
    pub fn percent(self, percent: u32) -> Resources {
        let scale =
            |v: i64| i64::try_from(i128::from(v) * i128::from(percent) / 100).unwrap_or(i64::MAX);
        Resources {
            nano_cpus: scale(self.nano_cpus),
            memory_bytes: scale(self.memory_bytes),
        }
    }

    /// Each amount as a share of `capacity`'s in percent (0 when the capacity is zero),
    /// the larger of the two: how full `self` makes `capacity`.
    pub fn load_percent(self, capacity: Resources) -> u32 {
        let share = |used: i64, total: i64| {
            if total <= 0 {
                if used > 0 { u32::MAX } else { 0 }
            } else {
                u32::try_from(i128::from(used) * 100 / i128::from(total)).unwrap_or(u32::MAX)
            }
        };
        share(self.nano_cpus, capacity.nano_cpus)
            .max(share(self.memory_bytes, capacity.memory_bytes))
    }
}

impl Add for Resources {
    type Output = Resources;

    fn add(self, other: Resources) -> Resources {
        Resources {
            nano_cpus: self.nano_cpus.saturating_add(other.nano_cpus),
            memory_bytes: self.memory_bytes.saturating_add(other.memory_bytes),
        }
    }
}

impl AddAssign for Resources {
    fn add_assign(&mut self, other: Resources) {
        *self = *self + other;
    }
}

/// What one plan size reserves in each phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhaseDemand {
    /// In event mode: the plan's full size.
    pub event: Resources,
    /// In quiet mode (provisioned, between events): minimal replicas.
    pub quiet: Resources,
}

impl PhaseDemand {
    /// The reservation in `phase` (nothing when no task runs).
    pub fn in_phase(&self, phase: Phase) -> Resources {
        match phase {
            Phase::Event => self.event,
            Phase::Quiet => self.quiet,
            Phase::Hibernated | Phase::Archived => Resources::default(),
        }
    }
}

/// The reservations of every plan size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemandModel {
    /// Plan `small` (up to 100 participants).
    pub small: PhaseDemand,
    /// Plan `medium` (up to 500 participants).
    pub medium: PhaseDemand,
    /// Plan `large` (up to 2,000 participants).
    pub large: PhaseDemand,
}

impl DemandModel {
    /// The reservations of `plan`.
    pub fn of(&self, plan: PlanSize) -> &PhaseDemand {
        match plan {
            PlanSize::Small => &self.small,
            PlanSize::Medium => &self.medium,
            PlanSize::Large => &self.large,
        }
    }
}

impl DemandModel {
    /// The model from each plan's event-mode reservation (`[small, medium, large]`), quiet
    /// mode reserving `quiet_percent` of it.
    pub fn from_event(event: [Resources; 3], quiet_percent: u32) -> Self {
        let plan = |event: Resources| PhaseDemand {
            event,
            quiet: event.percent(quiet_percent),
        };
        let [small, medium, large] = event;
        Self {
            small: plan(small),
            medium: plan(medium),
            large: plan(large),
        }
    }
}

impl Default for DemandModel {
    /// Event mode: half a CPU and 1 GiB for the small plan, doubling per plan step (medium
    /// 1 CPU / 2 GiB, large 2 CPUs / 4 GiB); quiet mode a tenth of that, the goal the
    /// platform is built for. Starting figures until measured (BENCHMARKS.md); the
    /// `[capacity]` settings replace them.
    fn default() -> Self {
        let event = |milli_cpus: i64, mib: i64| Resources::new(milli_cpus * 1_000_000, mib * MIB);
        Self::from_event([event(500, 1024), event(1000, 2048), event(2000, 4096)], 10)
    }
}

/// The Swarm reservations per task that make up `total` for an instance: split over the
/// services the plan limits, in proportion to each service's limit times its replicas (CPU
/// and memory apart), and never above a task's limit (Swarm refuses that). Services without
/// a limit of a kind reserve none of it.
pub fn split_reservations(
    total: Resources,
    limits: &BTreeMap<String, ResourceAmounts>,
    replicas: &BTreeMap<String, u64>,
) -> BTreeMap<String, ResourceAmounts> {
    let tasks = |service: &str| i128::from(replicas.get(service).copied().unwrap_or(1).max(1));
    let share = |total: i64, limit: fn(&ResourceAmounts) -> Option<i64>| {
        let weight: i128 = limits
            .iter()
            .filter_map(|(s, l)| limit(l).map(|v| i128::from(v) * tasks(s)))
            .sum();
        move |l: &ResourceAmounts| -> Option<i64> {
            let own = limit(l)?;
            if weight <= 0 || total <= 0 {
                return None;
            }
            let per_task = i128::from(total) * i128::from(own) / weight;
            Some(i64::try_from(per_task).unwrap_or(own).min(own))
        }
    };
    let cpu = share(total.nano_cpus, |l| l.nano_cpus);
    let memory = share(total.memory_bytes, |l| l.memory_bytes);
    limits
        .iter()
        .map(|(service, l)| {
            (
                service.clone(),
                ResourceAmounts {
                    nano_cpus: cpu(l),
                    memory_bytes: memory(l),
                },
            )
        })
        .filter(|(_, r)| r.nano_cpus.is_some() || r.memory_bytes.is_some())
        .collect()
}

/// A Swarm node as the capacity model sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Node {
    /// Its Swarm id (what placement constraints name).
    pub id: String,
    /// Its host name.
    pub hostname: String,
    /// `manager` or `worker`.
    pub role: String,
    /// `active`, `pause` or `drain`.
    pub availability: String,
    /// Whether Swarm sees it ready.
    pub ready: bool,
    /// Its CPUs and memory.
    pub resources: Resources,
    /// Its labels.
    pub labels: BTreeMap<String, String>,
}

impl Node {
    /// Whether new tasks may be placed on it.
    pub fn schedulable(&self) -> bool {
        self.ready && self.availability == "active"
    }
}

/// The capacity of the nodes new tasks may be placed on.
pub fn cluster_total(nodes: &[Node]) -> Resources {
    nodes
        .iter()
        .filter(|n| n.schedulable())
        .fold(Resources::default(), |total, n| total + n.resources)
}

/// What of the cluster orders may use: its nodes' total, less what Plenum and the edge
/// reserve, less the headroom kept free.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapacityRules {
    /// Per cent of the rest kept free (0–90).
    pub headroom_percent: u32,
    /// Reserved for Plenum, its database and the edge.
    pub reserved: Resources,
}

impl CapacityRules {
    /// The capacity orders may use out of `total`.
    pub fn usable(&self, total: Resources) -> Resources {
        let rest = total.saturating_sub(self.reserved);
        rest.saturating_sub(rest.percent(self.headroom_percent))
    }
}

/// Dates and bookings for the capacity tests.
#[cfg(test)]
pub(crate) mod fixtures {
    use chrono::NaiveDate;

    use crate::booking::{Booking, EventDay, PlanSize};

    /// `YYYY-MM-DD` as a date.
    pub fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    /// A rental from `start` to `end` with 100 participants on each of `events`.
    pub fn booking(start: &str, end: &str, events: &[&str], plan: PlanSize) -> Booking {
        Booking {
            start: day(start),
            end: day(end),
            event_days: events
                .iter()
                .map(|d| EventDay {
                    date: day(d),
                    participants: 100,
                })
                .collect(),
            plan,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usable_capacity_keeps_the_reserve_and_the_headroom_free() {
        let total = Resources::new(8 * NANO_CPUS_PER_CPU, 16 * 1024 * MIB);
        let rules = CapacityRules {
            headroom_percent: 25,
            reserved: Resources::new(NANO_CPUS_PER_CPU, 1024 * MIB),
        };
        let usable = rules.usable(total);
        assert_eq!(usable.nano_cpus, 7 * NANO_CPUS_PER_CPU * 3 / 4);
        assert_eq!(usable.memory_bytes, 15 * 1024 * MIB * 3 / 4);
        // More reserved than there is: nothing usable, not a negative amount.
        let greedy = CapacityRules {
            headroom_percent: 0,
            reserved: Resources::new(100 * NANO_CPUS_PER_CPU, 0),
        };
        assert_eq!(greedy.usable(total).nano_cpus, 0);
    }

    #[test]
    fn reservations_split_by_limits_and_never_exceed_them() {
        let limits = BTreeMap::from([
            (
                "web".to_owned(),
                ResourceAmounts {
                    nano_cpus: Some(NANO_CPUS_PER_CPU / 2),
                    memory_bytes: Some(128 * MIB),
                },
            ),
            (
                "db".to_owned(),
                ResourceAmounts {
                    nano_cpus: Some(NANO_CPUS_PER_CPU),
                    memory_bytes: Some(512 * MIB),
                },
            ),
        ]);
        let replicas = BTreeMap::from([("web".to_owned(), 2), ("db".to_owned(), 1)]);
        let event = split_reservations(
            Resources::new(NANO_CPUS_PER_CPU, 2048 * MIB),
            &limits,
            &replicas,
        );
        // CPU: web 0.5×2 and db 1×1 weigh the same: a quarter CPU per web task, half for db.
        assert_eq!(event["web"].nano_cpus, Some(NANO_CPUS_PER_CPU / 4));
        assert_eq!(event["db"].nano_cpus, Some(NANO_CPUS_PER_CPU / 2));
        // Memory: 2 GiB is more than the limits hold: each task reserves its limit.
        assert_eq!(event["web"].memory_bytes, Some(128 * MIB));
        assert_eq!(event["db"].memory_bytes, Some(512 * MIB));
        let quiet = split_reservations(
            Resources::new(NANO_CPUS_PER_CPU / 10, 2048 * MIB / 10),
            &limits,
            &BTreeMap::from([("web".to_owned(), 1), ("db".to_owned(), 1)]),
        );
        assert_eq!(quiet["web"].nano_cpus, Some(33_333_333));
        assert_eq!(quiet["db"].nano_cpus, Some(66_666_666));
        assert!(split_reservations(Resources::default(), &limits, &replicas).is_empty());
        assert!(split_reservations(event_total(), &BTreeMap::new(), &replicas).is_empty());
    }

    fn event_total() -> Resources {
        Resources::new(NANO_CPUS_PER_CPU, 1024 * MIB)
    }

    #[test]
    fn only_ready_active_nodes_count() {
        let node = |availability: &str, ready: bool| Node {
            id: "n".into(),
            hostname: "n".into(),
            role: "worker".into(),
            availability: availability.into(),
            ready,
            resources: Resources::new(2 * NANO_CPUS_PER_CPU, 4 * 1024 * MIB),
            labels: BTreeMap::new(),
        };
        let nodes = [
            node("active", true),
            node("drain", true),
            node("pause", true),
            node("active", false),
            node("active", true),
        ];
        assert_eq!(
            cluster_total(&nodes),
            Resources::new(4 * NANO_CPUS_PER_CPU, 8 * 1024 * MIB)
        );
    }

    #[test]
    fn load_is_the_fuller_of_cpu_and_memory() {
        let capacity = Resources::new(4 * NANO_CPUS_PER_CPU, 8 * 1024 * MIB);
        let used = Resources::new(NANO_CPUS_PER_CPU, 6 * 1024 * MIB);
        assert_eq!(used.load_percent(capacity), 75);
        assert!(used.fits_in(capacity));
        assert!(!(used + used).fits_in(capacity));
        assert_eq!(
            Resources::new(1, 0).load_percent(Resources::default()),
            u32::MAX
        );
    }

    #[test]
    fn the_default_model_keeps_quiet_at_a_tenth_of_event_mode() {
        let model = DemandModel::default();
        for plan in PlanSize::ALL {
            let demand = model.of(plan);
            assert_eq!(demand.quiet.nano_cpus, demand.event.nano_cpus / 10);
            assert_eq!(demand.quiet.memory_bytes, demand.event.memory_bytes / 10);
            assert_eq!(demand.in_phase(Phase::Hibernated), Resources::default());
        }
        assert!(model.small.event.nano_cpus < model.large.event.nano_cpus);
    }
}
