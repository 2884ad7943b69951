//! Instances follow their event days, on the real local Swarm: a `medium` demo order is
//! approved and provisioned, then the phase scheduler's pass is run with the clock moved
//! through the rental — quiet (one web task), event mode (the plan's two), quiet again,
//! archived (stopped), removed after the archive period — with every change on the
//! instance's log and the Swarm's service following it; and a staff pin wins over the
//! calendar until it is lifted.

use std::time::Duration;

use chrono::{Days, NaiveDateTime, Utc};
use domain::capacity::{Phase, PhaseStep};
use domain::instance::Lifecycle;

use crate::common::{Backend, TestServer};
use crate::orders::{customer, day, form, id_of, place, staff, with};
use crate::swarm::{Installation, docker};

/// `hour`:00 UTC, `days` days from today (the clock the phase scheduler is given).
pub(crate) fn at(days: u64, hour: u32) -> NaiveDateTime {
    (Utc::now().date_naive() + Days::new(days))
        .and_hms_opt(hour, 0, 0)
        .unwrap()
}

/// The CPU reservation of a task of service `name` (nano-CPUs), as Swarm has it.
fn reserved_cpus(name: &str) -> String {
    docker(&[
        "service",
        "inspect",
        name,
        "--format",
        "{{.Spec.TaskTemplate.Resources.Reservations.NanoCPUs}}",
    ])
    .trim()
    .to_owned()
}

/// The replicas Swarm runs for service `name` once they match `want` (waits up to 90 s).
async fn wait_replicas(name: &str, want: u64) {
    let mut seen = String::new();
    for _ in 0..90 {
        seen = docker(&[
            "service",
            "inspect",
            name,
            "--format",
            "{{.Spec.Mode.Replicated.Replicas}}",
        ]);
        if seen.trim() == want.to_string() {
            return;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    panic!("{name}: wanted {want} replicas, Swarm has {seen:?}");
}

#[tokio::test]
async fn instances_follow_their_event_days_through_the_rental() {
    let installation = Installation::new("t-phases");
    let server = TestServer::start_with(Backend::Sqlite, |s| {
        installation.configure(s);
        s.capacity.headroom_percent = 0;
        s.capacity.reserved_cpus = "0".into();
        s.capacity.reserved_memory = "0".into();
        // Only the passes this test runs, with its own clock.
        s.phases.check_minutes = 60;
    })
    .await;
    let state = &server.state;
    let admin = staff(&server).await;
    let (owner, org) = customer(&server, "phases").await;
    installation.reserve_ids(&state.db, org).await;
    // Rental from today for 11 days, the event on day 5 (medium: web runs 2 tasks).
    let order = with(form(org, "phased", 0), "plan", "medium");
    let order = with(order, "rental_end", &day(10));
    let order = with(order, "event_days", &format!("{} 300", day(5)));
    let placed = place(&owner, &order).await;
    let approved = admin
        .call("staff/orders/approve", &[("order_id", &id_of(&placed))])
        .await;
    let instance_id = approved.body["instance_id"]
        .as_i64()
        .unwrap_or_else(|| panic!("provisioned at once: {}", approved.text));
    let web = format!("pl{instance_id}_web");
    // This test follows the calendar: the owner keeps the instance awake while unused
    // (hibernation: `hibernation.rs`).
    let awake = owner
        .call(
            "instances/hibernation",
            &[("id", &instance_id.to_string()), ("allowed", "false")],
        )
        .await;
    assert!(awake.status.is_success(), "{}", awake.text);

    let expect = async |now: NaiveDateTime, step: PhaseStep, lifecycle: Lifecycle, web_tasks| {
        let changed = app::server::phases::apply_phases(state, now).await.unwrap();
        assert_eq!(changed, [(instance_id, step)], "at {now}");
        let record = state.db.instance(instance_id).await.unwrap();
        assert_eq!(record.lifecycle, lifecycle, "at {now}");
        if let PhaseStep::Enter(phase) = step {
            assert_eq!(record.phase, Some(phase));
        }
        // A second pass at the same time changes nothing.
        let again = app::server::phases::apply_phases(state, now).await.unwrap();
        assert!(again.is_empty(), "at {now}: {again:?}");
        if let Some(tasks) = web_tasks {
            wait_replicas(&web, tasks).await;
        }
    };
    let quiet = PhaseStep::Enter(Phase::Quiet);
    expect(at(0, 6), quiet, Lifecycle::Running, Some(1)).await;
    // The tasks reserve the quiet share of the medium plan (a tenth of 1 CPU, split by the
    // plan's limits: web 0.5 of 1.5 CPUs).
    assert_eq!(reserved_cpus(&web), "33333333");
    // Event mode from 12 hours before the event day.
    expect(
        at(4, 13),
        PhaseStep::Enter(Phase::Event),
        Lifecycle::Running,
        Some(2),
    )
    .await;
    // 1 CPU split over web 0.5 × 2 and db 1 × 1: a quarter CPU per web task.
    assert_eq!(reserved_cpus(&web), "250000000");
    expect(at(6, 1), quiet, Lifecycle::Running, Some(1)).await;
    // Staff pin it to event mode (a rehearsal): the pin wins until lifted.
    let pinned = admin
        .call(
            "staff/instances/pin",
            &[("id", &instance_id.to_string()), ("phase", "event")],
        )
        .await;
    assert!(pinned.status.is_success(), "{}", pinned.text);
    expect(
        at(7, 1),
        PhaseStep::Enter(Phase::Event),
        Lifecycle::Running,
        Some(2),
    )
    .await;
    let unpinned = admin
        .call(
            "staff/instances/pin",
            &[("id", &instance_id.to_string()), ("phase", "")],
        )
        .await;
    assert!(unpinned.status.is_success(), "{}", unpinned.text);
    expect(at(7, 2), quiet, Lifecycle::Running, Some(1)).await;
    // After the rental: archived (stopped, kept); after 30 more days: removed.
    expect(
        at(11, 0),
        PhaseStep::Enter(Phase::Archived),
        Lifecycle::Stopped,
        Some(0),
    )
    .await;
    expect(at(41, 0), PhaseStep::Remove, Lifecycle::Removed, None).await;

    // Each change is on the instance's log, saying until when.
    let console = owner
        .call("instances/detail", &[("id", &instance_id.to_string())])
        .await;
    // The console says where it stands: the phase last applied, and (by the real clock,
    // today) the next change of the calendar.
    let phase = &console.body["phase"];
    assert_eq!(phase["current"], "archived", "{}", console.text);
    assert_eq!(phase["pinned"], serde_json::Value::Null);
    assert_eq!(
        phase["next"],
        serde_json::json!([format!("{} 12:00", day(4)), "event"])
    );
    let log = console.text;
    for line in [
        "phase: quiet — until",
        "phase: event — until",
        "phase: event — pinned by staff to event",
        "pin to phase event",
        "phase: archived — until",
    ] {
        assert!(log.contains(line), "{line:?} in {log}");
    }
    // Customers may not pin.
    let refused = owner
        .call(
            "staff/instances/pin",
            &[("id", &instance_id.to_string()), ("phase", "event")],
        )
        .await;
    assert!(!refused.status.is_success());
    let bad = admin
        .call(
            "staff/instances/pin",
            &[("id", &instance_id.to_string()), ("phase", "party")],
        )
        .await;
    assert_eq!(bad.invalid().0, "phase");
}
