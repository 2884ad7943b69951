//! The staff overview: every instance with its organisation and event days, the filter
//! from the page's query, bulk upgrades with one outcome per instance, and the event
//! calendar.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use domain::access::Actor;
use domain::booking::{calendar, parse_date};
use domain::instance::{Filterable, InstanceFilter, Status};
use domain::order::OrderStatus;

use super::AppState;
use super::context::store_error;
use super::instances::{self, Request};
use crate::dto::{BulkOutcome, CalendarDayView, StaffInstanceRow};
use crate::error::AppError;

/// Most instances one bulk request may name.
pub const BULK_MAX: usize = 500;

/// The filter as the page's query sends it: empty fields match everything.
pub fn parse_filter(
    status: &str,
    org_id: &str,
    version: &str,
    event_from: &str,
    event_to: &str,
) -> Result<InstanceFilter, AppError> {
    fn given(s: &str) -> Option<&str> {
        Some(s.trim()).filter(|s| !s.is_empty())
    }
    let date = |field: &str, s: &str| given(s).map(|s| parse_date(field, s)).transpose();
    Ok(InstanceFilter {
        status: given(status)
            .map(|s| s.replace(' ', "-").parse::<Status>())
            .transpose()?,
        organisation_id: given(org_id)
            .map(|s| {
                s.parse()
                    .map_err(|_| AppError::invalid("org_id", "An organisation is given by its id."))
            })
            .transpose()?,
        version: given(version).map(str::to_owned),
        event_from: date("event_from", event_from)?,
        event_to: date("event_to", event_to)?,
    })
}

/// Instance ids as the page sends them: comma-separated.
pub fn parse_ids(ids: &str) -> Result<Vec<i64>, AppError> {
    let list: Vec<i64> = ids
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse()
                .map_err(|_| AppError::invalid("ids", "Select instances by their ids."))
        })
        .collect::<Result<_, _>>()?;
    if list.is_empty() || list.len() > BULK_MAX {
        return Err(AppError::invalid(
            "ids",
            format!("Select 1 to {BULK_MAX} instances."),
        ));
    }
    Ok(list)
}

/// Every instance passing `filter`, by id.
pub async fn rows(
    state: &AppState,
    filter: &InstanceFilter,
) -> Result<Vec<StaffInstanceRow>, AppError> {
    let orgs: BTreeMap<i64, String> = state
        .db
        .all_orgs()
        .await
        .map_err(store_error)?
        .into_iter()
        .map(|o| (o.org.id, o.org.name))
        .collect();
    let event_days: BTreeMap<i64, Vec<NaiveDate>> = state
        .db
        .orders_with_status(&[OrderStatus::Provisioned])
        .await
        .map_err(store_error)?
        .into_iter()
        .filter_map(|o| {
            let days = o.booking.event_days.iter().map(|e| e.date).collect();
            o.instance_id.map(|id| (id, days))
        })
        .collect();
    let records = state.db.all_instances().await.map_err(store_error)?;
    Ok(records
        .iter()
        .filter_map(|record| {
            let days = event_days.get(&record.id).map_or(&[][..], Vec::as_slice);
            filter
                .matches(&Filterable {
                    status: record.status,
                    organisation_id: record.organisation_id,
                    version: &record.version,
                    event_days: days,
                })
                .then(|| StaffInstanceRow {
                    instance: instances::view(state, record),
                    org_name: orgs
                        .get(&record.organisation_id)
                        .cloned()
                        .unwrap_or_default(),
                    event_days: days.iter().map(NaiveDate::to_string).collect(),
                    usage: state
                        .engine
                        .as_ref()
                        .map(|e| e.usage(record.id).into())
                        .unwrap_or_default(),
                })
        })
        .collect())
}

/// Asks for an upgrade of every instance in `ids` to `version`, one after the other; each
/// gets its own outcome (accepted, refused with the reason, or not found).
pub async fn bulk_upgrade(
    state: &AppState,
    actor: Actor,
    ids: &[i64],
    version: &str,
    force: bool,
) -> Vec<BulkOutcome> {
    let mut outcomes = Vec::with_capacity(ids.len());
    for &id in ids {
        let result = match state.db.instance(id).await {
            Ok(record) => match frozen(state, id, force).await {
                Ok(Some(day)) => Err(AppError::Refused(format!(
                    "skipped: its event on {day} is within the update freeze ({} days); force to upgrade anyway",
                    state.admissions.phases.update_freeze_days
                ))),
                Ok(None) => {
                    instances::act(state, &record, actor, Request::Upgrade(version.to_owned()))
                        .await
                }
                Err(e) => Err(e),
            },
            Err(e) => Err(store_error(e)),
        };
        outcomes.push(BulkOutcome {
            id,
            accepted: result.is_ok(),
            message: match result {
                Ok(_) => format!("upgrade to {version} requested"),
                Err(e) => e.to_string(),
            },
        });
    }
    outcomes
}

/// The event day that freezes updates of instance `id` today, unless `force`d.
async fn frozen(state: &AppState, id: i64, force: bool) -> Result<Option<NaiveDate>, AppError> {
    if force {
        return Ok(None);
    }
    Ok(state
        .db
        .order_of_instance(id)
        .await
        .map_err(store_error)?
        .and_then(|order| {
            domain::capacity::update_freeze(
                &order.booking,
                super::orders::today(),
                &state.admissions.phases,
            )
        }))
}

/// The event calendar of `days` days from `from`: orders approved or provisioned.
pub async fn event_calendar(
    state: &AppState,
    from: NaiveDate,
    days: u32,
) -> Result<Vec<CalendarDayView>, AppError> {
    let orders = state
        .db
        .orders_with_status(&[OrderStatus::Approved, OrderStatus::Provisioned])
        .await
        .map_err(store_error)?;
    Ok(calendar(orders.iter().map(|o| &o.booking), from, days)
        .into_iter()
        .map(|d| CalendarDayView {
            date: d.date.to_string(),
            in_rental: d.in_rental,
            with_event: d.with_event,
            participants: d.participants,
        })
        .collect())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn filters_come_from_the_query() {
        assert_eq!(
            parse_filter("", "", "", "", "").unwrap(),
            InstanceFilter::default()
        );
        let filter = parse_filter(
            "engine unreachable",
            " 7 ",
            "4.2.1",
            "2027-03-01",
            "2027-03-31",
        )
        .unwrap();
        assert_eq!(filter.status, Some(Status::EngineUnreachable));
        assert_eq!(filter.organisation_id, Some(7));
        assert_eq!(filter.version.as_deref(), Some("4.2.1"));
        assert_eq!(filter.event_to, Some("2027-03-31".parse().unwrap()));
        for (status, org, from) in [("sleeping", "", ""), ("", "seven", ""), ("", "", "March")] {
            assert!(matches!(
                parse_filter(status, org, "", from, ""),
                Err(AppError::Invalid { .. })
            ));
        }
    }

    #[test]
    fn bulk_ids_are_a_bounded_list() {
        assert_eq!(parse_ids("3, 5,,8").unwrap(), [3, 5, 8]);
        assert!(parse_ids("").is_err());
        assert!(parse_ids("3,x").is_err());
        let many = (0..=BULK_MAX)
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(",");
        assert!(parse_ids(&many).is_err());
    }
}
