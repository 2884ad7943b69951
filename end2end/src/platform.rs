//! Plenum with the engine and the edge on the test Swarm, for journeys that reach instances:
//! an installation of its own (random id, its own edge network), a Caddy as a Swarm service
//! with 80/443 published in host mode on free ports, and Plenum on the host at the
//! `docker_gwbridge` gateway, where both Caddy and the instances' containers reach it.
//! Chromium resolves `*.e2e.test` to 127.0.0.1 and so reaches Caddy.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use serde_json::json;

use crate::swarm::{self, Installation};
use crate::{Browser, Harness, PlenumCli, free_port, program};

/// The instances' base domain.
pub const BASE_DOMAIN: &str = "e2e.test";
/// `SecretKey::from_bytes([7; 32])` in base64, as `engine.secret_key_file` holds it.
const KEY: &str = "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=";
/// Limit for what waits on containers: an instance's services starting, Caddy's routes.
pub const SLOW: Duration = Duration::from_secs(120);

/// The running platform. Dropping it stops Plenum and removes the installation's objects.
pub struct Platform {
    /// Plenum and its browsers.
    pub harness: Harness,
    /// The Swarm objects of this run (removed when dropped).
    pub installation: Installation,
    /// Caddy's service name.
    pub caddy: String,
    /// The HTTPS port Caddy publishes.
    pub https_port: u16,
    _keys: tempfile::TempDir,
}

/// Plenum's settings: the engine on this Swarm (no IPVS: DNS round robin; health checks over
/// `docker_gwbridge`; instances reach Plenum at `plenum`) and the edge through the test's
/// Caddy with its internal CA. The engine's resync period is far longer than a test: what
/// happens must come from Plenum triggering the engine, not from the periodic pass.
/// `extra` is appended (further sections).
fn settings(
    installation: &Installation,
    key_file: &Path,
    caddy_admin: &str,
    plenum: &str,
    https_port: u16,
    extra: &str,
) -> String {
    format!(
        "[engine]\n\
         enabled = true\n\
         secret_key_file = {key_file:?}\n\
         installation_id = {installation_id:?}\n\
         edge_network = {edge_network:?}\n\
         base_domain = {BASE_DOMAIN:?}\n\
         endpoint_mode = \"dnsrr\"\n\
         entry_access = \"bridge-address\"\n\
         plenum_url = \"http://{plenum}\"\n\
         resync_seconds = 600\n\
         orphan_grace_seconds = 3600\n\
         [edge]\n\
         enabled = true\n\
         base_domain = {BASE_DOMAIN:?}\n\
         tls_issuer = \"internal\"\n\
         caddy_admin_url = \"http://{caddy_admin}\"\n\
         plenum_upstream = {plenum:?}\n\
         reconcile_seconds = 2\n\
         https_port = {https_port}\n\
         {extra}",
        key_file = key_file.display().to_string(),
        installation_id = installation.id(),
        edge_network = installation.edge_network(),
    )
}

impl Platform {
    /// Starts Caddy and Plenum for a run named `prefix`; `extra` adds settings sections and
    /// `prepare` runs Plenum's command line before it starts (after the id base is set).
    pub async fn start(prefix: &str, extra: &str, prepare: impl FnOnce(&PlenumCli)) -> Self {
        let installation = Installation::new(prefix);
        installation.create_edge_network();
        let (http_port, https_port) = (free_port(), free_port());
        let caddy = format!("{}-caddy", installation.id());
        installation.create_caddy(&caddy, http_port, https_port);
        let caddy_ip = swarm::wait_until("Caddy's container", SLOW, || {
            swarm::container_ip(&caddy).ok_or_else(|| "not running yet".to_owned())
        })
        .await;
        let keys = tempfile::tempdir().expect("a temporary directory");
        let key_file = keys.path().join("key");
        std::fs::write(&key_file, KEY).expect("the key file is written");
        let gateway = swarm::gateway_ip();
        let port = free_port();
        let config = settings(
            &installation,
            &key_file,
            &format!("{caddy_ip}:2019"),
            &format!("{gateway}:{port}"),
            https_port,
            extra,
        );
        let id_base = installation.id_base();
        let harness = Harness::start_on(gateway.into(), port, &config, |cli| {
            insert_id_base(cli, id_base);
            prepare(cli);
        });
        Self {
            harness,
            installation,
            caddy,
            https_port,
            _keys: keys,
        }
    }

    /// The public URL of the instance with address `slug`.
    pub fn instance_url(&self, slug: &str) -> String {
        format!("https://{slug}.{BASE_DOMAIN}:{}/", self.https_port)
    }

    /// A browser that reaches instances through Caddy (whose certificates come from its own
    /// CA).
    pub async fn browser(&self, who: &str) -> Browser<'_> {
        let resolve = format!("--host-resolver-rules=MAP *.{BASE_DOMAIN} 127.0.0.1");
        self.harness
            .browser_with(who, &[&resolve, "--ignore-certificate-errors"])
            .await
    }
}

/// Before Plenum starts: the schema, and an erased instance with the run's id base (so the
/// instances of this run get ids above it, and stacks `pl<id>` of their own), in an
/// organisation of its own.
fn insert_id_base(cli: &PlenumCli, id_base: i64) {
    cli.run(&["migrate"], "");
    let sqlite3 = program("PLENUM_E2E_SQLITE3", "/usr/bin/sqlite3", "sqlite3");
    let sql = format!(
        "INSERT INTO organisations (name, created_at) VALUES ('e2e id base', '2026-01-01 00:00:00');\n\
         INSERT INTO instances (id, organisation_id, name, slug, template, version, lifecycle, \
         replicas, generation, status, observed_generation, created_at, updated_at, status_at) \
         VALUES ({id_base}, last_insert_rowid(), 'base', 'base-{id_base}', 'demo', '1.0', 'erased', \
         '{{}}', 1, 'erased', 1, '2026-01-01 00:00:00', '2026-01-01 00:00:00', '2026-01-01 00:00:00');\n"
    );
    let output = Command::new(sqlite3)
        .arg(cli.database())
        .arg(sql)
        .output()
        .expect("sqlite3 runs");
    assert!(
        output.status.success(),
        "inserting the id base failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Reloads `url` until the element matching `css` shows `expected` (the edge needs a pass or
/// two after a change); returns the whole page's text.
pub async fn wait_for_page(browser: &Browser<'_>, url: &str, css: &str, expected: &str) -> String {
    browser
        .eventually_within(
            SLOW,
            &format!("{url} to show {expected:?} in `{css}`"),
            async || {
                browser.goto_url(url).await;
                let found = browser.text(css).await?.filter(|t| t.contains(expected));
                if found.is_none() {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    return Ok(None);
                }
                browser.text("body").await
            },
        )
        .await
}

/// Fails if the browser console reports a hydration error, a panic of the WASM app or an
/// attribute the browser could not use, since the last look.
pub async fn assert_clean_console(browser: &Browser<'_>) {
    let console = browser.console().await;
    for problem in ["hydration", "panicked", "Invalid regular expression"] {
        if console.contains(problem) {
            browser
                .fail(&format!(
                    "the browser console reports {problem:?}:\n{console}"
                ))
                .await;
        }
    }
}

/// Calls server function `endpoint` from the browser's current Plenum page (its session and
/// origin), with `form`; the answer as JSON.
pub async fn call(
    browser: &Browser<'_>,
    endpoint: &str,
    form: serde_json::Value,
) -> serde_json::Value {
    browser
        .js(
            "return fetch('/api/' + arguments[0], { method: 'POST', body: new URLSearchParams(arguments[1]) })\
             .then(r => r.text()).then(t => { try { return JSON.parse(t); } catch (e) { return t; } });",
            vec![json!(endpoint), form],
        )
        .await
}
