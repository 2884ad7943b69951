//! Admission of orders against the cluster's capacity: the `[capacity]` and `[phases]`
//! settings, and the verdict on a booking — day by day against what the approved orders
//! already reserve, with the nearest dates that fit. The rules are `domain::capacity`; this
//! module reads the Swarm's nodes through the engine and the approved orders from the store.
//! Without the engine there is no cluster to count: nothing is checked, and the answer says
//! so.

use chrono::NaiveDate;
use domain::booking::Booking;
use domain::capacity::admission::{Admission, AdmissionRules, check, nearest_fit};
use domain::capacity::forecast::{demand_calendar, forecast};
use domain::capacity::{
    CapacityRules, DemandModel, Node, PhaseSettings, Resources, SettingError, cluster_total,
};
use domain::order::OrderStatus;
use domain::template::{parse_cpus, parse_memory};
use serde::{Deserialize, Serialize};

use super::AppState;
use super::context::store_error;
use crate::dto::{
    AvailabilityView, CapacityCalendarView, CapacityDayView, DayLoadView, ResourcesView,
    SuggestedDates,
};
use crate::error::AppError;

/// The `[capacity]` settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CapacitySettings {
    /// Per cent of the cluster (after the reserve) kept free (0–90).
    pub headroom_percent: u32,
    /// CPUs reserved for Plenum, its database and the edge (compose notation, e.g. `"0.5"`).
    pub reserved_cpus: String,
    /// Memory reserved for them (compose notation, e.g. `"2G"`).
    pub reserved_memory: String,
    /// How many days either way the nearest fitting dates are looked for (1–365).
    pub search_days: u32,
    /// Days it takes to get a node (the forecast's "add by" date is that much earlier).
    pub node_lead_days: u32,
    /// What a `small` plan's instance reserves in event mode: CPUs (compose notation).
    pub small_cpus: String,
    /// … and memory.
    pub small_memory: String,
    /// What a `medium` plan's instance reserves in event mode: CPUs.
    pub medium_cpus: String,
    /// … and memory.
    pub medium_memory: String,
    /// What a `large` plan's instance reserves in event mode: CPUs.
    pub large_cpus: String,
    /// … and memory.
    pub large_memory: String,
    /// Per cent of its event-mode reservation an instance reserves in quiet mode (1–100).
    pub quiet_percent: u32,
}

impl Default for CapacitySettings {
    /// The figures of [`DemandModel::default`].
    fn default() -> Self {
        Self {
            headroom_percent: 20,
            reserved_cpus: "0.5".into(),
            reserved_memory: "1G".into(),
            search_days: 60,
            node_lead_days: 14,
            small_cpus: "0.5".into(),
            small_memory: "1G".into(),
            medium_cpus: "1".into(),
            medium_memory: "2G".into(),
            large_cpus: "2".into(),
            large_memory: "4G".into(),
            quiet_percent: 10,
        }
    }
}

impl CapacitySettings {
    /// The checked rules, or the setting that is wrong and what it accepts.
    pub fn rules(&self) -> Result<CapacityRules, SettingError> {
        if self.headroom_percent > 90 {
            return Err(SettingError::new(
                "capacity.headroom_percent",
                self.headroom_percent,
                "0 to 90 (per cent)",
            ));
        }
        if !(1..=365).contains(&self.search_days) {
            return Err(SettingError::new(
                "capacity.search_days",
                self.search_days,
                "1 to 365 (days)",
            ));
        }
        if self.node_lead_days > 365 {
            return Err(SettingError::new(
                "capacity.node_lead_days",
                self.node_lead_days,
                "0 to 365 (days)",
            ));
        }
        // Nothing reserved is "0" (the compose amounts themselves are positive).
        fn amount<E>(text: &str, parse: fn(&str) -> Result<i64, E>) -> Result<i64, E> {
            match text.trim() {
                "0" => Ok(0),
                text => parse(text),
            }
        }
        let nano_cpus = amount(&self.reserved_cpus, parse_cpus).map_err(|_| {
            SettingError::new(
                "capacity.reserved_cpus",
                &self.reserved_cpus,
                "CPUs such as \"1\", \"0.5\" or \"0\"",
            )
        })?;
        let memory_bytes = amount(&self.reserved_memory, parse_memory).map_err(|_| {
            SettingError::new(
                "capacity.reserved_memory",
                &self.reserved_memory,
                "memory such as \"2G\", \"512M\" or \"0\"",
            )
        })?;
        Ok(CapacityRules {
            headroom_percent: self.headroom_percent,
            reserved: Resources::new(nano_cpus, memory_bytes),
        })
    }

    /// The plans' reservations per phase, or the setting that is wrong.
    pub fn model(&self) -> Result<DemandModel, SettingError> {
        if !(1..=100).contains(&self.quiet_percent) {
            return Err(SettingError::new(
                "capacity.quiet_percent",
                self.quiet_percent,
                "1 to 100 (per cent of the event-mode reservation)",
            ));
        }
        let plan = |cpus: (&'static str, &str), memory: (&'static str, &str)| {
            let nano_cpus = parse_cpus(cpus.1).map_err(|_| {
                SettingError::new(cpus.0, cpus.1, "CPUs above zero, such as \"0.5\" or \"2\"")
            })?;
            let memory_bytes = parse_memory(memory.1).map_err(|_| {
                SettingError::new(
                    memory.0,
                    memory.1,
                    "memory above zero, such as \"512M\" or \"2G\"",
                )
            })?;
            Ok(Resources::new(nano_cpus, memory_bytes))
        };
        let small = plan(
            ("capacity.small_cpus", &self.small_cpus),
            ("capacity.small_memory", &self.small_memory),
        )?;
        let medium = plan(
            ("capacity.medium_cpus", &self.medium_cpus),
            ("capacity.medium_memory", &self.medium_memory),
        )?;
        let large = plan(
            ("capacity.large_cpus", &self.large_cpus),
            ("capacity.large_memory", &self.large_memory),
        )?;
        Ok(DemandModel::from_event(
            [small, medium, large],
            self.quiet_percent,
        ))
    }
}

/// What admission works with (checked settings and the demand model).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Admissions {
    /// Headroom and reserve.
    pub rules: CapacityRules,
    /// The phase lead times.
    pub phases: PhaseSettings,
    /// Reservations per plan and phase.
    pub model: DemandModel,
    /// Days either way to look for the nearest fitting dates.
    pub search_days: u32,
    /// Days it takes to get a node.
    pub node_lead_days: u32,
}

/// The verdict on a booking.
#[derive(Debug, Clone)]
pub struct Verdict {
    /// Day by day.
    pub admission: Admission,
    /// What orders may use of the cluster.
    pub usable: Resources,
    /// When it does not fit: the nearest move of the same booking that does.
    pub nearest: Option<Booking>,
}

/// The capacity orders may use now and the approved orders' bookings (by order id).
#[derive(Debug, Clone)]
pub struct Booked {
    usable: Resources,
    approved: Vec<(i64, Booking)>,
}

/// What is booked now; None when Plenum runs no engine or the Docker engine cannot be asked
/// (then nothing is checked).
pub async fn booked(state: &AppState) -> Result<Option<Booked>, AppError> {
    let Some((nodes, approved)) = nodes_and_bookings(state).await? else {
        return Ok(None);
    };
    Ok(Some(Booked {
        usable: state.admissions.rules.usable(cluster_total(&nodes)),
        approved,
    }))
}

/// The Swarm's nodes and the booking of every approved or provisioned order (by order id);
/// None when capacity is unknown (no engine, or the nodes cannot be read).
async fn nodes_and_bookings(
    state: &AppState,
) -> Result<Option<(Vec<Node>, Vec<(i64, Booking)>)>, AppError> {
    let Some(engine) = &state.engine else {
        return Ok(None);
    };
    let nodes = match engine.nodes().await {
        Ok(nodes) => nodes,
        Err(e) => {
            tracing::warn!(error = %e, "capacity unknown: the Swarm's nodes could not be read");
            return Ok(None);
        }
    };
    let bookings = state
        .db
        .orders_with_status(&[OrderStatus::Approved, OrderStatus::Provisioned])
        .await
        .map_err(store_error)?
        .into_iter()
        .map(|o| (o.id, o.booking))
        .collect();
    Ok(Some((nodes, bookings)))
}

impl Booked {
    /// The verdict on `booking` beside every approved order but `except` (the order being
    /// decided).
    pub fn verdict(
        &self,
        admissions: &Admissions,
        booking: &Booking,
        except: Option<i64>,
        today: NaiveDate,
    ) -> Verdict {
        let approved: Vec<Booking> = self
            .approved
            .iter()
            .filter(|(id, _)| Some(*id) != except)
            .map(|(_, b)| b.clone())
            .collect();
        let rules = AdmissionRules {
            model: &admissions.model,
            phases: &admissions.phases,
            usable: self.usable,
        };
        let admission = check(&approved, booking, &rules);
        let nearest = (!admission.fits)
            .then(|| nearest_fit(&approved, booking, &rules, today, admissions.search_days))
            .flatten();
        Verdict {
            admission,
            usable: self.usable,
            nearest,
        }
    }
}

/// The verdict on `booking` beside every approved order but `except`; None when capacity
/// is unknown ([`booked`]).
pub async fn assess(
    state: &AppState,
    booking: &Booking,
    except: Option<i64>,
    today: NaiveDate,
) -> Result<Option<Verdict>, AppError> {
    Ok(booked(state)
        .await?
        .map(|b| b.verdict(&state.admissions, booking, except, today)))
}

/// The capacity calendar of `days` days from `today`: demand per day by plan size against
/// the usable capacity, with the forecast (staff). Unknown without the engine.
pub async fn calendar(
    state: &AppState,
    today: NaiveDate,
    days: u32,
) -> Result<CapacityCalendarView, AppError> {
    let unknown = || CapacityCalendarView {
        known: false,
        nodes: 0,
        usable: ResourcesView::from(Resources::default()),
        days: Vec::new(),
        add_nodes: None,
        drain_nodes: None,
    };
    let Some((nodes, bookings)) = nodes_and_bookings(state).await? else {
        return Ok(unknown());
    };
    let admissions = &state.admissions;
    let total = cluster_total(&nodes);
    let usable = admissions.rules.usable(total);
    let count = u32::try_from(nodes.iter().filter(|n| n.schedulable()).count()).unwrap_or(0);
    let average = if count == 0 {
        Resources::default()
    } else {
        Resources::new(
            total.nano_cpus / i64::from(count),
            total.memory_bytes / i64::from(count),
        )
    };
    let bookings: Vec<Booking> = bookings.into_iter().map(|(_, b)| b).collect();
    let demand = demand_calendar(
        &bookings,
        today,
        days,
        &admissions.model,
        &admissions.phases,
    );
    // The forecast speaks of whole nodes after the headroom and reserve.
    let usable_node = average.saturating_sub(average.percent(admissions.rules.headroom_percent));
    let outlook = forecast(
        &demand,
        usable,
        usable_node,
        count,
        admissions.node_lead_days,
    );
    Ok(CapacityCalendarView {
        known: true,
        nodes: count,
        usable: ResourcesView::from(usable),
        days: demand
            .iter()
            .map(|d| CapacityDayView {
                date: d.date.to_string(),
                by_plan: d.by_plan.map(ResourcesView::from),
                overbooked: !d.total().fits_in(usable),
            })
            .collect(),
        add_nodes: outlook.add.map(|(n, by)| (n, by.to_string())),
        drain_nodes: outlook.drain.map(|(n, after)| (n, after.to_string())),
    })
}

/// The event-days field as the order form takes it.
fn event_days_text(booking: &Booking) -> String {
    booking
        .event_days
        .iter()
        .map(|d| format!("{} {}", d.date, d.participants))
        .collect::<Vec<_>>()
        .join("\n")
}

/// `verdict` for the browser (None: capacity unknown); the approved orders' load only with
/// `show_booked` (staff), so that customers learn nothing of others' bookings but whether
/// their own dates fit.
pub fn view(verdict: Option<&Verdict>, show_booked: bool) -> AvailabilityView {
    let Some(verdict) = verdict else {
        return AvailabilityView {
            known: false,
            fits: true,
            days: Vec::new(),
            nearest: None,
        };
    };
    AvailabilityView {
        known: true,
        fits: verdict.admission.fits,
        days: verdict
            .admission
            .days
            .iter()
            .map(|d| DayLoadView {
                date: d.date.to_string(),
                booked_percent: show_booked.then(|| d.booked.load_percent(verdict.usable)),
                requested_percent: d.requested.load_percent(verdict.usable),
                fits: d.fits,
            })
            .collect(),
        nearest: verdict.nearest.as_ref().map(|b| SuggestedDates {
            rental_start: b.start.to_string(),
            rental_end: b.end.to_string(),
            event_days: event_days_text(b),
        }),
    }
}

/// The refusal of a booking that does not fit, naming the overbooked days and the nearest
/// dates that fit, on the field `event_days`.
pub fn refusal(verdict: &Verdict) -> AppError {
    let days: Vec<String> = verdict
        .admission
        .overbooked()
        .map(|d| d.date.to_string())
        .collect();
    let shown = days.iter().take(5).cloned().collect::<Vec<_>>().join(", ");
    let more = days.len().saturating_sub(5);
    let more = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    let proposal = match &verdict.nearest {
        Some(b) => format!(
            " The nearest dates that fit: rental {} to {}, event days {}.",
            b.start,
            b.end,
            b.event_days
                .iter()
                .map(|d| d.date.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        None => " No dates nearby fit; please contact us.".to_owned(),
    };
    AppError::Invalid {
        field: "event_days".into(),
        message: format!("The platform is fully booked on {shown}{more} for this plan.{proposal}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_checked_with_the_setting_named() {
        assert!(CapacitySettings::default().rules().is_ok());
        // The default figures are the model's defaults; each plan's can be set.
        assert_eq!(
            CapacitySettings::default().model().unwrap(),
            DemandModel::default()
        );
        let mut bigger = CapacitySettings {
            medium_cpus: "1.5".into(),
            quiet_percent: 20,
            ..CapacitySettings::default()
        };
        let model = bigger.model().unwrap();
        assert_eq!(model.medium.event.nano_cpus, 1_500_000_000);
        assert_eq!(model.medium.quiet.nano_cpus, 300_000_000);
        assert_eq!(
            model.small,
            DemandModel::from_event([model.small.event; 3], 20).small
        );
        bigger.large_memory = "0".into();
        let error = bigger.model().unwrap_err();
        assert_eq!(
            (error.setting, error.value.as_str()),
            ("capacity.large_memory", "0")
        );
        bigger.quiet_percent = 0;
        assert_eq!(
            bigger.model().unwrap_err().setting,
            "capacity.quiet_percent"
        );
        let bad = CapacitySettings {
            reserved_memory: "lots".into(),
            ..CapacitySettings::default()
        };
        let error = bad.rules().unwrap_err();
        assert_eq!(error.setting, "capacity.reserved_memory");
        assert_eq!(error.value, bad.reserved_memory);
        let bad = CapacitySettings {
            headroom_percent: 95,
            ..CapacitySettings::default()
        };
        assert_eq!(
            bad.rules().unwrap_err().setting,
            "capacity.headroom_percent"
        );
    }
}
