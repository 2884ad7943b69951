//! The capacity calendar and its forecast: the booked demand per day (its fullest hour),
//! split by plan size, against the usable capacity; how many nodes like the current ones
//! must be added by when, and how many can be drained after when.

use chrono::{Duration, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use super::admission::demanding;
use super::phases::PhaseSettings;
use super::{DemandModel, Resources};
use crate::booking::{Booking, PlanSize};

/// One day of the calendar: the demand in its fullest hour, by plan size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayDemand {
    /// The day.
    pub date: NaiveDate,
    /// Small, medium and large instances' demand in that hour.
    pub by_plan: [Resources; 3],
}

impl DayDemand {
    /// The day's total.
    pub fn total(&self) -> Resources {
        self.by_plan
            .iter()
            .fold(Resources::default(), |sum, r| sum + *r)
    }
}

fn plan_index(plan: PlanSize) -> usize {
    match plan {
        PlanSize::Small => 0,
        PlanSize::Medium => 1,
        PlanSize::Large => 2,
    }
}

/// The demand of `bookings` on each of `days` days from `from`.
pub fn demand_calendar(
    bookings: &[Booking],
    from: NaiveDate,
    days: u32,
    model: &DemandModel,
    phases: &PhaseSettings,
) -> Vec<DayDemand> {
    let start: NaiveDateTime = from.and_hms_opt(0, 0, 0).unwrap_or_default();
    let hours = usize::try_from(days).unwrap_or(0) * 24;
    let mut load = vec![[Resources::default(); 3]; hours];
    for booking in bookings {
        let plan = plan_index(booking.plan);
        for (span, demand) in demanding(booking, model, phases) {
            let index = |t: NaiveDateTime| {
                usize::try_from((t - start).num_hours().clamp(0, hours as i64)).unwrap_or(0)
            };
            for slot in &mut load[index(span.from)..index(span.until)] {
                slot[plan] += demand;
            }
        }
    }
    load.chunks(24)
        .zip(0..)
        .map(|(day, offset)| {
            let capacity_order = |r: &[Resources; 3]| {
                let total = r[0] + r[1] + r[2];
                (total.nano_cpus, total.memory_bytes)
            };
            let peak = day
                .iter()
                .max_by_key(|r| capacity_order(r))
                .copied()
                .unwrap_or_default();
            DayDemand {
                date: from + Duration::days(offset),
                by_plan: peak,
            }
        })
        .collect()
}

/// What the calendar says about the cluster's size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Forecast {
    /// Nodes like the current ones to add, and the day they must be there by (the first
    /// overbooked day less the lead time); None when nothing is overbooked.
    pub add: Option<(u32, NaiveDate)>,
    /// Nodes that can be drained, and the day after which they are no longer needed; None
    /// when none can.
    pub drain: Option<(u32, NaiveDate)>,
}

/// How many `node`s cover `short` (0 when nothing is short; None when a node has nothing).
fn nodes_for(short: Resources, node: Resources) -> Option<u32> {
    let per = |need: i64, have: i64| -> Option<i64> {
        if need <= 0 {
            Some(0)
        } else if have <= 0 {
            None
        } else {
            Some((need + have - 1) / have)
        }
    };
    let n = per(short.nano_cpus, node.nano_cpus)?.max(per(short.memory_bytes, node.memory_bytes)?);
    u32::try_from(n).ok()
}

/// The forecast for `calendar` against `usable` capacity on `nodes` nodes of size `node`
/// (the average schedulable node), with `lead_days` to get a node.
pub fn forecast(
    calendar: &[DayDemand],
    usable: Resources,
    node: Resources,
    nodes: u32,
    lead_days: u32,
) -> Forecast {
    let add = calendar
        .iter()
        .filter(|d| !d.total().fits_in(usable))
        .filter_map(|d| nodes_for(d.total().saturating_sub(usable), node).map(|n| (n, d.date)))
        .fold(None, |acc: Option<(u32, NaiveDate)>, (n, date)| match acc {
            None => Some((n, date)),
            Some((most, first)) => Some((most.max(n), first.min(date))),
        })
        .map(|(n, first)| (n, first - Duration::days(i64::from(lead_days))));
    // The most nodes whose capacity no day after some date needs: for each count, the last
    // day it would be short.
    let mut drain = None;
    for n in 1..nodes {
        let less = Resources::new(
            node.nano_cpus.saturating_mul(i64::from(n)),
            node.memory_bytes.saturating_mul(i64::from(n)),
        );
        let smaller = usable.saturating_sub(less);
        let last_short = calendar
            .iter()
            .filter(|d| !d.total().fits_in(smaller))
            .map(|d| d.date)
            .max();
        match last_short {
            // Needed on the calendar's last day: not within sight.
            Some(day) if calendar.last().is_some_and(|l| l.date == day) => break,
            Some(day) => drain = Some((n, day)),
            None => drain = Some((n, calendar.first().map_or(day_zero(), |d| d.date))),
        }
    }
    Forecast { add, drain }
}

fn day_zero() -> NaiveDate {
    NaiveDate::default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capacity::fixtures::{self, day};

    fn booking(start: &str, end: &str, event: &str, plan: PlanSize) -> Booking {
        fixtures::booking(start, end, &[event], plan)
    }

    #[test]
    fn the_calendar_splits_the_peak_by_plan() {
        let model = DemandModel::default();
        let phases = PhaseSettings::default();
        let bookings = [
            booking("2027-03-01", "2027-03-05", "2027-03-03", PlanSize::Small),
            booking("2027-03-02", "2027-03-06", "2027-03-03", PlanSize::Large),
        ];
        let calendar = demand_calendar(&bookings, day("2027-03-01"), 7, &model, &phases);
        assert_eq!(calendar.len(), 7);
        assert_eq!(
            calendar[0].by_plan,
            [
                model.small.quiet,
                Resources::default(),
                Resources::default()
            ]
        );
        let event = calendar
            .iter()
            .find(|d| d.date == day("2027-03-03"))
            .unwrap();
        assert_eq!(
            event.by_plan,
            [model.small.event, Resources::default(), model.large.event]
        );
        assert_eq!(calendar[6].total(), Resources::default(), "both archived");
    }

    #[test]
    fn the_forecast_names_nodes_to_add_and_to_drain() {
        let model = DemandModel::default();
        let phases = PhaseSettings::default();
        let node = model.large.event;
        // Three large events on one day, the cluster holds two: one node more, a week early.
        let bookings: Vec<Booking> = (0..3)
            .map(|_| booking("2027-03-01", "2027-03-05", "2027-03-03", PlanSize::Large))
            .collect();
        let calendar = demand_calendar(&bookings, day("2027-03-01"), 30, &model, &phases);
        let usable = node + node;
        let f = forecast(&calendar, usable, node, 2, 7);
        assert_eq!(f.add, Some((1, day("2027-02-23"))));
        // With four nodes, three are spare once the event day is over (the quiet days after
        // it need less than a node).
        let f = forecast(&calendar, node + node + node + node, node, 4, 7);
        assert_eq!(f.add, None);
        assert_eq!(f.drain, Some((3, day("2027-03-03"))));
        // Nothing booked: all but one can go now.
        let f = forecast(
            &demand_calendar(&[], day("2027-03-01"), 30, &model, &phases),
            node + node,
            node,
            2,
            7,
        );
        assert_eq!(f.drain, Some((1, day("2027-03-01"))));
    }
}
