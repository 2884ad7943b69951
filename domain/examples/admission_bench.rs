//! How long admission takes with many approved orders: `check` (hour by hour over the new
//! order's stretch) and `nearest_fit` when nothing nearby fits, and the 90-day capacity
//! calendar. Figures in BENCHMARKS.md.
//!
//! `cargo run --release -p domain --example admission_bench -- 1000`

use std::time::Instant;

use chrono::{Duration, NaiveDate};
use domain::booking::{Booking, EventDay, PlanSize};
use domain::capacity::admission::{AdmissionRules, check, nearest_fit};
use domain::capacity::forecast::demand_calendar;
use domain::capacity::{DemandModel, MIB, NANO_CPUS_PER_CPU, PhaseSettings, Resources};

fn main() {
    let orders: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(1000);
    let start = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap_or_default();
    // Rentals of 30 days spread over a year, two event days each, plans in turn.
    let approved: Vec<Booking> = (0..orders)
        .map(|i| {
            let from = start + Duration::days((i * 7 % 330) as i64);
            Booking {
                start: from,
                end: from + Duration::days(29),
                event_days: [10, 11]
                    .into_iter()
                    .map(|d| EventDay {
                        date: from + Duration::days(d),
                        participants: 100,
                    })
                    .collect(),
                plan: PlanSize::ALL[i % 3],
            }
        })
        .collect();
    let model = DemandModel::default();
    let phases = PhaseSettings::default();
    // A cluster big enough that most checks pass: 400 CPUs, 800 GiB.
    let rules = AdmissionRules {
        model: &model,
        phases: &phases,
        usable: Resources::new(400 * NANO_CPUS_PER_CPU, 800 * 1024 * MIB),
    };
    let new = Booking {
        start: start + Duration::days(100),
        end: start + Duration::days(129),
        event_days: vec![EventDay {
            date: start + Duration::days(110),
            participants: 2000,
        }],
        plan: PlanSize::Large,
    };
    let runs = 20;
    let timed = |label: &str, f: &dyn Fn()| {
        let t = Instant::now();
        for _ in 0..runs {
            f();
        }
        let each = t.elapsed() / runs;
        println!("{label}: {each:?} per run ({orders} approved orders)");
    };
    timed("check (fits)", &|| {
        assert!(check(&approved, &new, &rules).fits);
    });
    let full = AdmissionRules {
        usable: Resources::new(NANO_CPUS_PER_CPU, 1024 * MIB),
        ..rules
    };
    timed("check + nearest_fit over ±60 days (none fits)", &|| {
        assert!(!check(&approved, &new, &full).fits);
        assert!(nearest_fit(&approved, &new, &full, start, 60).is_none());
    });
    timed("capacity calendar, 90 days", &|| {
        assert_eq!(
            demand_calendar(&approved, start, 90, &model, &phases).len(),
            90
        );
    });
}
