//! The edge end to end with a real Caddy (`plenum/caddy:2.6`) as a Swarm service and real
//! upstream services on the edge overlay network, Plenum's endpoints served on the host.
//!
//! One test walks through the scenarios in order, because they share one Caddy on fixed
//! host ports (`PLENUM_EDGE_TEST_HTTP_PORT`/`_HTTPS_PORT`, default 18080/18443).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::{Duration, Instant};

use edge::caddy::CaddyAdmin;
use edge::config::routed_hosts;
use edge::settings::{EdgeSettings, TlsIssuer};
use edge::{InstanceState, Reconciler};
use support::*;

const TEST: &str = "caddy-e2e";
const CADDY: &str = "edgetest-caddy";
const ONE: &str = "edgetest-one";
const TWO: &str = "edgetest-two";
const PERIOD_SECONDS: u64 = 2;
const SLOW: Duration = Duration::from_secs(90);

fn port(var: &str, default: u16) -> u16 {
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn instances_answer_at_their_hostnames_through_caddy() {
    let started = Instant::now();
    preflight(&[CADDY_IMAGE, BUSYBOX_IMAGE]).await;
    remove_services(TEST).await;
    let _cleanup = Cleanup(TEST);
    ensure_edge_network().await;
    let http_port = port("PLENUM_EDGE_TEST_HTTP_PORT", 18080);
    let https_port = port("PLENUM_EDGE_TEST_HTTPS_PORT", 18443);

    // Upstreams and Caddy start in parallel.
    create_httpd(TEST, ONE, "upstream one", 3).await;
    create_httpd(TEST, TWO, "upstream two", 3).await;
    create_caddy(TEST, CADDY, http_port, https_port).await;
    let forwarder = AdminForwarder::start(CADDY).await;
    forwarder.wait_for_target(SLOW).await;

    let gateway = gateway_ip().await;
    let directory = MemoryDirectory::default();
    directory.run("one", &format!("{ONE}:8080"));
    directory.run("two", &format!("{TWO}:8080"));
    directory.set("paused", InstanceState::Paused);
    directory.set("fresh", InstanceState::Preparing);

    let (listener, plenum) = plenum_listener(gateway).await;
    let setup = EdgeSettings {
        enabled: true,
        base_domain: "edge.test".to_owned(),
        tls_issuer: TlsIssuer::Internal,
        caddy_admin_url: format!("http://{}", forwarder.addr),
        plenum_upstream: plenum.to_string(),
        reconcile_seconds: PERIOD_SECONDS,
        https_port,
        ..EdgeSettings::default()
    }
    .check()
    .unwrap();
    let reconciler = Reconciler::new(setup.clone(), directory.clone()).unwrap();
    // The loop runs from here; the passes below run beside it (loads are idempotent).
    let handle = reconciler.clone().spawn();
    serve_plenum(
        listener,
        setup,
        directory.clone(),
        directory.clone(),
        handle.clone(),
    );
    let admin = CaddyAdmin::new(&format!("http://{}", forwarder.addr)).unwrap();

    // 1. The reconciler configures Caddy; a second pass changes nothing.
    let report = eventually("first pass", SLOW, || async {
        reconciler.pass().await.map_err(|e| e.to_string())
    })
    .await;
    assert_eq!(report.routes, 2);
    let again = reconciler.pass().await.unwrap();
    assert!(
        !again.changed,
        "an unchanged configuration is not loaded again"
    );
    let routed = routed_hosts(&admin.config().await.unwrap());
    assert_eq!(
        routed.keys().map(String::as_str).collect::<Vec<_>>(),
        ["one.edge.test", "two.edge.test"]
    );
    assert!(
        admin
            .by_id("plenum-instance-one.edge.test")
            .await
            .unwrap()
            .is_some()
    );
    assert!(admin.by_id("plenum-instance-nope").await.unwrap().is_none());

    let root = caddy_root(CADDY).await;
    let hosts = [
        "one.edge.test",
        "two.edge.test",
        "paused.edge.test",
        "fresh.edge.test",
        "nobody.edge.test",
        "plenum.edge.test",
        "sleepy.edge.test",
    ];
    let client = client(&root, &hosts);
    let https = |host: &str, path: &str| format!("https://{host}:{https_port}{path}");

    // 2. Both instances answer over HTTPS (HTTP/2) with their own content.
    for (host, content) in [
        ("one.edge.test", "upstream one"),
        ("two.edge.test", "upstream two"),
    ] {
        let url = https(host, "/");
        eventually(&format!("{host} answers"), SLOW, || async {
            match get(&client, &url).await? {
                (200, body) if body.trim() == content => Ok(()),
                other => Err(format!("{other:?}")),
            }
        })
        .await;
        let response = client.get(&url).send().await.unwrap();
        assert_eq!(
            response.version(),
            reqwest::Version::HTTP_2,
            "{host}: HTTP/2"
        );
    }
    eprintln!("[{:>5.1?}] instances answer over HTTPS", started.elapsed());

    // 3. HTTP redirects to HTTPS (known host names only; unknown ones get the 404 page).
    let plain = client
        .get(format!("http://one.edge.test:{http_port}/some/path?q=1"))
        .send()
        .await
        .unwrap();
    assert_eq!(plain.status(), 308);
    assert_eq!(
        plain.headers()["location"],
        format!("https://one.edge.test:{https_port}/some/path?q=1").as_str()
    );
    let unknown = get(&client, &format!("http://nobody.edge.test:{http_port}/"))
        .await
        .unwrap();
    assert_eq!(unknown.0, 404);
    assert!(unknown.1.contains("data-page=\"unknown\""), "{}", unknown.1);

    // 4. Responses are streamed: the first line arrives long before the response ends.
    let sent = Instant::now();
    let mut stream = client
        .get(https("one.edge.test", "/cgi-bin/stream"))
        .send()
        .await
        .unwrap();
    let first = stream.chunk().await.unwrap().unwrap();
    let first_after = sent.elapsed();
    let mut rest = Vec::new();
    while let Some(chunk) = stream.chunk().await.unwrap() {
        rest.extend_from_slice(&chunk);
    }
    let total = sent.elapsed();
    let (first, rest) = (
        String::from_utf8_lossy(&first),
        String::from_utf8_lossy(&rest),
    );
    let seen = format!(
        "first chunk {first:?} after {first_after:?}, then {rest:?}, whole response after {total:?}"
    );
    assert!(first.starts_with("first"), "{seen}");
    assert!(rest.contains("second"), "{seen}");
    assert!(
        first_after < Duration::from_millis(1500) && total >= Duration::from_millis(2900),
        "{seen}"
    );

    // 5. Status pages: paused (503), being prepared (503, refreshes itself).
    let (status, body) = get(&client, &https("paused.edge.test", "/agenda"))
        .await
        .unwrap();
    assert_eq!(status, 503);
    assert!(body.contains("data-page=\"paused\""), "{body}");
    let response = client
        .get(https("fresh.edge.test", "/"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers()["retry-after"], "5");
    let body = response.text().await.unwrap();
    assert!(body.contains("data-page=\"preparing\""), "{body}");
    assert!(body.contains("http-equiv=\"refresh\""), "{body}");

    // 6. `ask` refuses names no instance has: no certificate, so no TLS handshake.
    let ask = |domain: &str| format!("http://{plenum}/edge/ask?domain={domain}");
    let plain_client = reqwest::Client::new();
    let ask_status = |url: String| {
        let c = plain_client.clone();
        async move { c.get(url).send().await.unwrap().status().as_u16() }
    };
    assert_eq!(ask_status(ask("one.edge.test")).await, 200);
    assert_eq!(ask_status(ask("paused.edge.test")).await, 200);
    assert_eq!(ask_status(ask("nobody.edge.test")).await, 404);
    assert_eq!(ask_status(ask("one.other.test")).await, 404);
    assert_eq!(ask_status(ask("not a name")).await, 404);
    let refused = client.get(https("nobody.edge.test", "/")).send().await;
    assert!(
        refused.is_err(),
        "no certificate for an unknown name: {refused:?}"
    );

    // 7. Plenum's UI at its own host name; /edge/* is not reachable from outside.
    let (status, body) = get(&client, &https("plenum.edge.test", "/")).await.unwrap();
    assert_eq!((status, body.trim()), (200, "plenum ui"));
    let (status, _) = get(
        &client,
        &https("plenum.edge.test", "/edge/ask?domain=one.edge.test"),
    )
    .await
    .unwrap();
    assert_eq!(status, 404);
    eprintln!(
        "[{:>5.1?}] redirects, streaming, status pages, ask",
        started.elapsed()
    );

    // 8a. Use: an instance with a request in flight at a pass is recorded as in use (an
    //     open OpenSlides client holds its autoupdate stream); an idle one is not.
    let held = client
        .get(https("one.edge.test", "/cgi-bin/stream"))
        .send()
        .await
        .unwrap();
    reconciler.pass().await.unwrap();
    drop(held);
    assert!(directory.used().contains("one"), "{:?}", directory.used());
    assert!(!directory.used().contains("two"), "{:?}", directory.used());

    // 8b. A hibernated instance: a visit shows the "waking up" page and wakes it; while it
    //     starts its address keeps showing Plenum's pages (marked by their header, which
    //     the page watches); once it runs, the next request through the status page gets
    //     its route loaded and the instance itself answers (no header).
    directory.set("sleepy", InstanceState::Hibernated);
    handle.reconcile_now();
    let sleepy = https("sleepy.edge.test", "/agenda");
    let response = eventually("sleepy has a certificate", SLOW, || async {
        current(&hosts)
            .await
            .get(&sleepy)
            .send()
            .await
            .map_err(|e| error_chain(&e))
    })
    .await;
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers()["x-plenum-edge"], "waking");
    let body = response.text().await.unwrap();
    assert!(body.contains("data-page=\"waking\""), "{body}");
    assert!(
        body.contains("x-plenum-edge"),
        "the page follows its address: {body}"
    );
    assert_eq!(directory.woken(), ["sleepy"]);
    assert_eq!(directory.state("sleepy"), Some(InstanceState::Preparing));
    let (status, body) = get(&current(&hosts).await, &sleepy).await.unwrap();
    assert_eq!(status, 503);
    assert!(body.contains("data-page=\"preparing\""), "{body}");
    assert_eq!(directory.woken(), ["sleepy"], "woken once");
    // Running now: the next pass (or the status page, asking for one) loads its route.
    directory.run("sleepy", &format!("{TWO}:8080"));
    eventually("sleepy answers itself", SLOW, || async {
        let response = current(&hosts)
            .await
            .get(https("sleepy.edge.test", "/"))
            .send()
            .await
            .map_err(|e| error_chain(&e))?;
        let from_plenum = response.headers().contains_key("x-plenum-edge");
        match (response.status().as_u16(), from_plenum) {
            (200, false) => Ok(()),
            other => Err(format!("{other:?}")),
        }
    })
    .await;
    directory.remove("sleepy");
    handle.reconcile_now();

    // 8c. Stop one → paused page; remove it → 404; start it again → its content. (Each
    // reload may come with a new internal CA in Caddy 2.6: every attempt trusts the root
    // Caddy holds then — still only Caddy's own CA.)
    let one = https("one.edge.test", "/");
    directory.set("one", InstanceState::Paused);
    handle.reconcile_now();
    eventually("one shows the paused page", SLOW, || async {
        match get(&current(&hosts).await, &one).await? {
            (503, body) if body.contains("data-page=\"paused\"") => Ok(()),
            other => Err(format!("{other:?}")),
        }
    })
    .await;
    directory.remove("one");
    handle.reconcile_now();
    eventually("one is unknown", SLOW, || async {
        match get(&current(&hosts).await, &one).await? {
            (404, body) if body.contains("data-page=\"unknown\"") => Ok(()),
            other => Err(format!("{other:?}")),
        }
    })
    .await;
    directory.run("one", &format!("{ONE}:8080"));
    handle.reconcile_now();
    eventually("one answers again", SLOW, || async {
        match get(&current(&hosts).await, &one).await? {
            (200, body) if body.trim() == "upstream one" => Ok(()),
            other => Err(format!("{other:?}")),
        }
    })
    .await;
    eprintln!("[{:>5.1?}] stop / remove / start", started.elapsed());

    // 9. Caddy unreachable: visible in the status, retried with back-off, Plenum answers.
    docker(&["service", "scale", "--detach", &format!("{CADDY}=0")]).await;
    let down = eventually("status shows Caddy unreachable", SLOW, || {
        let s = handle.status();
        async move {
            if s.caddy_unreachable && s.consecutive_failures >= 2 {
                Ok(s)
            } else {
                Err(format!("{s:?}"))
            }
        }
    })
    .await;
    assert!(!down.is_healthy());
    assert!(down.next_pass_in_seconds <= PERIOD_SECONDS);
    assert!(
        down.last_error.as_deref().unwrap().contains("unreachable"),
        "{down:?}"
    );
    assert_eq!(
        ask_status(ask("two.edge.test")).await,
        200,
        "Plenum keeps answering"
    );

    // 10. Caddy back (a fresh container without saved configuration, as after a restart):
    //     the routes are back within one reconcile period of its admin API answering.
    docker(&["service", "scale", "--detach", &format!("{CADDY}=1")]).await;
    wait_routes_back(&admin, "scale 0 → 1").await;
    eventually("status healthy again", SLOW, || {
        let s = handle.status();
        async move {
            if s.is_healthy() {
                Ok(())
            } else {
                Err(format!("{s:?}"))
            }
        }
    })
    .await;

    let before = running_container(CADDY).await;
    docker(&["service", "update", "--detach", "--force", CADDY]).await;
    eventually("a new Caddy container", SLOW, || async {
        match running_container(CADDY).await {
            Some(now) if Some(&now) != before.as_ref() => Ok(()),
            other => Err(format!("{other:?}")),
        }
    })
    .await;
    wait_routes_back(&admin, "service update --force").await;
    let two = https("two.edge.test", "/");
    // A fresh Caddy has a fresh internal CA: trust its new root.
    let root = caddy_root(CADDY).await;
    let client = support::client(&root, &hosts);
    eventually("two answers after the restart", SLOW, || async {
        match get(&client, &two).await? {
            (200, body) if body.trim() == "upstream two" => Ok(()),
            other => Err(format!("{other:?}")),
        }
    })
    .await;
    eprintln!("[{:>5.1?}] Caddy down, back, restarted", started.elapsed());
    handle.stop();
}

/// Waits for the admin API to answer, then for the routes, which must follow within one
/// reconcile period (plus the time of one pass).
async fn wait_routes_back(admin: &CaddyAdmin, what: &str) {
    eventually(&format!("{what}: admin API answers"), SLOW, || async {
        admin.config().await.map_err(|e| e.to_string())
    })
    .await;
    let answering = Instant::now();
    eventually(&format!("{what}: routes back"), SLOW, || async {
        match admin.config().await {
            Ok(config) if routed_hosts(&config).len() == 2 => Ok(()),
            other => Err(format!("{other:?}")),
        }
    })
    .await;
    let took = answering.elapsed();
    eprintln!("{what}: routes back {took:?} after the admin API answered");
    assert!(
        took <= Duration::from_secs(PERIOD_SECONDS) + Duration::from_secs(2),
        "{what}: routes took {took:?}, the reconcile period is {PERIOD_SECONDS} s"
    );
}

/// A client that trusts the internal CA root Caddy holds now.
async fn current(hosts: &[&str]) -> reqwest::Client {
    support::client(&caddy_root(CADDY).await, hosts)
}
