//! The staff overview's filter: by status, organisation, template version and event dates.

use chrono::NaiveDate;

use super::Status;

/// What staff filter the instance list by; `None` fields match everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InstanceFilter {
    /// Only instances with this observed status.
    pub status: Option<Status>,
    /// Only this organisation's instances.
    pub organisation_id: Option<i64>,
    /// Only instances running this version (image tag).
    pub version: Option<String>,
    /// Only instances with an event day on or after this day.
    pub event_from: Option<NaiveDate>,
    /// Only instances with an event day on or before this day.
    pub event_to: Option<NaiveDate>,
}

/// The facts of one instance the filter looks at.
#[derive(Debug, Clone, Copy)]
pub struct Filterable<'a> {
    /// Its observed status.
    pub status: Status,
    /// Its organisation.
    pub organisation_id: i64,
    /// Its version.
    pub version: &'a str,
    /// Its event days (from its order; none for instances created otherwise).
    pub event_days: &'a [NaiveDate],
}

impl InstanceFilter {
    /// Whether the instance passes every criterion. With event dates set, it needs one event
    /// day inside the (inclusive) range.
    pub fn matches(&self, item: &Filterable<'_>) -> bool {
        let by_dates = self.event_from.is_none() && self.event_to.is_none()
            || item.event_days.iter().any(|day| {
                self.event_from.is_none_or(|from| *day >= from)
                    && self.event_to.is_none_or(|to| *day <= to)
            });
        self.status.is_none_or(|s| s == item.status)
            && self
                .organisation_id
                .is_none_or(|o| o == item.organisation_id)
            && self.version.as_deref().is_none_or(|v| v == item.version)
            && by_dates
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn every_criterion_must_hold() {
        let days = [d("2027-03-01"), d("2027-03-05")];
        let item = Filterable {
            status: Status::Running,
            organisation_id: 7,
            version: "4.2.1",
            event_days: &days,
        };
        assert!(InstanceFilter::default().matches(&item));
        let only = |f: InstanceFilter| f.matches(&item);
        assert!(only(InstanceFilter {
            status: Some(Status::Running),
            ..Default::default()
        }));
        assert!(!only(InstanceFilter {
            status: Some(Status::Stopped),
            ..Default::default()
        }));
        assert!(!only(InstanceFilter {
            organisation_id: Some(8),
            ..Default::default()
        }));
        assert!(!only(InstanceFilter {
            version: Some("4.2.0".into()),
            ..Default::default()
        }));
        let range = |from: &str, to: &str| InstanceFilter {
            event_from: Some(d(from)),
            event_to: Some(d(to)),
            ..Default::default()
        };
        assert!(only(range("2027-03-02", "2027-03-05")));
        assert!(!only(range("2027-03-02", "2027-03-04")));
        assert!(only(InstanceFilter {
            event_from: Some(d("2027-03-05")),
            ..Default::default()
        }));
        assert!(!only(InstanceFilter {
            event_to: Some(d("2027-02-28")),
            ..Default::default()
        }));
        let no_events = Filterable {
            event_days: &[],
            ..item
        };
        assert!(!range("2000-01-01", "2100-01-01").matches(&no_events));
    }
}
