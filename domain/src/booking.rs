//! Booking an instance: the rental period, event days with expected participants, plan sizes,
//! and the rules an order must satisfy. Also the event calendar staff plan capacity with.

use crate::validation::{Invalid, check_max_len};
use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

/// How many participants an instance is sized for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum PlanSize {
    /// Up to 100 concurrent participants.
    Small,
    /// Up to 500 concurrent participants.
    Medium,
    /// Up to 2,000 concurrent participants.
    Large,
}

impl PlanSize {
    /// Every plan, smallest first.
    pub const ALL: [PlanSize; 3] = [PlanSize::Small, PlanSize::Medium, PlanSize::Large];

    /// The largest number of concurrent participants the plan is sized for.
    pub fn max_participants(self) -> u32 {
        match self {
            PlanSize::Small => 100,
            PlanSize::Medium => 500,
            PlanSize::Large => 2_000,
        }
    }

    /// The plan's stored and transmitted name.
    pub fn as_str(self) -> &'static str {
        match self {
            PlanSize::Small => "small",
            PlanSize::Medium => "medium",
            PlanSize::Large => "large",
        }
    }
}

impl fmt::Display for PlanSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for PlanSize {
    type Err = Invalid;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PlanSize::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| Invalid::new("plan", "Choose a plan: small, medium or large."))
    }
}

/// One day of the event, with the number of participants expected at the same time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventDay {
    /// The day.
    pub date: NaiveDate,
    /// Expected concurrent participants.
    pub participants: u32,
}

/// The rental period and event days of an order, as checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Booking {
    /// First day of the rental (inclusive).
    pub start: NaiveDate,
    /// Last day of the rental (inclusive).
    pub end: NaiveDate,
    /// The event days, in date order, each inside the rental period.
    pub event_days: Vec<EventDay>,
    /// The plan the instance is sized for.
    pub plan: PlanSize,
}

/// Limits that come from settings and the clock, not from the order.
#[derive(Debug, Clone, Copy)]
pub struct BookingRules {
    /// Today, in the platform's time zone.
    pub today: NaiveDate,
    /// The longest rental, in days.
    pub max_rental_days: u32,
}

/// Longest accepted contact line and note.
pub const CONTACT_MAX_LEN: usize = 200;
/// Longest accepted note.
pub const NOTE_MAX_LEN: usize = 2_000;

/// Parses a date typed as `YYYY-MM-DD`.
pub fn parse_date(field: &str, raw: &str) -> Result<NaiveDate, Invalid> {
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
        .map_err(|_| Invalid::new(field, "Enter a date as YYYY-MM-DD."))
}

/// Parses the event days, one per line: `YYYY-MM-DD participants` (blank lines ignored).
pub fn parse_event_days(raw: &str) -> Result<Vec<EventDay>, Invalid> {
    let field = "event_days";
    let mut days = Vec::new();
    for (number, line) in raw.lines().enumerate().map(|(i, l)| (i + 1, l.trim())) {
        if line.is_empty() {
            continue;
        }
        let mut parts = line.split_whitespace();
        let (Some(date), Some(count), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(Invalid::new(
                field,
                format!(
                    "Line {number}: write a date and a number of participants, e.g. 2027-03-14 250."
                ),
            ));
        };
        let date = NaiveDate::parse_from_str(date, "%Y-%m-%d").map_err(|_| {
            Invalid::new(
                field,
                format!("Line {number}: {date:?} is not a date (YYYY-MM-DD)."),
            )
        })?;
        let participants = count
            .parse::<u32>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| {
                Invalid::new(
                    field,
                    format!("Line {number}: {count:?} is not a positive number of participants."),
                )
            })?;
        days.push(EventDay { date, participants });
    }
    if days.is_empty() {
        return Err(Invalid::new(field, "Enter at least one event day."));
    }
    days.sort_by_key(|d| d.date);
    if let Some(pair) = days.windows(2).find(|w| w[0].date == w[1].date) {
        return Err(Invalid::new(
            field,
            format!("{} is listed twice.", pair[0].date),
        ));
    }
    Ok(days)
}

/// Checks a booking: end after start, not in the past, not longer than allowed, every event
/// day inside the period and within the plan's participants.
pub fn check_booking(booking: &Booking, rules: BookingRules) -> Result<(), Invalid> {
    if booking.start < rules.today {
        return Err(Invalid::new(
            "rental_start",
            "The rental cannot start in the past.",
        ));
    }
    if booking.end <= booking.start {
        return Err(Invalid::new(
            "rental_end",
            "The rental must end after it starts.",
        ));
    }
    let days = (booking.end - booking.start).num_days() + 1;
    if days > i64::from(rules.max_rental_days) {
        return Err(Invalid::new(
            "rental_end",
            format!(
                "A rental can last at most {} days; this one lasts {days}.",
                rules.max_rental_days
            ),
        ));
    }
    let max = booking.plan.max_participants();
    for day in &booking.event_days {
        if day.date < rules.today {
            return Err(Invalid::new(
                "event_days",
                format!("{} is in the past.", day.date),
            ));
        }
        if day.date < booking.start || day.date > booking.end {
            return Err(Invalid::new(
                "event_days",
                format!(
                    "{} is outside the rental period {} to {}.",
                    day.date, booking.start, booking.end
                ),
            ));
        }
        if day.participants > max {
            return Err(Invalid::new(
                "event_days",
                format!(
                    "{}: {} participants exceed the {} plan's {max}; choose a larger plan.",
                    day.date, day.participants, booking.plan
                ),
            ));
        }
    }
    Ok(())
}

/// Checks the free-text fields of an order.
pub fn check_contact_and_note(contact: &str, note: &str) -> Result<(), Invalid> {
    if contact.trim().is_empty() {
        return Err(Invalid::new(
            "contact",
            "Name someone we can reach about this order.",
        ));
    }
    check_max_len("contact", contact, CONTACT_MAX_LEN)?;
    check_max_len("note", note, NOTE_MAX_LEN)
}

/// One day of the event calendar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarDay {
    /// The day.
    pub date: NaiveDate,
    /// Instances whose rental period includes the day.
    pub in_rental: u32,
    /// Instances with an event on the day.
    pub with_event: u32,
    /// Expected concurrent participants over all events of the day.
    pub participants: u64,
}

/// The calendar of `days` days from `from`, over the given bookings.
pub fn calendar<'a>(
    bookings: impl IntoIterator<Item = &'a Booking>,
    from: NaiveDate,
    days: u32,
) -> Vec<CalendarDay> {
    let mut by_day: BTreeMap<NaiveDate, CalendarDay> = (0..days)
        .map(|offset| {
            let date = from + Duration::days(i64::from(offset));
            (
                date,
                CalendarDay {
                    date,
                    in_rental: 0,
                    with_event: 0,
                    participants: 0,
                },
            )
        })
        .collect();
    for booking in bookings {
        for (date, day) in by_day.range_mut(booking.start..=booking.end) {
            day.in_rental += 1;
            if let Some(event) = booking.event_days.iter().find(|e| e.date == *date) {
                day.with_event += 1;
                day.participants += u64::from(event.participants);
            }
        }
    }
    by_day.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    const RULES: fn() -> BookingRules = || BookingRules {
        today: d("2027-01-10"),
        max_rental_days: 90,
    };

    fn booking(start: &str, end: &str, events: &[(&str, u32)], plan: PlanSize) -> Booking {
        Booking {
            start: d(start),
            end: d(end),
            event_days: events
                .iter()
                .map(|(date, n)| EventDay {
                    date: d(date),
                    participants: *n,
                })
                .collect(),
            plan,
        }
    }

    #[test]
    fn a_good_booking_passes() {
        let b = booking(
            "2027-02-01",
            "2027-03-01",
            &[("2027-02-20", 90), ("2027-02-21", 80)],
            PlanSize::Small,
        );
        assert_eq!(check_booking(&b, RULES()), Ok(()));
    }

    #[test]
    fn each_rule_names_its_field() {
        let cases = [
            (
                booking(
                    "2027-01-01",
                    "2027-02-01",
                    &[("2027-01-20", 10)],
                    PlanSize::Small,
                ),
                "rental_start",
            ),
            (
                booking(
                    "2027-02-01",
                    "2027-02-01",
                    &[("2027-02-01", 10)],
                    PlanSize::Small,
                ),
                "rental_end",
            ),
            (
                booking(
                    "2027-02-01",
                    "2027-06-01",
                    &[("2027-02-20", 10)],
                    PlanSize::Small,
                ),
                "rental_end",
            ),
            (
                booking(
                    "2027-02-01",
                    "2027-03-01",
                    &[("2027-03-02", 10)],
                    PlanSize::Small,
                ),
                "event_days",
            ),
            (
                booking(
                    "2027-02-01",
                    "2027-03-01",
                    &[("2027-02-02", 101)],
                    PlanSize::Small,
                ),
                "event_days",
            ),
        ];
        for (b, field) in cases {
            assert_eq!(
                check_booking(&b, RULES()).unwrap_err().field,
                field,
                "{b:?}"
            );
        }
        let big = booking(
            "2027-02-01",
            "2027-03-01",
            &[("2027-02-02", 2000)],
            PlanSize::Large,
        );
        assert_eq!(check_booking(&big, RULES()), Ok(()));
    }

    #[test]
    fn event_days_are_parsed_line_by_line() {
        let days = parse_event_days("2027-02-21 80\n\n 2027-02-20 90 ").unwrap();
        assert_eq!(
            days[0],
            EventDay {
                date: d("2027-02-20"),
                participants: 90
            }
        );
        assert_eq!(days.len(), 2);
        for (raw, needle) in [
            ("", "at least one"),
            ("2027-02-20", "Line 1"),
            ("2027-02-20 x", "positive number"),
            ("2027-02-20 0", "positive number"),
            ("20.02.2027 5", "not a date"),
            ("2027-02-20 5\n2027-02-20 6", "twice"),
        ] {
            let err = parse_event_days(raw).unwrap_err();
            assert!(err.message.contains(needle), "{raw:?}: {}", err.message);
        }
    }

    #[test]
    fn calendar_counts_rentals_events_and_participants() {
        let a = booking(
            "2027-02-01",
            "2027-02-03",
            &[("2027-02-02", 90)],
            PlanSize::Small,
        );
        let b = booking(
            "2027-02-02",
            "2027-02-10",
            &[("2027-02-02", 300)],
            PlanSize::Medium,
        );
        let cal = calendar([&a, &b], d("2027-02-01"), 4);
        assert_eq!(cal.len(), 4);
        assert_eq!(
            (cal[0].in_rental, cal[0].with_event, cal[0].participants),
            (1, 0, 0)
        );
        assert_eq!(
            (cal[1].in_rental, cal[1].with_event, cal[1].participants),
            (2, 2, 390)
        );
        assert_eq!((cal[3].in_rental, cal[3].with_event), (1, 0));
    }

    #[test]
    fn plans_parse_and_bound_participants() {
        assert_eq!(
            "medium".parse::<PlanSize>().unwrap().max_participants(),
            500
        );
        assert_eq!("huge".parse::<PlanSize>().unwrap_err().field, "plan");
    }
}
