//! Issue 5's journey in a real headless Chromium against a real Plenum with `engine.enabled`
//! and `edge.enabled`, on the real Docker Swarm behind a real Caddy: a customer orders a demo
//! instance, staff approve it, the console shows it provisioning and then running (live, from
//! the event stream, without a page load), its load is drawn (CPU and memory, arriving by
//! themselves), the instance's page answers at its host name
//! through the edge over HTTPS, the customer stops it and its host name shows the paused page.
//!
//! Plenum runs on the host at the `docker_gwbridge` gateway (Caddy dials it there); Caddy is
//! a Swarm service on the test's own edge network with 80/443 published in host mode on free
//! ports; Chromium resolves `*.e2e.test` to 127.0.0.1 and so reaches Caddy. `curl`, trusting
//! only Caddy's internal root, checks the status codes and the certificates.
//!
//! Like the other Swarm tests it fails — never skips — without Docker in Swarm mode and the
//! local images; every Swarm object carries the test's own random installation id, instance
//! ids start at a random base, and everything is removed at the end, also after a failure.
//! Needs the built app (`scripts/test.sh`, or `cargo leptos build` with `PLENUM_E2E_BIN` and
//! `PLENUM_E2E_SITE_DIR` set by hand).

use end2end::platform::{BASE_DOMAIN, Platform, SLOW, assert_clean_console, wait_for_page};
use end2end::swarm::{self, CADDY_IMAGE};
use end2end::{Browser, program};
use serde_json::json;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

const CUSTOMER: &str = "customer@example.com";
const STAFF: &str = "staff@example.com";
const PASSWORD: &str = "correct horse 42";

/// `GET url` with curl, trusting only `root` (a PEM file) and resolving the URL's host to
/// 127.0.0.1: the status code and the body, or curl's error.
fn curl(root: &Path, host: &str, port: u16, url: &str) -> Result<(u16, String), String> {
    let output = Command::new("curl")
        .args(["--silent", "--show-error", "--max-time", "10", "--cacert"])
        .arg(root)
        .arg("--resolve")
        .arg(format!("{host}:{port}:127.0.0.1"))
        .args(["--write-out", "\n%{http_code}", url])
        .output()
        .map_err(|e| format!("cannot run curl: {e}"))?;
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    if !output.status.success() {
        return Err(format!(
            "curl: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    let (body, code) = text.rsplit_once('\n').unwrap_or(("", &text));
    let code = code.parse().map_err(|e| format!("status {code:?}: {e}"))?;
    Ok((code, body.to_owned()))
}

/// Logs in at /login and waits for the dashboard.
async fn log_in(browser: &Browser<'_>, email: &str) {
    browser.goto("/login").await;
    browser.fill("#login-form", "email", email).await;
    browser.fill("#login-form", "password", PASSWORD).await;
    browser.submit("#login-form").await;
    browser.wait_for_path("/").await;
    browser.wait_for_text("header .who", email).await;
}

/// Sets the value of the form control matching `css` as a person's choice would (with the
/// `input` and `change` events the app listens to); for selects and date inputs.
async fn choose(browser: &Browser<'_>, css: &str, value: &str) {
    browser.wait_for(css).await;
    browser
        .js(
            "const e = document.querySelector(arguments[0]); e.value = arguments[1];\
             e.dispatchEvent(new Event('input', { bubbles: true }));\
             e.dispatchEvent(new Event('change', { bubbles: true })); return e.value;",
            vec![json!(css), json!(value)],
        )
        .await;
    browser
        .eventually(&format!("`{css}` to hold {value:?}"), async || {
            let now = browser
                .client()
                .execute(
                    "return document.querySelector(arguments[0]).value;",
                    vec![json!(css)],
                )
                .await?;
            Ok((now == json!(value)).then_some(()))
        })
        .await;
}

/// Waits (live, without reloading) until the console's status begins with `status`.
async fn wait_for_status(browser: &Browser<'_>, status: &str) {
    browser
        .eventually_within(SLOW, &format!("the console to show {status}"), async || {
            Ok(browser
                .text("#instance-status")
                .await?
                .filter(|s| s.starts_with(status)))
        })
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customer_orders_staff_approve_console_goes_live_edge_serves_then_pauses() {
    swarm::preflight(&[CADDY_IMAGE, "plenum/demo-app:1.0", "plenum/postgres:15"]);
    program("PLENUM_E2E_CURL", "/usr/bin/curl", "curl");
    let started = Instant::now();

    // --- Caddy on the test Swarm, Plenum on the host where Caddy reaches it; staff by the
    // command line, as the README says ---
    // Event mode from the event day's start (today stays quiet, whatever the hour), and a
    // phase scheduler pass every minute (the hibernation below).
    let phases = "[phases]\nevent_lead_hours = 0\ncheck_minutes = 1\n";
    let platform = Platform::start("e2e-console", phases, |cli| {
        cli.run(
            &["admin", "create", "--email", STAFF],
            &format!("{PASSWORD}\n"),
        );
    })
    .await;
    let harness = &platform.harness;
    let (caddy, https_port) = (&platform.caddy, platform.https_port);
    let slug = format!("congress-{}", platform.installation.suffix());
    let host = format!("{slug}.{BASE_DOMAIN}");

    // --- The customer signs up and orders a demo instance for tomorrow's congress ---
    let customer = platform.browser("customer").await;
    customer.goto("/signup").await;
    customer.fill("#signup-form", "email", CUSTOMER).await;
    customer.fill("#signup-form", "password", PASSWORD).await;
    customer.submit("#signup-form").await;
    customer.wait_for_path("/").await;
    let org_href = customer
        .wait_for("#org-list a")
        .await
        .attr("href")
        .await
        .ok()
        .flatten()
        .unwrap_or_default();
    if !org_href.starts_with("/orgs/") {
        customer
            .fail(&format!("the organisation link is {org_href:?}"))
            .await;
    }
    customer.goto(&format!("{org_href}/order")).await;
    customer.wait_for_handler("#order-form", "submit").await;
    let dates = customer
        .js(
            "const today = document.querySelector('#order-start').min;\
             const next = new Date(today + 'T00:00:00Z'); next.setUTCDate(next.getUTCDate() + 1);\
             return [today, next.toISOString().slice(0, 10)];",
            vec![],
        )
        .await;
    let (Some(today), Some(tomorrow)) = (dates[0].as_str(), dates[1].as_str()) else {
        customer
            .fail(&format!("no dates from the order form: {dates}"))
            .await;
    };
    customer
        .fill("#order-form", "name", "Spring congress")
        .await;
    customer.fill("#order-form", "slug", &slug).await;
    customer.wait_for_text("#slug-status", "available").await;
    choose(&customer, "#order-template", "demo").await;
    choose(&customer, "#order-version", "1.0").await;
    choose(&customer, "#order-plan", "small").await;
    choose(&customer, "#order-start", today).await;
    choose(&customer, "#order-end", tomorrow).await;
    customer
        .fill("#order-form", "event_days", &format!("{tomorrow} 80"))
        .await;
    customer
        .fill("#order-form", "contact", "Ada, +49 30 1234")
        .await;
    // The dates are checked against the platform's capacity as soon as they are given.
    customer
        .wait_for_text("#availability", "These dates fit.")
        .await;
    customer.wait_for("#availability svg.load-chart").await;
    customer.submit("#order-form").await;
    let placed = customer
        .wait_for_text("#order-placed", "placed: pending")
        .await;
    let order_id = placed
        .strip_prefix("Order ")
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|id| id.parse::<i64>().ok());
    let Some(order_id) = order_id else {
        customer
            .fail(&format!("no order number in {placed:?}"))
            .await;
    };

    // --- Staff approve it in the queue; the rental has begun, so it is provisioned ---
    let staff = harness.browser("staff").await;
    log_in(&staff, STAFF).await;
    staff.goto("/staff/orders").await;
    let row = format!("tr[data-order=\"{order_id}\"]");
    staff.wait_for_text(&row, &slug).await;
    // The order's load on the platform, day by day, beside the approved ones.
    staff
        .wait_for_text(&format!("{row} .availability"), "These dates fit.")
        .await;
    staff.wait_for(&format!("{row} svg.load-chart")).await;
    staff
        .wait_for_handler(&format!("{row} form"), "submit")
        .await;
    staff.click_button(&row, "Approve").await;
    staff
        .wait_until_gone(&row, "the approved order to leave the queue")
        .await;
    if let Some(error) = staff.text(".form-error").await.ok().flatten() {
        staff
            .fail(&format!("approving showed an error: {error}"))
            .await;
    }
    // The capacity calendar: demand against the cluster, drawn, with the forecast.
    staff.goto("/staff/instances").await;
    staff
        .wait_for_text("#capacity-forecast", "orders may use")
        .await;
    staff.wait_for("svg.capacity-chart").await;

    // --- The customer opens the new instance's console: provisioning, then running live ---
    // (at once: the approval has triggered the engine, and a demo instance is up in seconds)
    customer.goto(&org_href).await;
    customer.wait_for_text("#instances", &slug).await;
    customer.click("#instances a[href^=\"/instances/\"]").await;
    customer.wait_for("section.instance-console").await;
    let console = customer.path().await.unwrap_or_default();
    if !console.starts_with("/instances/") {
        customer
            .fail(&format!("the instance link led to {console}"))
            .await;
    }
    let first_status = customer.wait_for_text("#instance-status", "").await;
    // Made from an order: the console says where it stands in the rental (quiet today, or
    // not applied yet when the phase scheduler has not run for it) and what the calendar
    // does next.
    customer
        .wait_for_text(
            "#instance-phase",
            &format!("event from {tomorrow} 00:00 UTC"),
        )
        .await;
    if !first_status.starts_with("provisioning") {
        customer
            .fail(&format!(
                "right after approval the console should say provisioning, not {first_status:?}"
            ))
            .await;
    }
    assert_clean_console(&staff).await;
    staff.close().await;
    customer
        .wait_for_handler("section.instance-console form", "submit")
        .await;
    let marker = customer.set_page_marker().await;
    wait_for_status(&customer, "running").await;
    customer.wait_for_text("#event-log", "create service").await;
    customer
        .assert_no_page_load(&marker, "the status changing to running")
        .await;

    // --- Its load is drawn and arrives by itself: the engine samples every 30 s, the
    // section refreshes ---
    let memory = customer
        .eventually_within(
            SLOW,
            "the load chart to draw the memory in use",
            async || {
                Ok(customer
                    .text("#load figure.memory figcaption")
                    .await?
                    .filter(|t| t.contains("MB")))
            },
        )
        .await;
    assert!(memory.starts_with("Memory"), "{memory}");
    customer
        .wait_for("#load figure.memory svg[role=\"img\"] title")
        .await;
    customer.wait_for("#load figure.cpu svg").await;
    customer
        .assert_no_page_load(&marker, "the load chart arriving")
        .await;

    // --- Its address opens the instance's own page through the edge, over HTTPS ---
    let url = format!("https://{host}:{https_port}/");
    let link = customer.wait_for(&format!("a[href=\"{url}\"]")).await;
    if let Err(e) = link.click().await {
        customer
            .fail(&format!("clicking the address {url} failed: {e}"))
            .await;
    }
    let page = wait_for_page(&customer, &url, "h1#instance", &slug).await;
    assert!(
        !page.contains("paused"),
        "the running instance's page: {page}"
    );
    let root_dir = tempfile::tempdir().expect("a temporary directory");
    let root = root_dir.path().join("caddy-root.pem");
    std::fs::write(&root, swarm::caddy_root(caddy).await).expect("the root is written");
    let (status, body) = curl(&root, &host, https_port, &url)
        .unwrap_or_else(|e| panic!("{url} over HTTPS with Caddy's root: {e}"));
    assert_eq!(status, 200, "{url}: {body}");
    assert!(
        body.contains(&format!("<h1 id=\"instance\">{slug}</h1>")),
        "{url} is the instance's own page: {body}"
    );

    // --- Nobody used it for days (the test moves its last use back): the phase scheduler
    // lets it hibernate; a visit to its address shows the "waking up" page, which wakes it
    // and opens the instance by itself as soon as it answers ---
    let console_url = format!("{}{console}", harness.base_url());
    let sqlite3 = program("PLENUM_E2E_SQLITE3", "/usr/bin/sqlite3", "sqlite3");
    let output = Command::new(sqlite3)
        .arg(harness.database())
        .arg(format!(
            "UPDATE instances SET last_used_at = '2020' || substr(created_at, 5) \
             WHERE slug = '{slug}';"
        ))
        .output()
        .expect("sqlite3 runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    wait_for_page(&customer, &console_url, "#instance-phase", "hibernated").await;
    customer
        .wait_for_text("section.instance-console .row-actions", "Wake up")
        .await;
    wait_for_status(&customer, "stopped").await;
    customer.goto_url(&url).await;
    customer.wait_for_text("#edge-status", "waking up").await;
    // No reload by the test: the page itself opens the instance.
    customer
        .eventually_within(SLOW, "the waking page to open the instance", async || {
            Ok(customer
                .text("h1#instance")
                .await
                .ok()
                .flatten()
                .filter(|t| t.contains(&slug)))
        })
        .await;
    wait_for_page(&customer, &console_url, "#instance-phase", "quiet").await;
    customer
        .wait_for_text("#event-log", "woken by a visit to its address")
        .await;
    // The owner keeps it awake from now on: the form says so, and the log.
    customer
        .wait_for_handler("form.hibernation-form", "submit")
        .await;
    customer
        .click_button("form.hibernation-form", "Keep it awake")
        .await;
    customer.wait_for_text("#hibernation", "stays awake").await;
    customer
        .wait_for_text("#event-log", "stays awake while unused")
        .await;

    // --- The customer stops it: the console says stopped, the address the paused page ---
    customer.goto(&console).await;
    customer.wait_for_text("#instance-status", "running").await;
    customer
        .wait_for_handler("section.instance-console form", "submit")
        .await;
    let marker = customer.set_page_marker().await;
    customer
        .click_button("section.instance-console .row-actions", "Stop")
        .await;
    wait_for_status(&customer, "stopped").await;
    customer
        .assert_no_page_load(&marker, "stopping the instance")
        .await;
    let page = wait_for_page(&customer, &url, "#edge-status", "paused").await;
    assert!(
        page.contains("This meeting platform is paused"),
        "the paused page: {page}"
    );
    let (status, body) = curl(&root, &host, https_port, &url)
        .unwrap_or_else(|e| panic!("{url} over HTTPS with Caddy's root: {e}"));
    assert_eq!(status, 503, "{url} when paused: {body}");
    assert!(body.contains("data-page=\"paused\""), "{body}");

    assert_clean_console(&customer).await;
    customer.close().await;
    drop(platform);
    eprintln!("console journey took {:.1?}", started.elapsed());
}
