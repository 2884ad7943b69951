//! What the tests that run instances on the real local Swarm share: a Plenum with
//! `engine.enabled` under an installation id of its own, instance ids from a base of their
//! own (so that stack names never meet another run's), and the cleanup of what an
//! installation left behind.

use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

use domain::template::EndpointMode;
use engine::settings::EntryAccess;
use sea_orm::{ConnectionTrait, Statement};
use server::config::Settings;

/// `SecretKey::from_bytes([7; 32])` in base64, as `engine.secret_key_file` holds it.
const KEY: &str = "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=";

/// Runs `docker` with `args`; its standard output.
pub fn docker(args: &[&str]) -> String {
    docker_on(None, args)
}

/// Runs `docker` against the engine at `host` (`-H`; the local one when None) with `args`;
/// its standard output.
pub fn docker_on(host: Option<&str>, args: &[&str]) -> String {
    let mut command = Command::new("docker");
    if let Some(host) = host {
        command.args(["-H", host]);
    }
    let out = command.args(args).output().expect("docker runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The manager of the test command's Swarm of three nodes (`PLENUM_TEST_SWARM_NODES`, set
/// by `scripts/lib/test-swarm.sh`).
pub fn multi_node_swarm() -> String {
    std::env::var("PLENUM_TEST_SWARM_NODES").unwrap_or_else(|_| {
        panic!(
            "PLENUM_TEST_SWARM_NODES is not set: run the tests with scripts/test.sh, or start the \
             Swarm of three nodes with `source scripts/lib/setup.sh; source \
             scripts/lib/test-swarm.sh; ensure_test_swarm` and export what it prints"
        )
    })
}

/// Held by every test on the Swarm of three nodes: one kills a node's engine, which the
/// others must not meet mid-way.
pub static MULTI_NODE: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// An engine-enabled Plenum's own installation: its id, key file and a seed for ids.
pub struct Installation {
    /// The installation id (every Swarm object's label).
    pub id: String,
    /// A number that differs between runs.
    pub seed: u64,
    /// The Docker engine of its Swarm (`-H`; None: the local one).
    pub host: Option<String>,
    key_dir: tempfile::TempDir,
}

impl Installation {
    /// A new installation named `prefix-<random>`; needs Docker in Swarm mode.
    pub fn new(prefix: &str) -> Self {
        Self::on(prefix, None)
    }

    /// A new installation on the Swarm whose manager is `host` (None: the local engine).
    pub fn on(prefix: &str, host: Option<String>) -> Self {
        let state = docker_on(
            host.as_deref(),
            &["info", "--format", "{{.Swarm.LocalNodeState}}"],
        );
        assert_eq!(
            state.trim(),
            "active",
            "needs Docker in Swarm mode (scripts/ensure-docker.sh)"
        );
        let seed = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0) as u64
            ^ u64::from(std::process::id());
        let key_dir = tempfile::tempdir().unwrap();
        std::fs::write(key_dir.path().join("key"), KEY).unwrap();
        Self {
            id: format!("{prefix}-{:x}", seed % 0xffff_ffff),
            seed,
            host,
            key_dir,
        }
    }

    /// Turns the engine on in `s` for this installation (DNS round robin and bridge
    /// addresses, as on these machines; a quick resync).
    pub fn configure(&self, s: &mut Settings) {
        s.engine.enabled = true;
        s.engine.secret_key_file = Some(self.key_dir.path().join("key"));
        s.engine.installation_id = self.id.clone();
        s.engine.edge_network = format!("{}_edge", self.id);
        s.engine.base_domain = "plenum.test".to_owned();
        s.engine.endpoint_mode = EndpointMode::Dnsrr;
        s.engine.entry_access = EntryAccess::BridgeAddress;
        s.engine.resync_seconds = 2;
        s.engine.orphan_grace_seconds = 3600;
        if let Some(host) = &self.host {
            // Plenum outside a Swarm of several nodes: entry services on node ports.
            s.engine.docker_host = host.clone();
            s.engine.entry_access = EntryAccess::NodePort;
        }
    }

    /// Runs `docker` with `args` against this installation's Swarm.
    pub fn docker(&self, args: &[&str]) -> String {
        docker_on(self.host.as_deref(), args)
    }

    /// The Docker engines that hold its volumes: every node's own API on a Swarm of
    /// several nodes (`tcp://<node address>:2375`), else the local engine.
    fn volume_hosts(&self) -> Vec<Option<String>> {
        if self.host.is_none() {
            return vec![None];
        }
        let ids = self.docker(&["node", "ls", "-q"]);
        ids.split_whitespace()
            .map(|id| {
                let address = self.docker(&["node", "inspect", id, "--format", "{{.Status.Addr}}"]);
                Some(format!("tcp://{}:2375", address.trim()))
            })
            .collect()
    }

    /// Makes the next instance ids of `db` start above a base of this run's own, with an
    /// erased placeholder row of organisation `org`; returns the base.
    pub async fn reserve_ids(&self, db: &store::Db, org: i64) -> i64 {
        let base = 100_000 + (self.seed % 800_000) as i64;
        db.connection()
            .execute(Statement::from_string(
                db.connection().get_database_backend(),
                format!(
                    "INSERT INTO instances (id, organisation_id, name, slug, template, version, \
                     lifecycle, replicas, generation, status, observed_generation, created_at, \
                     updated_at, status_at) VALUES ({base}, {org}, 'base', 'base-{base}', 'demo', \
                     '1.0', 'erased', '{{}}', 1, 'erased', 1, '2026-01-01 00:00:00', \
                     '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
                ),
            ))
            .await
            .unwrap();
        // PostgreSQL's sequence does not follow an explicit id (SQLite's counter does).
        if db.connection().get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            db.connection()
                .execute_unprepared(&format!(
                    "SELECT setval(pg_get_serial_sequence('instances', 'id'), {base})"
                ))
                .await
                .unwrap();
        }
        base
    }
}

impl Drop for Installation {
    /// Removes what the installation left behind, should the test fail before erasing.
    fn drop(&mut self) {
        let filter = format!("label=org.plenum.installation={}", self.id);
        // Networks and volumes stay in use until the services' containers are gone: try
        // again for a while rather than leave them behind.
        let manager = self.host.clone();
        let kinds = [
            ("service", vec![manager.clone()]),
            ("secret", vec![manager.clone()]),
            ("network", vec![manager]),
            ("volume", self.volume_hosts()),
        ];
        for (kind, hosts) in kinds {
            for host in hosts {
                for _ in 0..40 {
                    let ids = docker_on(host.as_deref(), &[kind, "ls", "-q", "--filter", &filter]);
                    let ids: Vec<&str> = ids.split_whitespace().collect();
                    if ids.is_empty() {
                        break;
                    }
                    let mut args = vec![kind, "rm"];
                    args.extend(&ids);
                    docker_on(host.as_deref(), &args);
                    std::thread::sleep(std::time::Duration::from_millis(500));
                }
            }
        }
    }
}
