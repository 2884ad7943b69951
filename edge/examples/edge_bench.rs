//! Benchmark: requests per second and p99 latency to one demo instance (`plenum/demo-app`,
//! `GET /version`) reached directly and through the edge (real Caddy, HTTPS), in one run,
//! with 1, then 50, then again 1 instance routes configured. Prints a Markdown table for
//! BENCHMARKS.md.
//!
//! Needs the Swarm and images (`scripts/ensure-docker.sh`, `images/build.sh`), Debian's `wrk`,
//! and `127.0.0.1 zz-bench.bench.test` in `/etc/hosts` (wrk takes TLS SNI from the URL's
//! host, so the name must resolve). Run:
//!
//! ```sh
//! cargo run -p edge --example edge_bench
//! ```
//!
//! `EDGE_BENCH_SECONDS` (default 15) and `EDGE_BENCH_CONNECTIONS` (default 50) change the
//! wrk run; ports 28080/28443 are used for Caddy.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::Duration;

use edge::Reconciler;
use edge::settings::{EdgeSettings, TlsIssuer};
use support::*;

const TEST: &str = "edge-bench";
const CADDY: &str = "edgebench-caddy";
const APP: &str = "edgebench-demo";
const HOST: &str = "zz-bench.bench.test";
const HTTP_PORT: u16 = 28080;
const HTTPS_PORT: u16 = 28443;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let seconds: u64 = env_or("EDGE_BENCH_SECONDS", 15);
    let connections: u64 = env_or("EDGE_BENCH_CONNECTIONS", 50);
    preflight(&[CADDY_IMAGE, DEMO_APP_IMAGE]).await;
    let hosts = std::fs::read_to_string("/etc/hosts").unwrap_or_default();
    assert!(
        hosts
            .lines()
            .any(|l| l.starts_with("127.0.0.1") && l.split_whitespace().any(|w| w == HOST)),
        "add `127.0.0.1 {HOST}` to /etc/hosts (wrk takes SNI from the URL)"
    );
    remove_services(TEST).await;
    let _cleanup = Cleanup(TEST);
    ensure_edge_network().await;

    create_demo_app(TEST, APP, "bench").await;
    create_caddy(TEST, CADDY, HTTP_PORT, HTTPS_PORT).await;
    let forwarder = AdminForwarder::start(CADDY).await;
    forwarder.wait_for_target(Duration::from_secs(90)).await;

    let directory = MemoryDirectory::default();
    directory.run("zz-bench", &format!("{APP}:8080"));
    let (listener, plenum) = plenum_listener(gateway_ip().await).await;
    let setup = EdgeSettings {
        enabled: true,
        base_domain: "bench.test".to_owned(),
        tls_issuer: TlsIssuer::Internal,
        caddy_admin_url: format!("http://{}", forwarder.addr),
        plenum_upstream: plenum.to_string(),
        https_port: HTTPS_PORT,
        ..EdgeSettings::default()
    }
    .check()
    .unwrap();
    let reconciler = Reconciler::new(setup.clone(), directory.clone()).unwrap();
    // The status pages' handle; the measured passes below are run by hand.
    let handle = reconciler.clone().spawn();
    serve_plenum(
        listener,
        setup,
        directory.clone(),
        directory.clone(),
        handle,
    );

    let direct_ip = eventually("demo-app container", Duration::from_secs(90), || async {
        container_ip(APP)
            .await
            .ok_or_else(|| "no container yet".to_owned())
    })
    .await;
    let direct = format!("http://{direct_ip}:8080/version");
    let through_edge = format!("https://{HOST}:{HTTPS_PORT}/version");

    let mut rows = Vec::new();
    // 1, 50, then 1 again: the third run shows how much of a difference is the order of
    // the runs (a busy machine) rather than the number of routes.
    for routes in [1usize, 50, 1] {
        for n in 1..50 {
            // Other instances, sorted before the measured one (Caddy matches routes in order).
            let slug = format!("other{n:02}");
            if n < routes {
                directory.run(&slug, &format!("pl{n}_web:8080"));
            } else {
                directory.remove(&slug);
            }
        }
        let report = eventually("edge configured", Duration::from_secs(90), || async {
            reconciler.pass().await.map_err(|e| e.to_string())
        })
        .await;
        assert_eq!(report.routes, routes);
        // Warm up: the on-demand certificate is issued before measuring.
        let root = caddy_root(CADDY).await;
        let client = client(&root, &[HOST]);
        eventually(
            "the instance answers through the edge",
            Duration::from_secs(90),
            || async {
                match get(&client, &through_edge).await? {
                    (200, _) => Ok(()),
                    other => Err(format!("{other:?}")),
                }
            },
        )
        .await;
        let d = wrk(&direct, seconds, connections).await;
        let e = wrk(&through_edge, seconds, connections).await;
        rows.push((routes, "direct (HTTP to the container)", d));
        rows.push((routes, "through the edge (HTTPS via Caddy)", e));
    }
    println!("| routes configured | path | requests/s | p99 latency |");
    println!("|---|---|---|---|");
    for (routes, path, (rps, p99)) in rows {
        println!("| {routes} | {path} | {rps:.0} | {p99} |");
    }
}

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Runs wrk against `url`; requests per second and the p99 latency as wrk prints it.
async fn wrk(url: &str, seconds: u64, connections: u64) -> (f64, String) {
    let command = [
        "-t2".to_owned(),
        format!("-c{connections}"),
        format!("-d{seconds}s"),
        "--latency".to_owned(),
        url.to_owned(),
    ];
    eprintln!("wrk {}", command.join(" "));
    let output = tokio::process::Command::new("wrk")
        .args(&command)
        .output()
        .await
        .expect("wrk is installed (apt-get install -y wrk)");
    let text = String::from_utf8_lossy(&output.stdout).to_string();
    eprintln!("{text}");
    assert!(
        output.status.success(),
        "wrk failed ({}): {text}{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        !text.contains("Non-2xx"),
        "wrk saw error responses from {url}: {text}"
    );
    let field = |prefix: &str| {
        text.lines()
            .map(str::trim)
            .find_map(|l| l.strip_prefix(prefix).map(|r| r.trim().to_owned()))
            .unwrap_or_else(|| panic!("no `{prefix}` in wrk's output: {text}"))
    };
    let rps = field("Requests/sec:").parse().unwrap();
    (rps, field("99%"))
}
