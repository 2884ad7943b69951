//! The phases of a rented instance, from its order's rental period and event days.
//!
//! * provisioned at the rental's start, or — with a provisioning lead time — that many days
//!   before the first event day when that is later;
//! * **event mode** (the plan's full size) from `event_lead_hours` before each event day
//!   (00:00 UTC) until the day's end; event days in a row make one span;
//! * **quiet** (minimal replicas and reservations) between;
//! * **hibernated** (no running tasks, data kept) instead of quiet while the owner allows it
//!   and nobody has used the instance for `hibernate_after_hours` — decided at run time by
//!   [`may_hibernate`], not in the timeline;
//! * **archived** (stopped, kept) for `archive_days` after the rental; then erased.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use super::SettingError;
use crate::booking::Booking;
use crate::instance::Lifecycle;
use crate::template::Template;

/// What an instance runs as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    /// Minimal replicas and reservations: preparation and follow-up.
    Quiet,
    /// The plan's full size: around an event day.
    Event,
    /// No running tasks, data kept; woken on request.
    Hibernated,
    /// After the rental: stopped, kept for the archive period.
    Archived,
}

impl Phase {
    /// The phase's stored and shown name.
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Quiet => "quiet",
            Phase::Event => "event",
            Phase::Hibernated => "hibernated",
            Phase::Archived => "archived",
        }
    }

    /// The phase named `s`.
    pub fn parse(s: &str) -> Option<Phase> {
        [
            Phase::Quiet,
            Phase::Event,
            Phase::Hibernated,
            Phase::Archived,
        ]
        .into_iter()
        .find(|p| p.as_str() == s)
    }
}

/// The lead times and periods of the phases (the `[phases]` settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PhaseSettings {
    /// Hours before an event day's start (00:00 UTC) that event mode begins (0–72).
    pub event_lead_hours: u32,
    /// Provision this many days before the first event day instead of at the rental's
    /// start, when that is later (0: at the rental's start).
    pub provision_lead_days: u32,
    /// Hours without use after which a quiet instance may hibernate (1–720).
    pub hibernate_after_hours: u32,
    /// Days an instance is kept, stopped, after its rental (0–3650).
    pub archive_days: u32,
    /// Bulk upgrades skip an instance with an event day within this many days (0–60).
    pub update_freeze_days: u32,
    /// Minutes between two passes of the phase scheduler (1–60).
    pub check_minutes: u32,
}

impl Default for PhaseSettings {
    fn default() -> Self {
        Self {
            event_lead_hours: 12,
            provision_lead_days: 0,
            hibernate_after_hours: 48,
            archive_days: 30,
            update_freeze_days: 3,
            check_minutes: 5,
        }
    }
}

impl PhaseSettings {
    /// The first setting out of range, with its value and what it accepts.
    pub fn check(&self) -> Result<(), SettingError> {
        super::check_ranges([
            (
                "phases.event_lead_hours",
                self.event_lead_hours,
                0..=72,
                "0 to 72 hours",
            ),
            (
                "phases.provision_lead_days",
                self.provision_lead_days,
                0..=365,
                "0 to 365 days",
            ),
            (
                "phases.hibernate_after_hours",
                self.hibernate_after_hours,
                1..=720,
                "1 to 720 hours",
            ),
            (
                "phases.archive_days",
                self.archive_days,
                0..=3650,
                "0 to 3650 days",
            ),
            (
                "phases.update_freeze_days",
                self.update_freeze_days,
                0..=60,
                "0 to 60 days",
            ),
            (
                "phases.check_minutes",
                self.check_minutes,
                1..=60,
                "1 to 60 minutes",
            ),
        ])
    }
}

/// One stretch of the timeline: `phase` from `from` (inclusive) until `until` (exclusive),
/// in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhaseSpan {
    /// The phase.
    pub phase: Phase,
    /// When it begins.
    pub from: NaiveDateTime,
    /// When it ends.
    pub until: NaiveDateTime,
}

fn midnight(day: NaiveDate) -> NaiveDateTime {
    day.and_hms_opt(0, 0, 0).unwrap_or_default()
}

/// When `booking`'s instance is provisioned.
pub fn provisioned_at(booking: &Booking, settings: &PhaseSettings) -> NaiveDateTime {
    let lead = Duration::days(i64::from(settings.provision_lead_days));
    let start = match booking.event_days.first() {
        Some(first) if settings.provision_lead_days > 0 => booking.start.max(first.date - lead),
        _ => booking.start,
    };
    midnight(start)
}

/// The planned timeline of `booking`'s instance, contiguous from provisioning to erasure
/// (hibernation is not planned: see [`may_hibernate`]).
pub fn timeline(booking: &Booking, settings: &PhaseSettings) -> Vec<PhaseSpan> {
    let start = provisioned_at(booking, settings);
    let rental_end = midnight(booking.end + Duration::days(1));
    let lead = Duration::hours(i64::from(settings.event_lead_hours));
    // Event spans, merged where they touch or overlap, clipped to the rental.
    let mut events: Vec<(NaiveDateTime, NaiveDateTime)> = Vec::new();
    for day in &booking.event_days {
        let from = (midnight(day.date) - lead).max(start);
        let until = midnight(day.date + Duration::days(1)).min(rental_end);
        if from >= until {
            continue;
        }
        match events.last_mut() {
            Some(last) if from <= last.1 => last.1 = last.1.max(until),
            _ => events.push((from, until)),
        }
    }
    let mut spans = Vec::new();
    let mut at = start;
    for (from, until) in events {
        if at < from {
            spans.push(PhaseSpan {
                phase: Phase::Quiet,
                from: at,
                until: from,
            });
        }
        spans.push(PhaseSpan {
            phase: Phase::Event,
            from,
            until,
        });
        at = until;
    }
    if at < rental_end {
        spans.push(PhaseSpan {
            phase: Phase::Quiet,
            from: at,
            until: rental_end,
        });
    }
    spans.push(PhaseSpan {
        phase: Phase::Archived,
        from: rental_end,
        until: rental_end + Duration::days(i64::from(settings.archive_days)),
    });
    spans
}

/// The planned phase at `at`: None before provisioning and after erasure.
pub fn phase_at(timeline: &[PhaseSpan], at: NaiveDateTime) -> Option<Phase> {
    timeline
        .iter()
        .find(|s| s.from <= at && at < s.until)
        .map(|s| s.phase)
}

/// The next change after `at`: when, and the phase then (None: erased).
pub fn next_change(
    timeline: &[PhaseSpan],
    at: NaiveDateTime,
) -> Option<(NaiveDateTime, Option<Phase>)> {
    let first = timeline.first()?;
    if at < first.from {
        return Some((first.from, Some(first.phase)));
    }
    let index = timeline.iter().position(|s| s.from <= at && at < s.until)?;
    let until = timeline[index].until;
    Some((until, timeline.get(index + 1).map(|s| s.phase)))
}

/// What the phase scheduler does with an instance now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhaseStep {
    /// It is in the phase it should be in.
    Stay,
    /// It enters this phase.
    Enter(Phase),
    /// Its archive period is over: it is removed (and erased after the removal grace).
    Remove,
}

/// The step for an instance whose order's timeline is `timeline`, that last entered
/// `recorded`, and that staff may have pinned to `pin` (which then wins over the calendar).
/// A quiet stretch is spent hibernated while `may_hibernate` ([`may_hibernate`]).
pub fn decide(
    timeline: &[PhaseSpan],
    now: NaiveDateTime,
    recorded: Option<Phase>,
    pin: Option<Phase>,
    may_hibernate: bool,
) -> PhaseStep {
    let planned = phase_at(timeline, now).map(|phase| match phase {
        Phase::Quiet if may_hibernate => Phase::Hibernated,
        phase => phase,
    });
    match pin.or(planned) {
        Some(target) if Some(target) == recorded => PhaseStep::Stay,
        Some(target) => PhaseStep::Enter(target),
        None if timeline.last().is_some_and(|last| now >= last.until) => PhaseStep::Remove,
        None => PhaseStep::Stay,
    }
}

/// How an instance runs in `phase`: its lifecycle, and its replicas — the plan's in event
/// mode, each scalable service's minimum in quiet mode, the plan's (kept for waking up)
/// when stopped.
pub fn phase_desired(
    phase: Phase,
    template: &Template,
    plan_replicas: &BTreeMap<String, u64>,
) -> (Lifecycle, BTreeMap<String, u64>) {
    match phase {
        Phase::Event => (Lifecycle::Running, plan_replicas.clone()),
        Phase::Quiet => {
            let mut quiet = plan_replicas.clone();
            for service in template.service_names() {
                if let Some(rule) = template.scaling_rule(service) {
                    quiet.insert(service.to_owned(), rule.min.max(1));
                }
            }
            (Lifecycle::Running, quiet)
        }
        Phase::Hibernated | Phase::Archived => (Lifecycle::Stopped, plan_replicas.clone()),
    }
}

/// The event day that freezes updates of `booking`'s instance on `today`: the first event
/// day from today to `update_freeze_days` days ahead (None: no freeze).
pub fn update_freeze(
    booking: &Booking,
    today: NaiveDate,
    settings: &PhaseSettings,
) -> Option<NaiveDate> {
    let until = today + Duration::days(i64::from(settings.update_freeze_days));
    booking
        .event_days
        .iter()
        .map(|d| d.date)
        .find(|d| (today..=until).contains(d))
}

/// Whether an instance may hibernate at `now`: its owner allows it, and its last use (or,
/// never used, its provisioning) lies `hibernate_after_hours` back. Only quiet stretches
/// are spent hibernated ([`decide`]).
pub fn may_hibernate(
    owner_allows: bool,
    last_used: NaiveDateTime,
    now: NaiveDateTime,
    settings: &PhaseSettings,
) -> bool {
    owner_allows && now - last_used >= Duration::hours(i64::from(settings.hibernate_after_hours))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::booking::PlanSize;
    use crate::capacity::fixtures::{self, day};

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    fn booking(start: &str, end: &str, events: &[&str]) -> Booking {
        fixtures::booking(start, end, events, PlanSize::Small)
    }

    fn phases(spans: &[PhaseSpan]) -> Vec<(Phase, String, String)> {
        spans
            .iter()
            .map(|s| {
                (
                    s.phase,
                    s.from.format("%m-%d %H").to_string(),
                    s.until.format("%m-%d %H").to_string(),
                )
            })
            .collect()
    }

    #[test]
    fn a_rental_is_quiet_event_quiet_event_quiet_then_archived() {
        let b = booking(
            "2027-03-01",
            "2027-03-31",
            &["2027-03-10", "2027-03-11", "2027-03-20"],
        );
        let spans = timeline(&b, &PhaseSettings::default());
        let s = |p, f: &str, u: &str| (p, f.to_owned(), u.to_owned());
        assert_eq!(
            phases(&spans),
            [
                s(Phase::Quiet, "03-01 00", "03-09 12"),
                s(Phase::Event, "03-09 12", "03-12 00"),
                s(Phase::Quiet, "03-12 00", "03-19 12"),
                s(Phase::Event, "03-19 12", "03-21 00"),
                s(Phase::Quiet, "03-21 00", "04-01 00"),
                s(Phase::Archived, "04-01 00", "05-01 00"),
            ]
        );
        assert_eq!(phase_at(&spans, at("2027-02-28 23:59")), None);
        assert_eq!(phase_at(&spans, at("2027-03-09 11:59")), Some(Phase::Quiet));
        assert_eq!(phase_at(&spans, at("2027-03-09 12:00")), Some(Phase::Event));
        assert_eq!(phase_at(&spans, at("2027-05-01 00:00")), None, "erased");
        assert_eq!(
            next_change(&spans, at("2027-03-05 08:00")),
            Some((at("2027-03-09 12:00"), Some(Phase::Event)))
        );
        assert_eq!(
            next_change(&spans, at("2027-02-01 00:00")),
            Some((at("2027-03-01 00:00"), Some(Phase::Quiet)))
        );
        assert_eq!(
            next_change(&spans, at("2027-04-15 00:00")),
            Some((at("2027-05-01 00:00"), None))
        );
    }

    #[test]
    fn lead_times_are_clipped_to_the_rental_and_provisioning_may_wait() {
        // The event on the rental's first day: event mode from provisioning.
        let b = booking("2027-03-01", "2027-03-01", &["2027-03-01"]);
        let spans = timeline(&b, &PhaseSettings::default());
        assert_eq!(spans[0].phase, Phase::Event);
        assert_eq!(spans[0].from, at("2027-03-01 00:00"));
        assert_eq!(spans[1].phase, Phase::Archived);
        // Provisioning a week before the first event day, not at a rental start a month out.
        let settings = PhaseSettings {
            provision_lead_days: 7,
            event_lead_hours: 0,
            ..PhaseSettings::default()
        };
        let b = booking("2027-02-01", "2027-03-31", &["2027-03-10"]);
        let spans = timeline(&b, &settings);
        assert_eq!(spans[0].from, at("2027-03-03 00:00"));
        assert_eq!(spans[1].from, at("2027-03-10 00:00"));
        // No event days: quiet for the whole rental.
        let b = booking("2027-02-01", "2027-02-03", &[]);
        let spans = timeline(&b, &PhaseSettings::default());
        assert_eq!(spans.len(), 2);
        assert_eq!(spans[0].phase, Phase::Quiet);
    }

    #[test]
    fn only_an_unused_instance_whose_owner_allows_it_may_hibernate() {
        let settings = PhaseSettings::default();
        let used = at("2027-03-01 00:00");
        let later = at("2027-03-03 00:00");
        assert!(may_hibernate(true, used, later, &settings));
        assert!(!may_hibernate(false, used, later, &settings));
        assert!(!may_hibernate(
            true,
            used,
            at("2027-03-02 23:59"),
            &settings
        ));
    }

    #[test]
    fn only_quiet_stretches_are_spent_hibernated_and_a_use_wakes() {
        let b = booking("2027-03-01", "2027-03-31", &["2027-03-10"]);
        let spans = timeline(&b, &PhaseSettings::default());
        let quiet = at("2027-03-05 12:00");
        let event = at("2027-03-10 08:00");
        let hibernated = Some(Phase::Hibernated);
        assert_eq!(
            decide(&spans, quiet, Some(Phase::Quiet), None, true),
            PhaseStep::Enter(Phase::Hibernated)
        );
        assert_eq!(
            decide(&spans, quiet, hibernated, None, true),
            PhaseStep::Stay
        );
        // Used again (a wake): quiet.
        assert_eq!(
            decide(&spans, quiet, hibernated, None, false),
            PhaseStep::Enter(Phase::Quiet)
        );
        // The event comes whether or not anybody used it; a pin wins.
        assert_eq!(
            decide(&spans, event, hibernated, None, true),
            PhaseStep::Enter(Phase::Event)
        );
        assert_eq!(
            decide(&spans, quiet, Some(Phase::Quiet), Some(Phase::Quiet), true),
            PhaseStep::Stay
        );
        assert_eq!(
            decide(&spans, at("2027-04-02 00:00"), hibernated, None, true),
            PhaseStep::Enter(Phase::Archived)
        );
    }

    #[test]
    fn the_scheduler_enters_each_phase_once_and_a_pin_wins() {
        let b = booking("2027-03-01", "2027-03-31", &["2027-03-10"]);
        let spans = timeline(&b, &PhaseSettings::default());
        let noon = at("2027-03-05 12:00");
        assert_eq!(
            decide(&spans, noon, None, None, false),
            PhaseStep::Enter(Phase::Quiet)
        );
        assert_eq!(
            decide(&spans, noon, Some(Phase::Quiet), None, false),
            PhaseStep::Stay
        );
        assert_eq!(
            decide(
                &spans,
                at("2027-03-10 08:00"),
                Some(Phase::Quiet),
                None,
                false
            ),
            PhaseStep::Enter(Phase::Event)
        );
        assert_eq!(
            decide(&spans, noon, Some(Phase::Quiet), Some(Phase::Event), false),
            PhaseStep::Enter(Phase::Event),
            "pinned"
        );
        assert_eq!(
            decide(
                &spans,
                at("2027-04-02 00:00"),
                Some(Phase::Quiet),
                None,
                false
            ),
            PhaseStep::Enter(Phase::Archived)
        );
        assert_eq!(
            decide(
                &spans,
                at("2027-05-01 00:00"),
                Some(Phase::Archived),
                None,
                false
            ),
            PhaseStep::Remove
        );
    }

    #[test]
    fn quiet_runs_the_minimum_and_stopped_phases_keep_the_plan() {
        let demo = crate::template::builtin("demo").unwrap();
        let plan = BTreeMap::from([("web".to_owned(), 4), ("db".to_owned(), 1)]);
        assert_eq!(
            phase_desired(Phase::Event, &demo, &plan),
            (Lifecycle::Running, plan.clone())
        );
        let (lifecycle, quiet) = phase_desired(Phase::Quiet, &demo, &plan);
        assert_eq!(lifecycle, Lifecycle::Running);
        assert_eq!(quiet["web"], 1);
        assert_eq!(quiet["db"], 1);
        for phase in [Phase::Hibernated, Phase::Archived] {
            assert_eq!(
                phase_desired(phase, &demo, &plan),
                (Lifecycle::Stopped, plan.clone())
            );
        }
    }

    #[test]
    fn updates_freeze_in_the_days_before_an_event_day() {
        let b = booking("2027-03-01", "2027-03-31", &["2027-03-10", "2027-03-20"]);
        let settings = PhaseSettings::default();
        assert_eq!(update_freeze(&b, day("2027-03-06"), &settings), None);
        assert_eq!(
            update_freeze(&b, day("2027-03-07"), &settings),
            Some(day("2027-03-10"))
        );
        assert_eq!(
            update_freeze(&b, day("2027-03-10"), &settings),
            Some(day("2027-03-10"))
        );
        assert_eq!(update_freeze(&b, day("2027-03-11"), &settings), None);
        let none = PhaseSettings {
            update_freeze_days: 0,
            ..settings
        };
        assert_eq!(update_freeze(&b, day("2027-03-09"), &none), None);
    }

    #[test]
    fn settings_out_of_range_are_named() {
        let bad = PhaseSettings {
            hibernate_after_hours: 0,
            ..PhaseSettings::default()
        };
        let error = bad.check().unwrap_err();
        assert_eq!(error.setting, "phases.hibernate_after_hours");
        assert_eq!(error.value, bad.hibernate_after_hours.to_string());
        assert!(PhaseSettings::default().check().is_ok());
    }
}
