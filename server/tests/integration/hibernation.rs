//! Hibernation and wake on request, end to end: a Plenum with the engine on the real local
//! Swarm and the edge configuring a real Caddy. With the clock moved through a rental, a
//! `small` demo order's instance goes quiet → (kept awake while its owner says so) →
//! hibernated → woken by a visit through Caddy → event → quiet → hibernated → woken from
//! the console → archived; every change is on the console's log, the Swarm follows, and
//! the address shows the "waking up" page while hibernated but the "paused" page once
//! archived (a visit then wakes nothing).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use chrono::{Days, NaiveDateTime, Utc};
use domain::capacity::{Phase, PhaseStep};
use domain::instance::{Lifecycle, Status};
use edge::settings::TlsIssuer;

use crate::common::{Backend, TestServer};
use crate::edge_support::{
    AdminForwarder, CADDY_IMAGE, Cleanup, DEMO_APP_IMAGE, caddy_root, client, create_caddy_on,
    error_chain, eventually, gateway_ip, preflight, remove_services,
};
use crate::orders::{customer, day, form, id_of, place, staff, with};
use crate::swarm::Installation;

/// Label value of this test's own Swarm services (Caddy).
const TEST: &str = "server-hibernation";
const HTTP_PORT: u16 = 18082;
const HTTPS_PORT: u16 = 18445;
const SLOW: Duration = Duration::from_secs(180);

fn at(days: u64, hour: u32) -> NaiveDateTime {
    (Utc::now().date_naive() + Days::new(days))
        .and_hms_opt(hour, 0, 0)
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_unused_instance_hibernates_and_a_visit_through_caddy_wakes_it() {
    preflight(&[CADDY_IMAGE, DEMO_APP_IMAGE, "plenum/postgres:15"]).await;
    remove_services(TEST).await;
    let installation = Installation::new("t-wake");
    // Dropped in reverse: Caddy first, then the installation's objects.
    let _cleanup = Cleanup(TEST);
    let caddy = format!("{}-caddy", installation.id);
    let forwarder = AdminForwarder::start(&caddy).await;
    let gateway = gateway_ip().await;
    let server = TestServer::start_with(Backend::Sqlite, |s| {
        installation.configure(s);
        // Caddy (in a container) dials Plenum at the bridge's gateway.
        s.listen = SocketAddr::from((gateway, 0));
        s.edge.enabled = true;
        s.edge.base_domain = "plenum.test".to_owned();
        s.edge.tls_issuer = TlsIssuer::Internal;
        s.edge.caddy_admin_url = format!("http://{}", forwarder.addr);
        s.edge.reconcile_seconds = 2;
        s.edge.https_port = HTTPS_PORT;
        s.capacity.headroom_percent = 0;
        s.capacity.reserved_cpus = "0".into();
        s.capacity.reserved_memory = "0".into();
        // Only the passes this test runs, with its own clock.
        s.phases.check_minutes = 60;
    })
    .await;
    let state = &server.state;
    let admin = staff(&server).await;
    let (owner, org) = customer(&server, "sleeper").await;
    installation.reserve_ids(&state.db, org).await;
    // Rental from today for 11 days, the event on day 5.
    let order = with(form(org, "sleepy", 0), "rental_end", &day(10));
    let order = with(order, "event_days", &format!("{} 60", day(5)));
    let placed = place(&owner, &order).await;
    let approved = admin
        .call("staff/orders/approve", &[("order_id", &id_of(&placed))])
        .await;
    let id = approved.body["instance_id"]
        .as_i64()
        .unwrap_or_else(|| panic!("provisioned at once: {}", approved.text));
    let id_text = id.to_string();

    let apply =
        async |now: NaiveDateTime| app::server::phases::apply_phases(state, now).await.unwrap();
    let wait_status = async |want: Status| {
        eventually(&format!("instance {want}"), SLOW, || async {
            let record = state.db.instance(id).await.map_err(|e| e.to_string())?;
            if record.status == want {
                Ok(record)
            } else {
                Err(format!("{} ({:?})", record.status, record.status_reason))
            }
        })
        .await
    };
    let enters = async |now: NaiveDateTime, phase: Phase, status: Status| {
        assert_eq!(
            apply(now).await,
            [(id, PhaseStep::Enter(phase))],
            "at {now}"
        );
        let record = wait_status(status).await;
        assert_eq!(record.phase, Some(phase));
    };

    enters(at(0, 6), Phase::Quiet, Status::Running).await;
    // Caddy on the installation's edge network (made by the engine for the instance).
    create_caddy_on(
        TEST,
        &caddy,
        &format!("{}_edge", installation.id),
        HTTP_PORT,
        HTTPS_PORT,
    )
    .await;
    forwarder.wait_for_target(SLOW).await;
    let host = "sleepy.plenum.test";
    let url = format!("https://{host}:{HTTPS_PORT}/");
    // Caddy 2.6 may make its internal CA anew on a reload: each attempt trusts the root it
    // holds then (still only Caddy's own CA).
    let visit = async || -> Result<(u16, Option<String>, String), String> {
        let response = client(&caddy_root(&caddy).await, &[host])
            .get(&url)
            .send()
            .await
            .map_err(|e| error_chain(&e))?;
        let status = response.status().as_u16();
        let edge = response
            .headers()
            .get("x-plenum-edge")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = response.text().await.map_err(|e| error_chain(&e))?;
        Ok((status, edge, body))
    };
    let instance_answers = async |what: &str| {
        eventually(what, SLOW, || async {
            match visit().await? {
                (200, None, body) if body.contains("<h1 id=\"instance\">") => Ok(()),
                other => Err(format!("{other:?}")),
            }
        })
        .await
    };
    instance_answers("the quiet instance answers through Caddy").await;

    // Unused for two days, but its owner keeps it awake: it stays quiet. Allowed again, it
    // hibernates: stopped, its address shows the "waking up" page.
    let keep = owner
        .call(
            "instances/hibernation",
            &[("id", id_text.as_str()), ("allowed", "false")],
        )
        .await;
    assert!(keep.status.is_success(), "{}", keep.text);
    assert!(apply(at(3, 0)).await.is_empty(), "kept awake");
    let allow = owner
        .call(
            "instances/hibernation",
            &[("id", id_text.as_str()), ("allowed", "true")],
        )
        .await;
    assert!(allow.status.is_success(), "{}", allow.text);
    enters(at(3, 0), Phase::Hibernated, Status::Stopped).await;
    assert_eq!(
        state.db.instance(id).await.unwrap().lifecycle,
        Lifecycle::Stopped
    );

    // A visit through Caddy: the "waking up" page, and the instance starts; the page's way
    // of following it (ask again until the answer is not Plenum's) opens the instance.
    let first = Instant::now();
    eventually("the waking-up page", SLOW, || async {
        match visit().await? {
            (503, Some(kind), body)
                if kind == "waking" && body.contains("data-page=\"waking\"") =>
            {
                Ok(())
            }
            other => Err(format!("{other:?}")),
        }
    })
    .await;
    let record = state.db.instance(id).await.unwrap();
    assert_eq!(record.lifecycle, Lifecycle::Running);
    assert_eq!(record.phase, Some(Phase::Quiet));
    assert!(record.last_used_at.is_some(), "the visit counts as use");
    instance_answers("the woken instance answers through Caddy").await;
    eprintln!(
        "woken by a visit: answered {:?} after the first request",
        first.elapsed()
    );

    // The event, used on its day (as the edge records requests in flight), and quiet after
    // it; days later, unused since: hibernated again.
    enters(at(4, 13), Phase::Event, Status::Running).await;
    let during = at(5, 20).and_utc();
    assert_eq!(
        state
            .db
            .record_use(&["sleepy".to_owned()], during)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        state
            .db
            .record_use(&["sleepy".to_owned()], at(5, 1).and_utc())
            .await
            .unwrap(),
        0,
        "the last use only moves forward"
    );
    enters(at(6, 1), Phase::Quiet, Status::Running).await;
    enters(at(10, 0), Phase::Hibernated, Status::Stopped).await;
    // The console offers to wake it; another organisation cannot.
    let console = owner.call("instances/detail", &[("id", &id_text)]).await;
    assert_eq!(
        console.body["phase"]["current"], "hibernated",
        "{}",
        console.text
    );
    assert_eq!(console.body["phase"]["hibernate_allowed"], true);
    assert!(
        console.body["phase"]["last_used"].is_string(),
        "{}",
        console.text
    );
    let (stranger, _) = customer(&server, "stranger").await;
    let refused = stranger.call("instances/start", &[("id", &id_text)]).await;
    assert!(!refused.status.is_success(), "{}", refused.text);
    assert_eq!(
        state.db.instance(id).await.unwrap().lifecycle,
        Lifecycle::Stopped
    );
    let woken = owner.call("instances/start", &[("id", &id_text)]).await;
    assert!(woken.status.is_success(), "{}", woken.text);
    let record = wait_status(Status::Running).await;
    assert_eq!(record.phase, Some(Phase::Quiet));

    // After the rental: archived. Its address says paused; a visit wakes nothing.
    enters(at(11, 0), Phase::Archived, Status::Stopped).await;
    eventually("the paused page", SLOW, || async {
        match visit().await? {
            (503, Some(kind), _) if kind == "paused" => Ok(()),
            other => Err(format!("{other:?}")),
        }
    })
    .await;
    let record = state.db.instance(id).await.unwrap();
    assert_eq!(record.lifecycle, Lifecycle::Stopped);
    assert_eq!(record.phase, Some(Phase::Archived));

    let log = owner
        .call("instances/detail", &[("id", &id_text)])
        .await
        .text;
    for line in [
        "stays awake while unused",
        "may hibernate while unused",
        "phase: hibernated — unused since",
        "phase: quiet — woken by a visit to its address",
        "phase: quiet — woken by a start from the console",
        "phase: archived — until",
    ] {
        assert!(log.contains(line), "{line:?} in {log}");
    }
}
