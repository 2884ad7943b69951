//! Admission at order time: the demand of the approved orders, phase by phase and hour by
//! hour, plus the new order's, against the usable capacity; and the nearest dates that fit
//! when the requested ones do not.
//!
//! Quiet stretches count at the quiet reservation even though an instance may hibernate
//! then (hibernation is not promised); archived instances reserve nothing.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use super::phases::{PhaseSettings, PhaseSpan, timeline};
use super::{DemandModel, Resources};
use crate::booking::{Booking, EventDay};

/// What the check is given besides the bookings.
#[derive(Debug, Clone, Copy)]
pub struct AdmissionRules<'a> {
    /// The reservations per plan and phase.
    pub model: &'a DemandModel,
    /// The phase lead times.
    pub phases: &'a PhaseSettings,
    /// What orders may use of the cluster ([`super::CapacityRules::usable`]).
    pub usable: Resources,
}

/// One day of the new order's stretch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayLoad {
    /// The day.
    pub date: NaiveDate,
    /// The approved orders' demand in the day's fullest hour.
    pub booked: Resources,
    /// The new order's demand in that hour.
    pub requested: Resources,
    /// Whether both fit into the usable capacity in every hour of the day.
    pub fits: bool,
}

/// The outcome of a check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Admission {
    /// Whether the new order fits in every hour.
    pub fits: bool,
    /// Every day from its provisioning to the end of its rental.
    pub days: Vec<DayLoad>,
}

impl Admission {
    /// The days that do not fit.
    pub fn overbooked(&self) -> impl Iterator<Item = &DayLoad> {
        self.days.iter().filter(|d| !d.fits)
    }
}

/// The demanding stretches of a booking (archived reserves nothing).
pub(super) fn demanding(
    booking: &Booking,
    model: &DemandModel,
    phases: &PhaseSettings,
) -> Vec<(PhaseSpan, Resources)> {
    let demand = model.of(booking.plan);
    timeline(booking, phases)
        .into_iter()
        .map(|span| (span, demand.in_phase(span.phase)))
        .filter(|(_, r)| *r != Resources::default())
        .collect()
}

/// Hourly demand of `bookings` over `[from, until)`, one entry per hour.
fn hourly(
    bookings: &[&Booking],
    rules: &AdmissionRules<'_>,
    from: NaiveDateTime,
    until: NaiveDateTime,
) -> Vec<Resources> {
    let hours = usize::try_from((until - from).num_hours().max(0)).unwrap_or(0);
    let mut load = vec![Resources::default(); hours];
    let index = |t: NaiveDateTime| {
        usize::try_from((t - from).num_hours().clamp(0, hours as i64)).unwrap_or(0)
    };
    for booking in bookings {
        for (span, demand) in demanding(booking, rules.model, rules.phases) {
            if span.until <= from || span.from >= until {
                continue;
            }
            // Spans begin and end on whole hours (lead times are whole hours).
            for slot in &mut load[index(span.from)..index(span.until)] {
                *slot += demand;
            }
        }
    }
    load
}

/// Whether `new` fits beside `approved`, day by day.
pub fn check(approved: &[Booking], new: &Booking, rules: &AdmissionRules<'_>) -> Admission {
    let spans = demanding(new, rules.model, rules.phases);
    let (Some(first), Some(last)) = (spans.first(), spans.last()) else {
        return Admission {
            fits: true,
            days: Vec::new(),
        };
    };
    let (from, until) = (first.0.from, last.0.until);
    let approved: Vec<&Booking> = approved.iter().collect();
    let booked = hourly(&approved, rules, from, until);
    let requested = hourly(&[new], rules, from, until);
    let mut days: BTreeMap<NaiveDate, DayLoad> = BTreeMap::new();
    for (hour, (booked, requested)) in booked.iter().zip(&requested).enumerate() {
        let date = (from + Duration::hours(hour as i64)).date();
        let fits = (*booked + *requested).fits_in(rules.usable);
        let day = days.entry(date).or_insert(DayLoad {
            date,
            booked: *booked,
            requested: *requested,
            fits: true,
        });
        if (*booked + *requested).load_percent(rules.usable)
            > (day.booked + day.requested).load_percent(rules.usable)
        {
            day.booked = *booked;
            day.requested = *requested;
        }
        day.fits &= fits;
    }
    let days: Vec<DayLoad> = days.into_values().collect();
    Admission {
        fits: days.iter().all(|d| d.fits),
        days,
    }
}

/// `booking` moved by `days` days (rental and event days alike).
pub fn shifted(booking: &Booking, days: i64) -> Booking {
    let by = Duration::days(days);
    Booking {
        start: booking.start + by,
        end: booking.end + by,
        event_days: booking
            .event_days
            .iter()
            .map(|d| EventDay {
                date: d.date + by,
                participants: d.participants,
            })
            .collect(),
        plan: booking.plan,
    }
}

/// The nearest move of `new` (whole days, later before earlier at the same distance, never
/// starting before `earliest`) that fits, within `max_days` either way; None when none does.
pub fn nearest_fit(
    approved: &[Booking],
    new: &Booking,
    rules: &AdmissionRules<'_>,
    earliest: NaiveDate,
    max_days: u32,
) -> Option<Booking> {
    (1..=i64::from(max_days))
        .flat_map(|d| [d, -d])
        .map(|d| shifted(new, d))
        .filter(|moved| moved.start >= earliest)
        .find(|moved| check(approved, moved, rules).fits)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::booking::PlanSize;
    use crate::capacity::fixtures::{booking, day};
    use crate::capacity::{MIB, NANO_CPUS_PER_CPU};

    /// Room for exactly two large events at once.
    fn rules<'a>(model: &'a DemandModel, phases: &'a PhaseSettings) -> AdmissionRules<'a> {
        AdmissionRules {
            model,
            phases,
            usable: model.large.event + model.large.event,
        }
    }

    #[test]
    fn events_fit_until_an_hour_is_overbooked() {
        let (model, phases) = (DemandModel::default(), PhaseSettings::default());
        let rules = rules(&model, &phases);
        let a = booking("2027-03-01", "2027-03-31", &["2027-03-10"], PlanSize::Large);
        let b = booking("2027-03-05", "2027-03-20", &["2027-03-10"], PlanSize::Large);
        let c = booking("2027-03-08", "2027-03-12", &["2027-03-10"], PlanSize::Small);
        let first = check(&[], &a, &rules);
        assert!(first.fits);
        assert_eq!(first.days.first().unwrap().date, day("2027-03-01"));
        assert_eq!(first.days.last().unwrap().date, day("2027-03-31"));
        assert!(
            check(std::slice::from_ref(&a), &b, &rules).fits,
            "two large events fill it"
        );
        let third = check(&[a.clone(), b.clone()], &c, &rules);
        assert!(!third.fits);
        let over: Vec<NaiveDate> = third.overbooked().map(|d| d.date).collect();
        // Event mode starts 12 hours before the day: the evening before is over too.
        assert_eq!(over, [day("2027-03-09"), day("2027-03-10")]);
        let peak = third
            .days
            .iter()
            .find(|d| d.date == day("2027-03-10"))
            .unwrap();
        assert_eq!(peak.booked, model.large.event + model.large.event);
        assert_eq!(peak.requested, model.small.event);
        // The same small event a week later fits (only quiet instances around then).
        let later = shifted(&c, 7);
        assert!(check(&[a.clone(), b.clone()], &later, &rules).fits);
    }

    #[test]
    fn the_nearest_dates_that_fit_are_proposed() {
        let (model, phases) = (DemandModel::default(), PhaseSettings::default());
        let rules = rules(&model, &phases);
        let a = booking("2027-03-01", "2027-03-31", &["2027-03-10"], PlanSize::Large);
        let b = booking("2027-03-01", "2027-03-31", &["2027-03-10"], PlanSize::Large);
        let c = booking("2027-03-09", "2027-03-11", &["2027-03-10"], PlanSize::Small);
        let moved =
            nearest_fit(&[a.clone(), b.clone()], &c, &rules, day("2027-01-01"), 30).unwrap();
        // One day later the event day is clear, but event mode begins the evening before,
        // which overlaps the others' event: two days later is the nearest.
        assert_eq!(moved.event_days[0].date, day("2027-03-12"));
        assert_eq!(moved.start, day("2027-03-11"));
        // Never before the earliest start allowed.
        let moved =
            nearest_fit(&[a.clone(), b.clone()], &c, &rules, day("2027-03-09"), 30).unwrap();
        assert!(moved.start >= day("2027-03-09"));
        // Nothing fits a plan larger than the cluster.
        let tiny = AdmissionRules {
            usable: Resources::new(NANO_CPUS_PER_CPU, 1024 * MIB),
            ..rules
        };
        let big = booking("2027-03-09", "2027-03-11", &["2027-03-10"], PlanSize::Large);
        assert!(nearest_fit(&[], &big, &tiny, day("2027-01-01"), 30).is_none());
    }

    #[test]
    fn archived_instances_reserve_nothing() {
        let (model, phases) = (DemandModel::default(), PhaseSettings::default());
        let tight = AdmissionRules {
            usable: model.large.event,
            ..rules(&model, &phases)
        };
        let old = booking("2027-01-01", "2027-01-31", &["2027-01-10"], PlanSize::Large);
        // In February the old one is archived: a new large event has the cluster to itself.
        let new = booking("2027-02-10", "2027-02-10", &["2027-02-10"], PlanSize::Large);
        assert!(check(&[old], &new, &tight).fits);
    }
}
