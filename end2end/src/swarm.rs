//! The real Docker Swarm for browser tests with `engine.enabled`: a preflight check, an
//! installation of one's own (an id every object of the test is labelled with, and a guard
//! that removes them all), its edge network, and a Caddy service from `plenum/caddy:2.6` on it.
//!
//! Network facts this relies on (the same as `edge/tests/support`):
//! * the host reaches a Swarm task's container at its address on `docker_gwbridge`;
//! * containers reach the host at `docker_gwbridge`'s gateway address, so a Plenum that
//!   Caddy dials listens there;
//! * host-mode published ports answer on 127.0.0.1 (the routing mesh does not work here).

use std::net::Ipv4Addr;
use std::process::Command;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The Caddy image of the edge.
pub const CADDY_IMAGE: &str = "plenum/caddy:2.6";

/// The label every object of an engine installation carries (Plenum's, and the test's own).
const INSTALLATION_LABEL: &str = "org.plenum.installation";

/// Runs `docker args…`, returning its standard output or its error output.
pub fn try_docker(args: &[&str]) -> Result<String, String> {
    let output = Command::new("docker")
        .args(args)
        .output()
        .map_err(|e| format!("cannot run docker: {e}"))?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).trim().to_owned())
    }
}

/// Runs `docker args…`; fails the test with the command and its output if it fails.
pub fn docker(args: &[&str]) -> String {
    try_docker(args).unwrap_or_else(|e| panic!("`docker {}` failed: {e}", args.join(" ")))
}

/// Fails (never skips) with a clear message when Docker, the Swarm or an image is missing.
pub fn preflight(images: &[&str]) {
    let state =
        try_docker(&["info", "--format", "{{.Swarm.LocalNodeState}}"]).unwrap_or_else(|e| {
            panic!(
                "this test needs a running Docker engine in Swarm mode: {e}\n\
                 run `bash scripts/ensure-docker.sh` (as root) first"
            )
        });
    assert_eq!(
        state, "active",
        "Docker is not in Swarm mode; run `bash scripts/ensure-docker.sh` first"
    );
    for image in images {
        assert!(
            try_docker(&["image", "inspect", "--format", "{{.Id}}", image]).is_ok(),
            "image {image} is missing; run `bash images/build.sh` first"
        );
    }
}

/// The host's address on `docker_gwbridge`, which containers reach the host at.
pub fn gateway_ip() -> Ipv4Addr {
    let out = docker(&[
        "network",
        "inspect",
        "docker_gwbridge",
        "--format",
        "{{(index .IPAM.Config 0).Gateway}}",
    ]);
    out.parse()
        .unwrap_or_else(|e| panic!("docker_gwbridge gateway {out:?}: {e}"))
}

/// The id of the newest running container of `service`.
pub fn running_container(service: &str) -> Option<String> {
    let filter = format!("label=com.docker.swarm.service.name={service}");
    let ids = try_docker(&[
        "ps",
        "-q",
        "--no-trunc",
        "--filter",
        &filter,
        "--filter",
        "status=running",
    ])
    .ok()?;
    ids.lines().next().map(str::to_owned)
}

/// The `docker_gwbridge` address of the newest running container of `service`.
pub fn container_ip(service: &str) -> Option<Ipv4Addr> {
    let id = running_container(service)?;
    let containers: serde_json::Value = serde_json::from_str(
        &try_docker(&[
            "network",
            "inspect",
            "docker_gwbridge",
            "--format",
            "{{json .Containers}}",
        ])
        .ok()?,
    )
    .ok()?;
    let address = containers.get(&id)?.get("IPv4Address")?.as_str()?;
    address.split('/').next()?.parse().ok()
}

/// Calls `check` every 250 ms until it returns `Ok`, failing after `limit` with `what` and
/// the last observation.
pub async fn wait_until<T>(
    what: &str,
    limit: Duration,
    mut check: impl FnMut() -> Result<T, String>,
) -> T {
    let start = Instant::now();
    loop {
        match check() {
            Ok(value) => return value,
            Err(last) => assert!(
                start.elapsed() < limit,
                "{what}: not reached within {limit:?}; last: {last}"
            ),
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// An engine installation of the test's own on the Swarm: a random id (Plenum's
/// `engine.installation_id`) and a random base for instance ids (stack names `pl<id>` are
/// global in the Swarm). Dropping it removes every object labelled with the id — Plenum's
/// and the test's own — also when the test panics, and nothing else.
pub struct Installation {
    id: String,
    seed: u64,
}

impl Installation {
    /// A new installation whose id starts with `prefix` (1–20 of `a-z0-9-`).
    pub fn new(prefix: &str) -> Self {
        let seed = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64)
            ^ (u64::from(std::process::id()) << 32);
        Self {
            id: format!("{prefix}-{:08x}", seed % 0xffff_ffff),
            seed,
        }
    }

    /// The installation id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// A random suffix for names of this run (8 hex digits).
    pub fn suffix(&self) -> String {
        format!("{:08x}", (self.seed >> 8) % 0xffff_ffff)
    }

    /// The first instance id this run's database should hand out minus one: from 3,000,000
    /// to 3,999,999, away from the bases of the engine, edge and console tests.
    pub fn id_base(&self) -> i64 {
        3_000_000 + (self.seed % 1_000_000) as i64
    }

    /// The edge network of the installation, `<id>_edge`.
    pub fn edge_network(&self) -> String {
        format!("{}_edge", self.id)
    }

    /// Creates the edge network as Plenum's engine would (attachable overlay, labelled
    /// managed and with the installation), so Caddy can join it before Plenum starts.
    pub fn create_edge_network(&self) {
        let installation = format!("{INSTALLATION_LABEL}={}", self.id);
        docker(&[
            "network",
            "create",
            "--driver",
            "overlay",
            "--attachable",
            "--label",
            "org.plenum.managed=true",
            "--label",
            &installation,
            &self.edge_network(),
        ]);
    }

    /// Starts a Caddy service `name` on the edge network with its admin API on port 2019
    /// inside the container only (not published) and 80/443 published in host mode.
    pub fn create_caddy(&self, name: &str, http_port: u16, https_port: u16) {
        let label = format!("{INSTALLATION_LABEL}={}", self.id);
        let http = format!("mode=host,target=80,published={http_port}");
        let https = format!("mode=host,target=443,published={https_port}");
        docker(&[
            "service",
            "create",
            "--detach",
            "--quiet",
            "--no-resolve-image",
            "--name",
            name,
            "--label",
            &label,
            "--container-label",
            &label,
            "--network",
            &self.edge_network(),
            "--endpoint-mode",
            "dnsrr",
            "--env",
            "CADDY_ADMIN=0.0.0.0:2019",
            "--publish",
            &http,
            "--publish",
            &https,
            CADDY_IMAGE,
        ]);
    }

    /// The ids of this installation's objects of `kind` (`service`, `secret`, …).
    fn objects(&self, kind: &str) -> Vec<String> {
        let filter = format!("label={INSTALLATION_LABEL}={}", self.id);
        try_docker(&[kind, "ls", "-q", "--filter", &filter])
            .map(|out| out.split_whitespace().map(str::to_owned).collect())
            .unwrap_or_default()
    }
}

/// The root certificate (PEM) of the internal CA of `service`'s current Caddy container, read
/// from its storage once Caddy has created it.
pub async fn caddy_root(service: &str) -> String {
    wait_until(
        "Caddy's internal root certificate",
        Duration::from_secs(60),
        || {
            let id = running_container(service).ok_or_else(|| "no running container".to_owned())?;
            let pem = try_docker(&[
                "exec",
                &id,
                "cat",
                "/data/caddy/pki/authorities/local/root.crt",
            ])?;
            if pem.contains("BEGIN CERTIFICATE") {
                Ok(pem)
            } else {
                Err(format!("not a certificate: {pem:?}"))
            }
        },
    )
    .await
}

impl Drop for Installation {
    fn drop(&mut self) {
        if std::env::var_os("PLENUM_E2E_KEEP").is_some() {
            eprintln!("PLENUM_E2E_KEEP is set: leaving the objects of {}", self.id);
            return;
        }
        // Services first; their containers take a moment to go, and until then networks,
        // volumes and secrets in use cannot be removed: retry for up to a minute.
        let deadline = Instant::now() + Duration::from_secs(60);
        for kind in ["service", "secret", "network", "volume"] {
            loop {
                let ids = self.objects(kind);
                if ids.is_empty() {
                    break;
                }
                let mut args = vec![kind, "rm"];
                args.extend(ids.iter().map(String::as_str));
                let _ = try_docker(&args);
                if Instant::now() > deadline {
                    eprintln!("could not remove every {kind} of {}: {ids:?}", self.id);
                    break;
                }
                std::thread::sleep(Duration::from_millis(500));
            }
        }
    }
}
