//! Placement: which Swarm node an instance lives on. An instance lives on one node, its
//! services and its volumes together ("one instance = one server", sharing only the
//! hardware), so instances whose events fall on the same day are put on different nodes
//! where the cluster allows it, and a drained node's instances are given new homes.

use chrono::NaiveDate;

use super::{DemandModel, Node, Phase, Resources};
use crate::booking::Booking;

/// The node label Plenum sets on a node staff drain: no instance is placed there, and the
/// instances living there move away.
pub const DRAIN_LABEL: &str = "org.plenum.drain";

impl Node {
    /// Whether instances may be placed on it: ready, active and not being drained by Plenum.
    pub fn takes_instances(&self) -> bool {
        self.schedulable() && !self.draining()
    }

    /// Whether Plenum drains it (its instances move away).
    pub fn draining(&self) -> bool {
        self.availability == "drain"
            || self.labels.get(DRAIN_LABEL).map(String::as_str) == Some("true")
    }
}

/// The host name of node `id` among `nodes`, for messages; the id itself when it is not
/// among them (any more).
pub fn hostname_of(nodes: &[Node], id: &str) -> String {
    nodes
        .iter()
        .find(|n| n.id == id)
        .map_or_else(|| id.to_owned(), |n| n.hostname.clone())
}

/// An instance placed on a node, with the booking its demand follows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resident {
    /// The instance's id.
    pub instance: i64,
    /// The node it lives on (Swarm id).
    pub node: String,
    /// Its order's rental and event days.
    pub booking: Booking,
}

/// Why a node was chosen, best first when compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Score {
    /// Residents with an event on one of the new instance's event days.
    clashes: usize,
    /// The node's fullest day among those days, with the new instance (per cent).
    peak_percent: u32,
    /// Residents at all.
    residents: usize,
}

/// The days a booking's demand is checked on: its event days, or its first day when it
/// has none.
fn busy_days(booking: &Booking) -> Vec<NaiveDate> {
    if booking.event_days.is_empty() {
        vec![booking.start]
    } else {
        booking.event_days.iter().map(|d| d.date).collect()
    }
}

/// What `booking` reserves on `day` under `model`: event mode on its event days, quiet
/// mode in the rest of its rental, nothing outside it.
fn demand_on(booking: &Booking, day: NaiveDate, model: &DemandModel) -> Resources {
    let phase = if booking.event_days.iter().any(|d| d.date == day) {
        Phase::Event
    } else if booking.start <= day && day <= booking.end {
        Phase::Quiet
    } else {
        return Resources::default();
    };
    model.of(booking.plan).in_phase(phase)
}

fn score(node: &Node, residents: &[&Resident], booking: &Booking, model: &DemandModel) -> Score {
    let days = busy_days(booking);
    let clashes = residents
        .iter()
        .filter(|r| {
            r.booking
                .event_days
                .iter()
                .any(|d| booking.event_days.iter().any(|e| e.date == d.date))
        })
        .count();
    let peak_percent = days
        .iter()
        .map(|&day| {
            let load = residents
                .iter()
                .fold(demand_on(booking, day, model), |sum, r| {
                    sum + demand_on(&r.booking, day, model)
                });
            load.load_percent(node.resources)
        })
        .max()
        .unwrap_or(0);
    Score {
        clashes,
        peak_percent,
        residents: residents.len(),
    }
}

/// The node for a new instance with `booking`: among the nodes that take instances, the one
/// where the fewest residents have an event on one of its event days, then the one least
/// loaded on its busiest event day, then the one with the fewest residents, then by host
/// name. None when no node takes instances.
pub fn choose_node<'a>(
    nodes: &'a [Node],
    residents: &[Resident],
    booking: &Booking,
    model: &DemandModel,
) -> Option<&'a Node> {
    nodes
        .iter()
        .filter(|n| n.takes_instances())
        .min_by_key(|node| {
            let here: Vec<&Resident> = residents.iter().filter(|r| r.node == node.id).collect();
            (score(node, &here, booking, model), node.hostname.clone())
        })
}

/// Where the instances living on `drained` go: each (by instance id) to the node
/// [`choose_node`] picks given the moves before it, or None when no node takes instances.
pub fn plan_drain(
    nodes: &[Node],
    residents: &[Resident],
    drained: &str,
    model: &DemandModel,
) -> Vec<(i64, Option<String>)> {
    let others: Vec<Node> = nodes.iter().filter(|n| n.id != drained).cloned().collect();
    let mut placed: Vec<Resident> = residents
        .iter()
        .filter(|r| r.node != drained)
        .cloned()
        .collect();
    let mut leaving: Vec<&Resident> = residents.iter().filter(|r| r.node == drained).collect();
    leaving.sort_by_key(|r| r.instance);
    leaving
        .into_iter()
        .map(|r| {
            let target = choose_node(&others, &placed, &r.booking, model).map(|n| n.id.clone());
            if let Some(node) = &target {
                placed.push(Resident {
                    node: node.clone(),
                    ..r.clone()
                });
            }
            (r.instance, target)
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::booking::PlanSize;
    use crate::capacity::fixtures::booking;
    use crate::capacity::{MIB, NANO_CPUS_PER_CPU};

    fn node(id: &str, cpus: i64) -> Node {
        Node {
            id: id.into(),
            hostname: format!("host-{id}"),
            role: "worker".into(),
            availability: "active".into(),
            ready: true,
            resources: Resources::new(cpus * NANO_CPUS_PER_CPU, cpus * 2048 * MIB),
            labels: BTreeMap::new(),
        }
    }

    fn resident(instance: i64, node: &str, events: &[&str]) -> Resident {
        Resident {
            instance,
            node: node.into(),
            booking: booking("2027-03-01", "2027-03-31", events, PlanSize::Medium),
        }
    }

    fn chosen(nodes: &[Node], residents: &[Resident], events: &[&str]) -> String {
        let new = booking("2027-03-01", "2027-03-31", events, PlanSize::Medium);
        choose_node(nodes, residents, &new, &DemandModel::default())
            .unwrap()
            .id
            .clone()
    }

    #[test]
    fn instances_with_events_on_the_same_day_go_to_different_nodes() {
        let nodes = [node("a", 4), node("b", 4), node("c", 4)];
        let residents = [
            resident(1, "a", &["2027-03-14"]),
            resident(2, "b", &["2027-03-20"]),
            resident(3, "b", &["2027-03-21"]),
        ];
        // c is empty, but b has events only on other days and a shares the day: the
        // emptiest node wins among those without a clash.
        assert_eq!(chosen(&nodes, &residents, &["2027-03-14"]), "c");
        let crowded = [
            resident(1, "a", &["2027-03-14"]),
            resident(2, "b", &["2027-03-20"]),
            resident(3, "c", &["2027-03-14"]),
        ];
        assert_eq!(chosen(&nodes, &crowded, &["2027-03-14"]), "b");
    }

    #[test]
    fn among_nodes_without_a_clash_the_least_loaded_wins() {
        // b has two residents but four times a's size: less full on the event day.
        let nodes = [node("a", 2), node("b", 8)];
        let residents = [
            resident(1, "a", &["2027-03-10"]),
            resident(2, "b", &["2027-03-11"]),
            resident(3, "b", &["2027-03-12"]),
        ];
        assert_eq!(chosen(&nodes, &residents, &["2027-03-14"]), "b");
    }

    #[test]
    fn draining_and_unready_nodes_take_no_instances() {
        let mut drained = node("a", 8);
        drained.labels.insert(DRAIN_LABEL.into(), "true".into());
        let mut down = node("b", 8);
        down.ready = false;
        let mut swarm_drained = node("d", 8);
        swarm_drained.availability = "drain".into();
        let nodes = [drained, down, node("c", 1), swarm_drained];
        assert_eq!(chosen(&nodes, &[], &["2027-03-14"]), "c");
        assert!(
            choose_node(
                &nodes[..2],
                &[],
                &booking("2027-03-01", "2027-03-31", &[], PlanSize::Small),
                &DemandModel::default()
            )
            .is_none()
        );
    }

    #[test]
    fn a_drain_spreads_the_residents_by_their_event_days() {
        let nodes = [node("a", 4), node("b", 4), node("c", 4)];
        let residents = [
            resident(1, "a", &["2027-03-14"]),
            resident(2, "a", &["2027-03-14"]),
            resident(3, "a", &["2027-03-20"]),
            resident(4, "b", &["2027-03-20"]),
        ];
        let moves = plan_drain(&nodes, &residents, "a", &DemandModel::default());
        // 1 goes to the empty c, 2 (same day as 1) to b, 3 (same day as 4 on b) to c.
        assert_eq!(
            moves,
            vec![
                (1, Some("c".to_owned())),
                (2, Some("b".to_owned())),
                (3, Some("c".to_owned()))
            ]
        );
        let alone = [node("a", 4)];
        assert_eq!(
            plan_drain(&alone, &residents[..1], "a", &DemandModel::default()),
            vec![(1, None)]
        );
    }
}
