//! Hibernation and wake on request, end to end: a Plenum with the engine on the real local
//! Swarm and the edge configuring a real Caddy. With the clock moved through a rental, a
//! `small` demo order's instance goes quiet → (kept awake while its owner says so) →
//! hibernated → woken by a visit through Caddy → event → quiet → hibernated → woken from
//! the console → archived; every change is on the console's log, the Swarm follows, and
//! the address shows the "waking up" page while hibernated but the "paused" page once
//! archived (a visit then wakes nothing).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use chrono::{NaiveDateTime, Utc};
use domain::capacity::{Phase, PhaseStep};
use domain::instance::{Lifecycle, Status};
use edge::settings::TlsIssuer;
use store::InstanceRecord;

use crate::common::{Backend, Client, TestServer};
use crate::edge_support::{
    AdminForwarder, CADDY_IMAGE, Cleanup, DEMO_APP_IMAGE, caddy_root, client, create_caddy_on,
    error_chain, eventually, gateway_ip, preflight, remove_services,
};
use crate::orders::{customer, day, form, id_of, place, staff, with};
use crate::phases::at;
use crate::swarm::{Installation, docker};

/// Label value of this test's own Swarm services (Caddy).
const TEST: &str = "server-hibernation";
const HTTP_PORT: u16 = 18082;
const HTTPS_PORT: u16 = 18445;
const SLOW: Duration = Duration::from_secs(180);

/// A Plenum with engine and edge, a Caddy in front, and one approved demo order of `plan`
/// (rental from today for 11 days, the event on day 5) at `<slug>.plenum.test`.
///
/// Fields drop in declaration order: the server (and its engine, which would otherwise make
/// the services again) first, then Caddy, then the installation's Swarm objects (its edge
/// network cannot go while Caddy is attached).
struct Rig {
    server: TestServer,
    owner: Client,
    id: i64,
    caddy: String,
    forwarder: AdminForwarder,
    host: String,
    _cleanup: Cleanup,
    installation: Installation,
}

impl Rig {
    async fn new(plan: &str, slug: &str) -> Self {
        preflight(&[CADDY_IMAGE, DEMO_APP_IMAGE, "plenum/postgres:15"]).await;
        remove_services(TEST).await;
        let installation = Installation::new("t-wake");
        let cleanup = Cleanup(TEST);
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
            // Only the passes the test runs, with its own clock.
            s.phases.check_minutes = 60;
        })
        .await;
        let admin = staff(&server).await;
        let (owner, org) = customer(&server, "sleeper").await;
        installation.reserve_ids(&server.state.db, org).await;
        let order = with(form(org, slug, 0), "plan", plan);
        let order = with(order, "rental_end", &day(10));
        let order = with(order, "event_days", &format!("{} 60", day(5)));
        let placed = place(&owner, &order).await;
        let approved = admin
            .call("staff/orders/approve", &[("order_id", &id_of(&placed))])
            .await;
        let id = approved.body["instance_id"]
            .as_i64()
            .unwrap_or_else(|| panic!("provisioned at once: {}", approved.text));
        Self {
            host: format!("{slug}.plenum.test"),
            installation,
            server,
            owner,
            id,
            caddy,
            forwarder,
            _cleanup: cleanup,
        }
    }

    /// Starts Caddy on the installation's edge network (which the engine makes with the
    /// first instance) and waits for its admin API.
    async fn start_caddy(&self) {
        create_caddy_on(
            TEST,
            &self.caddy,
            &format!("{}_edge", self.installation.id),
            HTTP_PORT,
            HTTPS_PORT,
        )
        .await;
        self.forwarder.wait_for_target(SLOW).await;
    }

    async fn apply(&self, now: NaiveDateTime) -> Vec<(i64, PhaseStep)> {
        app::server::phases::apply_phases(&self.server.state, now)
            .await
            .unwrap()
    }

    async fn record(&self) -> InstanceRecord {
        self.server.state.db.instance(self.id).await.unwrap()
    }

    async fn wait_status(&self, want: Status) -> InstanceRecord {
        eventually(&format!("instance {want}"), SLOW, || async {
            let record = self.record().await;
            if record.status == want {
                Ok(record)
            } else {
                Err(format!("{} ({:?})", record.status, record.status_reason))
            }
        })
        .await
    }

    /// Applies the phases at `now`, which must enter `phase`; waits for `status`.
    async fn enters(&self, now: NaiveDateTime, phase: Phase, status: Status) {
        let changed = self.apply(now).await;
        if changed != [(self.id, PhaseStep::Enter(phase))] {
            let console = self
                .owner
                .call("instances/detail", &[("id", &self.id.to_string())])
                .await;
            panic!(
                "at {now}: {changed:?} instead of entering {phase:?}; {}",
                console.text
            );
        }
        assert_eq!(self.wait_status(status).await.phase, Some(phase));
    }

    /// GETs the instance's address through Caddy: status, the edge page's kind (absent when
    /// the instance itself answered) and body. Caddy 2.6 may make its internal CA anew on a
    /// reload: each visit trusts the root it holds then (still only Caddy's own CA).
    async fn visit(&self) -> Result<(u16, Option<String>, String), String> {
        let url = format!("https://{}:{HTTPS_PORT}/", self.host);
        let response = client(&caddy_root(&self.caddy).await, &[&self.host])
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
    }

    /// Visits until the instance itself answers, as the waking page does.
    async fn instance_answers(&self, what: &str) {
        eventually(what, SLOW, || async {
            match self.visit().await? {
                (200, None, body) if body.contains("<h1 id=\"instance\">") => Ok(()),
                other => Err(format!("{other:?}")),
            }
        })
        .await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_unused_instance_hibernates_and_a_visit_through_caddy_wakes_it() {
    let rig = Rig::new("small", "sleepy").await;
    let (owner, id, state) = (&rig.owner, rig.id, &rig.server.state);
    let id_text = id.to_string();
    let apply = async |now| rig.apply(now).await;
    let enters = async |now, phase, status| rig.enters(now, phase, status).await;
    let wait_status = async |status| rig.wait_status(status).await;
    let visit = async || rig.visit().await;
    let instance_answers = async |what: &str| rig.instance_answers(what).await;

    enters(at(0, 6), Phase::Quiet, Status::Running).await;
    rig.start_caddy().await;
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
    let (stranger, _) = customer(&rig.server, "stranger").await;
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

    // Stopped by its owner, it stays paused however long nobody uses it: hibernating would
    // let any visitor start it again.
    let stopped = owner.call("instances/stop", &[("id", &id_text)]).await;
    assert!(stopped.status.is_success(), "{}", stopped.text);
    wait_status(Status::Stopped).await;
    assert!(
        apply(at(10, 5)).await.is_empty(),
        "an owner-stopped instance stays"
    );

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

/// The working-set memory (MiB) and CPU (per cent of one core) of the instance's running
/// containers, averaged over five `docker stats` samples two seconds apart; and how many
/// containers ran.
async fn usage(rig: &Rig) -> (f64, f64, usize) {
    let prefix = format!("pl{}_", rig.id);
    let (mut memory, mut cpu, mut containers) = (0.0, 0.0, 0);
    for _ in 0..5 {
        let names = docker(&[
            "ps",
            "--filter",
            &format!("name={prefix}"),
            "--format",
            "{{.Names}}",
        ]);
        let names: Vec<&str> = names.split_whitespace().collect();
        containers = names.len();
        if !names.is_empty() {
            let mut args = vec![
                "stats",
                "--no-stream",
                "--format",
                "{{.CPUPerc}};{{.MemUsage}}",
            ];
            args.extend(&names);
            for line in docker(&args).lines() {
                let (percent, used) = line.split_once(';').unwrap();
                cpu += percent.trim_end_matches('%').parse::<f64>().unwrap();
                memory += mebibytes(used.split('/').next().unwrap().trim());
            }
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    (memory / 5.0, cpu / 5.0, containers)
}

/// `12.5MiB`, `1.2GiB`, `800KiB`, `0B` in MiB.
fn mebibytes(text: &str) -> f64 {
    let split = text.find(|c: char| c.is_ascii_alphabetic()).unwrap();
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().unwrap();
    number
        * match unit {
            "B" => 1.0 / 1024.0 / 1024.0,
            "KiB" | "kB" => 1.0 / 1024.0,
            "MiB" | "MB" => 1.0,
            "GiB" | "GB" => 1024.0,
            other => panic!("unit {other:?}"),
        }
}

/// Benchmark, not a check (run by hand, figures in BENCHMARKS.md): what one `medium` demo
/// instance holds in event mode, quiet mode and hibernated, and ten wakes by a visit through
/// Caddy, each timed from the first request to the instance itself answering.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "a benchmark: cargo test -p server --test integration -- --ignored --nocapture phases_and_wakes"]
async fn bench_phases_and_wakes() {
    let rig = Rig::new("medium", "bench").await;
    rig.enters(at(0, 6), Phase::Quiet, Status::Running).await;
    rig.start_caddy().await;
    rig.instance_answers("quiet").await;
    let mut table = Vec::new();
    table.push(("quiet", usage(&rig).await));
    rig.enters(at(4, 13), Phase::Event, Status::Running).await;
    rig.instance_answers("event").await;
    table.push(("event", usage(&rig).await));
    let mut wakes = Vec::new();
    let mut to_running = Vec::new();
    for round in 0..10 {
        // Unused for more than two days after the event (and after each wake).
        rig.enters(at(7, round), Phase::Hibernated, Status::Stopped)
            .await;
        if round == 0 {
            table.push(("hibernated", usage(&rig).await));
        }
        let first = Instant::now();
        eprintln!("{} first request", Utc::now().format("%H:%M:%S%.3f"));
        let mut running = None;
        loop {
            if running.is_none() && rig.record().await.status == Status::Running {
                running = Some(first.elapsed());
            }
            match rig.visit().await {
                Ok((200, None, body)) if body.contains("<h1 id=\"instance\">") => break,
                _ => tokio::time::sleep(Duration::from_millis(100)).await,
            }
            assert!(first.elapsed() < SLOW, "round {round}: no answer");
        }
        if round == 0 {
            // Where the time goes: the engine's log of the first wake.
            let events = rig
                .server
                .state
                .db
                .recent_instance_events(rig.id, 8)
                .await
                .unwrap();
            for event in events.iter().rev() {
                eprintln!("{} {}", event.at.format("%H:%M:%S%.3f"), event.message);
            }
        }
        wakes.push(first.elapsed());
        to_running.push(running.unwrap_or_else(|| first.elapsed()));
    }
    println!("phase | containers | working set (MiB) | CPU (% of a core)");
    for (phase, (memory, cpu, containers)) in &table {
        println!("{phase} | {containers} | {memory:.1} | {cpu:.2}");
    }
    let event = table[1].1.0;
    for (phase, (memory, _, _)) in &table {
        println!(
            "{phase}: {:.2} of event mode's memory, {:.1} instances per GiB",
            memory / event,
            if *memory > 0.0 {
                1024.0 / memory
            } else {
                f64::INFINITY
            }
        );
    }
    wakes.sort();
    to_running.sort();
    println!(
        "wake (first request → instance answers): p50 {:.2} s, max {:.2} s; all {:?}",
        wakes[4].as_secs_f64(),
        wakes[9].as_secs_f64(),
        wakes
    );
    println!(
        "of which to the engine's status 'running': p50 {:.2} s, max {:.2} s",
        to_running[4].as_secs_f64(),
        to_running[9].as_secs_f64()
    );
}
