//! The test harness: a preflight check of Docker, Swarm and the images; a SQLite store in a
//! temporary directory; an engine with its own installation id (so tests and other users
//! of this Swarm never see each other's objects) and instance ids from a random base (so
//! stack names never collide); waiting helpers; and a clean-up that removes every object
//! with the test's installation label even when the test fails.

use std::collections::BTreeMap;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use domain::account::Email;
use domain::instance::{Slug, Status};
use domain::template::EndpointMode;
use engine::reconcile::Context;
use engine::settings::EntryAccess;
use engine::{Controller, ControllerHandle, Engine, EngineSettings, NewInstanceRequest};
use sea_orm::{ConnectionTrait, Statement};
use store::{Db, InstanceRecord, NewUser, SecretKey};

/// Images the demo template and the tests use.
const IMAGES: [&str; 6] = [
    "plenum/busybox:1",
    "plenum/demo-app:1.0",
    "plenum/demo-app:1.1",
    "plenum/demo-app:broken",
    "plenum/demo-app:bad-migration",
    "plenum/postgres:15",
];

/// Runs `docker args…`; its stdout, or the failure with stderr.
pub fn docker(args: &[&str]) -> Result<String, String> {
    let out = Command::new("docker")
        .args(args)
        .output()
        .map_err(|e| format!("cannot run docker {args:?}: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!(
            "docker {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// Fails the test (never skips) when Docker, Swarm or an image is missing.
pub fn preflight() {
    let state = docker(&[
        "info",
        "--format",
        "{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}",
    ])
    .unwrap_or_else(|e| {
        panic!("the engine tests need a running Docker engine: {e}. Run scripts/ensure-docker.sh")
    });
    assert_eq!(
        state.trim(),
        "active true",
        "the engine tests need a Swarm manager (docker swarm init); run scripts/ensure-docker.sh"
    );
    for image in IMAGES {
        docker(&["image", "inspect", "--format", "{{.Id}}", image])
            .unwrap_or_else(|_| panic!("image {image} is missing; run images/build.sh"));
    }
}

static SEQUENCE: AtomicU32 = AtomicU32::new(0);

/// Something unique to this test within this run and across runs.
fn unique() -> (u32, u64) {
    let n = SEQUENCE.fetch_add(1, Ordering::SeqCst);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let seed = (nanos as u64) ^ (u64::from(std::process::id()) << 20) ^ u64::from(n);
    (n, seed)
}

/// One test's world.
pub struct Harness {
    _dir: tempfile::TempDir,
    /// The store.
    pub db: Db,
    /// The engine's context.
    pub ctx: Arc<Context>,
    /// The lifecycle API.
    pub engine: Engine,
    /// The running controller.
    pub controller: Option<ControllerHandle>,
    /// This test's installation id.
    pub installation: String,
    org_id: i64,
}

/// Settings for tests: dnsrr (no IPVS here), health checks by bridge address, fast resync.
pub fn test_settings(installation: &str) -> EngineSettings {
    EngineSettings {
        installation_id: installation.to_owned(),
        edge_network: format!("{installation}_edge"),
        base_domain: "plenum.test".to_owned(),
        endpoint_mode: EndpointMode::Dnsrr,
        entry_access: EntryAccess::BridgeAddress,
        resync_seconds: 2,
        orphan_grace_seconds: 3600,
        docker_timeout_seconds: 20,
        ..Default::default()
    }
}

impl Harness {
    /// A harness with a running controller.
    pub async fn start(name: &str) -> Self {
        Self::with(name, |_| {}, true).await
    }

    /// A harness with changed settings, with or without a controller.
    pub async fn with(
        name: &str,
        change: impl FnOnce(&mut EngineSettings),
        controller: bool,
    ) -> Self {
        preflight();
        let (n, seed) = unique();
        let installation = format!("t-{name}-{:x}-{n}", seed % 0xffff_ffff);
        let mut settings = test_settings(&installation);
        change(&mut settings);
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("plenum.db").display()
        );
        let db = Db::connect(&url).await.expect("database");
        db.migrate().await.expect("migrations");
        let (_, org) = db
            .create_customer(
                NewUser {
                    email: Email::parse("owner@example.org").expect("email"),
                    password_hash: "x".to_owned(),
                    is_staff: false,
                },
                "Union",
            )
            .await
            .expect("organisation");
        // Instance ids (and so stack names) start at a random base: other test runs and
        // other users of this Swarm use other names.
        let base = 100_000 + (seed % 800_000) as i64;
        db.connection()
            .execute(Statement::from_string(
                db.connection().get_database_backend(),
                format!(
                    "INSERT INTO instances (id, organisation_id, name, slug, template, version, \
                     lifecycle, replicas, generation, status, observed_generation, created_at, \
                     updated_at, status_at) VALUES ({base}, {}, 'base', 'base-{base}', 'demo', \
                     '1.0', 'erased', '{{}}', 1, 'erased', 1, '2026-01-01 00:00:00', \
                     '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
                    org.id
                ),
            ))
            .await
            .expect("id base");
        let docker = engine::docker::Docker::connect(&settings)
            .expect("docker client")
            .negotiate()
            .await
            .expect("docker answers");
        let key = SecretKey::from_bytes([7; 32]);
        let ctx = Arc::new(Context::new(db.clone(), docker, settings, key).expect("settings"));
        let (engine, handle) = if controller {
            let handle = Controller::spawn(ctx.clone());
            (Engine::new(ctx.clone(), handle.trigger()), Some(handle))
        } else {
            let (trigger, _) = engine::controller::Trigger::channel();
            (Engine::new(ctx.clone(), trigger), None)
        };
        Self {
            _dir: dir,
            db,
            ctx,
            engine,
            controller: handle,
            installation,
            org_id: org.id,
        }
    }

    /// A demo instance request.
    pub fn demo(&self, slug: &str, version: &str) -> NewInstanceRequest {
        NewInstanceRequest {
            organisation_id: self.org_id,
            name: format!("Demo {slug}"),
            slug: Slug::parse(slug).expect("slug"),
            template: "demo".to_owned(),
            version: version.to_owned(),
            replicas: BTreeMap::new(),
        }
    }

    /// Waits until instance `id` satisfies `done`, failing with its last status after
    /// `limit`.
    pub async fn wait_for(
        &self,
        id: i64,
        limit: Duration,
        what: &str,
        done: impl Fn(&InstanceRecord) -> bool,
    ) -> InstanceRecord {
        let start = Instant::now();
        loop {
            let record = self.db.instance(id).await.expect("instance");
            if done(&record) {
                return record;
            }
            if start.elapsed() > limit {
                let events = self
                    .db
                    .recent_instance_events(id, 12)
                    .await
                    .unwrap_or_default();
                let log: Vec<String> = events
                    .iter()
                    .rev()
                    .map(|e| format!("{} {}", e.kind.as_str(), e.message))
                    .collect();
                panic!(
                    "instance {id}: not {what} after {limit:?}: status {} ({:?}); events: {log:#?}",
                    record.status, record.status_reason
                );
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    }

    /// Waits for status `status`.
    pub async fn wait_status(&self, id: i64, status: Status, limit: Duration) -> InstanceRecord {
        self.wait_for(id, limit, status.as_str(), |r| {
            r.status == status && r.observed_generation == r.generation
        })
        .await
    }

    /// Ids of objects of `kind` (`service`, `network`, `volume`, `secret`) with this test's
    /// installation label and the extra `label` filters.
    pub fn objects(&self, kind: &str, labels: &[String]) -> Vec<String> {
        let mut args = vec![kind.to_owned(), "ls".to_owned(), "-q".to_owned()];
        let mut filters = vec![format!(
            "label=org.plenum.installation={}",
            self.installation
        )];
        filters.extend(labels.iter().map(|l| format!("label={l}")));
        for f in filters {
            args.push("--filter".to_owned());
            args.push(f);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        docker(&args)
            .expect("docker ls")
            .lines()
            .map(str::to_owned)
            .filter(|l| !l.is_empty())
            .collect()
    }

    /// Counts of services, networks, volumes and secrets of instance `id`.
    pub fn counts(&self, id: i64) -> [usize; 4] {
        let label = [format!("org.plenum.instance={id}")];
        ["service", "network", "volume", "secret"].map(|kind| self.objects(kind, &label).len())
    }

    /// The base URL of instance `id`'s web page (a running web task's bridge address),
    /// waiting up to 30 s for one (during a rolling update the old task stops first).
    pub async fn web_url(&self, id: i64) -> String {
        let docker = &self.ctx.docker;
        for _ in 0..60 {
            let observed = docker
                .observe(&self.installation, id)
                .await
                .expect("observe");
            let ids: Vec<String> = observed
                .objects
                .services
                .iter()
                .filter(|s| s.name.ends_with("_web"))
                .map(|s| s.id.clone())
                .collect();
            let tasks = docker.tasks(&ids).await.expect("tasks");
            let addresses = docker.bridge_addresses().await.expect("gwbridge");
            if let Some(ip) = tasks
                .iter()
                .filter(|t| t.running)
                .find_map(|t| addresses.get(t.container_id.as_ref()?))
            {
                return format!("http://{ip}:8080");
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        panic!("instance {id}: no running web task with a bridge address for 30 s");
    }

    /// Stops the controller; dropping the harness then removes everything with this test's
    /// installation label.
    pub async fn finish(mut self) {
        if let Some(controller) = self.controller.take() {
            controller.shutdown().await;
        }
    }

    fn cleanup(&self) {
        for kind in ["service", "secret", "network", "volume"] {
            for _ in 0..20 {
                let left = self.objects(kind, &[]);
                if left.is_empty() {
                    break;
                }
                let mut args = vec![kind, "rm"];
                args.extend(left.iter().map(String::as_str));
                let _ = docker(&args);
                std::thread::sleep(Duration::from_millis(500));
            }
        }
        let _ = docker(&["network", "rm", &format!("{}_edge", self.installation)]);
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        // A failed test: stop the controller first, or it recreates what is removed.
        drop(self.controller.take());
        self.cleanup();
    }
}

/// GET `url`: status and body.
pub async fn get(url: &str) -> (u16, String) {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .no_proxy()
        .build()
        .expect("http client");
    match client.get(url).send().await {
        Ok(answer) => {
            let status = answer.status().as_u16();
            (status, answer.text().await.unwrap_or_default())
        }
        Err(e) => (0, e.to_string()),
    }
}
