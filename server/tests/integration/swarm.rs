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
    let out = Command::new("docker")
        .args(args)
        .output()
        .expect("docker runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// An engine-enabled Plenum's own installation: its id, key file and a seed for ids.
pub struct Installation {
    /// The installation id (every Swarm object's label).
    pub id: String,
    /// A number that differs between runs.
    pub seed: u64,
    key_dir: tempfile::TempDir,
}

impl Installation {
    /// A new installation named `prefix-<random>`; needs Docker in Swarm mode.
    pub fn new(prefix: &str) -> Self {
        let state = docker(&["info", "--format", "{{.Swarm.LocalNodeState}}"]);
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
        base
    }
}

impl Drop for Installation {
    /// Removes what the installation left behind, should the test fail before erasing.
    fn drop(&mut self) {
        let filter = format!("label=org.plenum.installation={}", self.id);
        // Networks and volumes stay in use until the services' containers are gone: try
        // again for a while rather than leave them behind.
        for kind in ["service", "secret", "network", "volume"] {
            for _ in 0..40 {
                let ids = docker(&[kind, "ls", "-q", "--filter", &filter]);
                let ids: Vec<&str> = ids.split_whitespace().collect();
                if ids.is_empty() {
                    break;
                }
                let mut args = vec![kind, "rm"];
                args.extend(&ids);
                docker(&args);
                std::thread::sleep(std::time::Duration::from_millis(500));
            }
        }
    }
}
