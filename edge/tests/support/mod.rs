//! Shared test support: the real Docker Swarm through the `docker` command, a Caddy service
//! from `plenum/caddy:2.6`, upstream services, Plenum's edge endpoints on the host, an
//! in-memory instance directory, and HTTPS clients that trust Caddy's internal CA.
//!
//! Network facts this relies on (checked on the development machine, see the README):
//! * the host reaches a Swarm task's container at its address on the `docker_gwbridge`
//!   bridge (`docker network inspect docker_gwbridge` → `Containers`);
//! * containers reach the host at `docker_gwbridge`'s gateway address, so Plenum listens
//!   there and Caddy dials it;
//! * host-mode published ports answer on 127.0.0.1 (the routing mesh does not work here).

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use edge::{
    DirectoryError, EdgeHandle, EdgeInstance, EdgeSetup, InstanceDirectory, InstanceState, Waker,
};
use serde_json::Value;
use tokio::net::{TcpListener, TcpStream};
use tokio::process::Command;

/// Label on every Swarm object these tests create, valued with the test's name.
pub const TEST_LABEL: &str = "org.plenum.edge-test";
/// The edge network (the engine's default name).
pub const EDGE_NETWORK: &str = "plenum_edge";
/// The Caddy image.
pub const CADDY_IMAGE: &str = "plenum/caddy:2.6";
/// The busybox image.
pub const BUSYBOX_IMAGE: &str = "plenum/busybox:1";
/// The demo instance's web app.
pub const DEMO_APP_IMAGE: &str = "plenum/demo-app:1.0";

/// Runs `docker args…`; panics with the command and its output if it fails.
pub async fn docker(args: &[&str]) -> String {
    match try_docker(args).await {
        Ok(out) => out,
        Err(e) => panic!("`docker {}` failed: {e}", args.join(" ")),
    }
}

/// Runs `docker args…`, returning stdout or the error output.
pub async fn try_docker(args: &[&str]) -> Result<String, String> {
    let output = Command::new("docker")
        .args(args)
        .output()
        .await
        .map_err(|e| format!("cannot run docker: {e}"))?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).trim().to_owned())
    }
}

/// Fails (never skips) with a clear message when Docker, the Swarm or an image is missing.
pub async fn preflight(images: &[&str]) {
    let state = try_docker(&["info", "--format", "{{.Swarm.LocalNodeState}}"])
        .await
        .unwrap_or_else(|e| {
            panic!(
                "these tests need a running Docker engine in Swarm mode: {e}\n\
                 run `bash scripts/ensure-docker.sh` (as root) first"
            )
        });
    assert_eq!(
        state, "active",
        "Docker is not in Swarm mode; run `bash scripts/ensure-docker.sh` first"
    );
    for image in images {
        if try_docker(&["image", "inspect", "--format", "{{.Id}}", image])
            .await
            .is_err()
        {
            panic!("image {image} is missing; run `bash images/build.sh` first");
        }
    }
}

/// Creates the edge overlay network unless it exists (attachable, labelled managed).
pub async fn ensure_edge_network() {
    if try_docker(&["network", "inspect", EDGE_NETWORK])
        .await
        .is_ok()
    {
        return;
    }
    let created = try_docker(&[
        "network",
        "create",
        "--driver",
        "overlay",
        "--attachable",
        "--label",
        "org.plenum.managed=true",
        EDGE_NETWORK,
    ])
    .await;
    // Another test may have created it meanwhile.
    if let Err(e) = created {
        assert!(
            try_docker(&["network", "inspect", EDGE_NETWORK])
                .await
                .is_ok(),
            "cannot create network {EDGE_NETWORK}: {e}"
        );
    }
}

/// The host's address on `docker_gwbridge`, which containers reach the host at.
pub async fn gateway_ip() -> Ipv4Addr {
    let out = docker(&[
        "network",
        "inspect",
        "docker_gwbridge",
        "--format",
        "{{(index .IPAM.Config 0).Gateway}}",
    ])
    .await;
    out.parse()
        .unwrap_or_else(|e| panic!("docker_gwbridge gateway {out:?}: {e}"))
}

/// The id of the newest running container of `service`.
pub async fn running_container(service: &str) -> Option<String> {
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
    .await
    .ok()?;
    ids.lines().next().map(str::to_owned)
}

/// The `docker_gwbridge` address of the newest running container of `service`.
pub async fn container_ip(service: &str) -> Option<Ipv4Addr> {
    let id = running_container(service).await?;
    let containers: Value = serde_json::from_str(
        &try_docker(&[
            "network",
            "inspect",
            "docker_gwbridge",
            "--format",
            "{{json .Containers}}",
        ])
        .await
        .ok()?,
    )
    .ok()?;
    let address = containers.get(&id)?.get("IPv4Address")?.as_str()?;
    address.split('/').next()?.parse().ok()
}

/// Removes every service labelled `TEST_LABEL=<test>` (left over or finished), and waits until none of their containers runs any more: a container of an earlier run
/// would otherwise keep the host ports (and answer in place of the new Caddy).
pub async fn remove_services(test: &str) {
    let filter = format!("label={TEST_LABEL}={test}");
    let names = docker(&["service", "ls", "-q", "--filter", &filter]).await;
    let names: Vec<&str> = names.lines().filter(|l| !l.is_empty()).collect();
    if !names.is_empty() {
        let mut args = vec!["service", "rm"];
        args.extend(names);
        let _ = try_docker(&args).await;
    }
    eventually(
        "containers of earlier runs gone",
        Duration::from_secs(60),
        || async {
            match docker(&["ps", "-q", "--filter", &filter]).await.as_str() {
                "" => Ok(()),
                running => Err(running.replace('\n', " ")),
            }
        },
    )
    .await;
}

/// Removes the test's services when dropped (also when a test panics), unless
/// `PLENUM_EDGE_TEST_KEEP` is set (for looking at them afterwards).
pub struct Cleanup(pub &'static str);

impl Drop for Cleanup {
    fn drop(&mut self) {
        if std::env::var_os("PLENUM_EDGE_TEST_KEEP").is_some() {
            eprintln!(
                "PLENUM_EDGE_TEST_KEEP is set: leaving the {} services",
                self.0
            );
            return;
        }
        let filter = format!("label={TEST_LABEL}={}", self.0);
        let Ok(out) = std::process::Command::new("docker")
            .args(["service", "ls", "-q", "--filter", &filter])
            .output()
        else {
            return;
        };
        let ids = String::from_utf8_lossy(&out.stdout).to_string();
        let ids: Vec<&str> = ids.split_whitespace().collect();
        if !ids.is_empty() {
            let _ = std::process::Command::new("docker")
                .args(["service", "rm"])
                .args(&ids)
                .output();
        }
    }
}

/// Creates a detached service `name` on the edge network (DNS round robin) for test `test`;
/// `extra` goes before the image, `command` after it.
pub async fn create_service(test: &str, name: &str, extra: &[&str], image: &str, command: &[&str]) {
    create_service_on(test, name, EDGE_NETWORK, extra, image, command).await;
}

/// [`create_service`] on another network.
pub async fn create_service_on(
    test: &str,
    name: &str,
    network: &str,
    extra: &[&str],
    image: &str,
    command: &[&str],
) {
    let label = format!("{TEST_LABEL}={test}");
    let mut args = vec![
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
        network,
        "--endpoint-mode",
        "dnsrr",
    ];
    args.extend_from_slice(extra);
    args.push(image);
    args.extend_from_slice(command);
    docker(&args).await;
}

/// A busybox httpd on port 8080 whose `/` says `content` and whose `/cgi-bin/stream` sends
/// `first`, waits `stream_seconds`, then sends `second`.
pub async fn create_httpd(test: &str, name: &str, content: &str, stream_seconds: u32) {
    let script = format!(
        "mkdir -p /www/cgi-bin && echo '{content}' > /www/index.html && \
         printf '%s\\n' '#!/bin/sh' 'printf \"Content-Type: text/plain\\r\\n\\r\\n\"' \
         'echo first' 'sleep {stream_seconds}' 'echo second' > /www/cgi-bin/stream && \
         chmod +x /www/cgi-bin/stream && exec httpd -f -p 8080 -h /www"
    );
    create_service(test, name, &[], BUSYBOX_IMAGE, &["sh", "-c", &script]).await;
}

/// A `plenum/demo-app` service on port 8080 showing `instance`, without a database: its
/// `/version` answers (static), its `/` answers 503. Enough to measure the edge's overhead.
pub async fn create_demo_app(test: &str, name: &str, instance: &str) {
    let instance = format!("INSTANCE_NAME={instance}");
    create_service(
        test,
        name,
        &[
            "--env",
            &instance,
            "--env",
            "DATABASE_HOST=no-database",
            "--env",
            "DATABASE_NAME=demo",
            "--env",
            "DATABASE_USER=demo",
        ],
        DEMO_APP_IMAGE,
        &[],
    )
    .await;
}

/// A Caddy service from `plenum/caddy:2.6` with its admin API on 0.0.0.0:2019 inside the
/// container only (not published) and 80/443 published in host mode.
pub async fn create_caddy(test: &str, name: &str, http_port: u16, https_port: u16) {
    create_caddy_on(test, name, EDGE_NETWORK, http_port, https_port).await;
}

/// [`create_caddy`] on another edge network.
pub async fn create_caddy_on(
    test: &str,
    name: &str,
    network: &str,
    http_port: u16,
    https_port: u16,
) {
    let http = format!("mode=host,target=80,published={http_port}");
    let https = format!("mode=host,target=443,published={https_port}");
    create_service_on(
        test,
        name,
        network,
        &[
            "--env",
            "CADDY_ADMIN=0.0.0.0:2019",
            "--publish",
            &http,
            "--publish",
            &https,
        ],
        CADDY_IMAGE,
        &[],
    )
    .await;
}

/// The root certificate of the internal CA of `service`'s current Caddy container, read
/// from its storage: the CA that signs. (Caddy 2.6's `GET /pki/ca/local` can answer with
/// another, freshly generated root right after a configuration load.)
pub async fn caddy_root(service: &str) -> String {
    eventually(
        "Caddy's internal root certificate",
        Duration::from_secs(60),
        || async {
            let id = running_container(service)
                .await
                .ok_or_else(|| "no running container".to_owned())?;
            let pem = try_docker(&[
                "exec",
                &id,
                "cat",
                "/data/caddy/pki/authorities/local/root.crt",
            ])
            .await?;
            if pem.contains("BEGIN CERTIFICATE") {
                Ok(pem)
            } else {
                Err(format!("not a certificate: {pem:?}"))
            }
        },
    )
    .await
}

/// A TCP forwarder on 127.0.0.1 to port 2019 of the current container of a Caddy service:
/// it stands for the service's DNS name on the overlay, which follows restarts.
pub struct AdminForwarder {
    /// Where the forwarder listens.
    pub addr: SocketAddr,
    target: Arc<Mutex<Option<SocketAddr>>>,
}

impl AdminForwarder {
    /// Starts forwarding to `service`'s admin port, re-resolving every 200 ms.
    pub async fn start(service: &str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let target: Arc<Mutex<Option<SocketAddr>>> = Arc::new(Mutex::new(None));
        let poll_target = Arc::clone(&target);
        let service = service.to_owned();
        tokio::spawn(async move {
            loop {
                let ip = container_ip(&service).await;
                *poll_target.lock().unwrap() = ip.map(|ip| SocketAddr::from((ip, 2019)));
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        });
        let accept_target = Arc::clone(&target);
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let to = *accept_target.lock().unwrap();
                tokio::spawn(async move {
                    let Some(to) = to else { return };
                    if let Ok(mut outbound) = TcpStream::connect(to).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
            }
        });
        Self { addr, target }
    }

    /// Waits until the service has a container with an address.
    pub async fn wait_for_target(&self, timeout: Duration) -> SocketAddr {
        let start = Instant::now();
        loop {
            if let Some(t) = *self.target.lock().unwrap() {
                return t;
            }
            assert!(
                start.elapsed() < timeout,
                "Caddy's container did not start in {timeout:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// An in-memory instance directory that remembers the uses the edge reports and the
/// instances it woke (a woken instance is "being prepared" until the test runs it).
#[derive(Debug, Clone, Default)]
pub struct MemoryDirectory {
    states: Arc<Mutex<BTreeMap<String, InstanceState>>>,
    used: Arc<Mutex<BTreeSet<String>>>,
    woken: Arc<Mutex<Vec<String>>>,
}

impl MemoryDirectory {
    /// Sets (or adds) an instance.
    pub fn set(&self, slug: &str, state: InstanceState) {
        self.states.lock().unwrap().insert(slug.to_owned(), state);
    }

    /// The slugs reported in use so far.
    pub fn used(&self) -> BTreeSet<String> {
        self.used.lock().unwrap().clone()
    }

    /// The slugs woken so far, in order.
    pub fn woken(&self) -> Vec<String> {
        self.woken.lock().unwrap().clone()
    }

    /// The state of `slug`.
    pub fn state(&self, slug: &str) -> Option<InstanceState> {
        self.states.lock().unwrap().get(slug).cloned()
    }

    /// A running instance routed to `upstream`.
    pub fn run(&self, slug: &str, upstream: &str) {
        self.set(
            slug,
            InstanceState::Running {
                upstream: upstream.to_owned(),
            },
        );
    }

    /// Removes an instance.
    pub fn remove(&self, slug: &str) {
        self.states.lock().unwrap().remove(slug);
    }
}

impl Waker for MemoryDirectory {
    async fn wake(&self, slug: &str) -> Result<(), DirectoryError> {
        let mut states = self.states.lock().unwrap();
        if states.get(slug) == Some(&InstanceState::Hibernated) {
            states.insert(slug.to_owned(), InstanceState::Preparing);
            self.woken.lock().unwrap().push(slug.to_owned());
        }
        Ok(())
    }
}

/// A waker for tests without hibernated instances: waking is refused.
#[derive(Debug, Clone, Copy)]
pub struct NoWaking;

impl Waker for NoWaking {
    async fn wake(&self, slug: &str) -> Result<(), DirectoryError> {
        Err(DirectoryError(format!(
            "{slug}: nothing hibernates in this test"
        )))
    }
}

impl InstanceDirectory for MemoryDirectory {
    async fn instances(&self) -> Result<Vec<EdgeInstance>, DirectoryError> {
        Ok(self
            .states
            .lock()
            .unwrap()
            .iter()
            .map(|(slug, state)| EdgeInstance {
                slug: slug.clone(),
                state: state.clone(),
            })
            .collect())
    }

    async fn instance(&self, slug: &str) -> Result<Option<EdgeInstance>, DirectoryError> {
        Ok(self.state(slug).map(|state| EdgeInstance {
            slug: slug.to_owned(),
            state,
        }))
    }

    async fn record_use(&self, slugs: &[String]) -> Result<(), DirectoryError> {
        self.used.lock().unwrap().extend(slugs.iter().cloned());
        Ok(())
    }
}

/// A listener for Plenum on `ip` (port chosen by the system) and its address.
pub async fn plenum_listener(ip: Ipv4Addr) -> (TcpListener, SocketAddr) {
    let listener = TcpListener::bind((ip, 0)).await.unwrap();
    let addr = listener.local_addr().unwrap();
    (listener, addr)
}

/// Serves Plenum's edge endpoints, and `/` saying `plenum ui`, on `listener`.
pub fn serve_plenum<D: InstanceDirectory, W: Waker>(
    listener: TcpListener,
    setup: EdgeSetup,
    directory: D,
    waker: W,
    reconciler: EdgeHandle,
) {
    let router: Router = Router::new()
        .route("/", axum::routing::get(|| async { "plenum ui\n" }))
        .merge(edge::http::router(setup, directory, waker, reconciler));
    tokio::spawn(async move {
        axum::serve(listener, router).await.unwrap();
    });
}

/// An HTTP(S) client that trusts only `root_pem`, resolves `hosts` to 127.0.0.1 and does
/// not follow redirects.
pub fn client(root_pem: &str, hosts: &[&str]) -> reqwest::Client {
    let mut builder = reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(root_pem.as_bytes()).unwrap())
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(20));
    for host in hosts {
        builder = builder.resolve(host, SocketAddr::from(([127, 0, 0, 1], 0)));
    }
    builder.build().unwrap()
}

/// Polls `check` every 250 ms until it returns `Some`, failing after `timeout` with `what`
/// and the last observation.
pub async fn eventually<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, String>>,
{
    let start = Instant::now();
    loop {
        match check().await {
            Ok(value) => return value,
            Err(last) => {
                assert!(
                    start.elapsed() < timeout,
                    "{what}: not reached within {timeout:?}; last: {last}"
                );
            }
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// GETs `url`, giving status and body (or the error as text).
pub async fn get(client: &reqwest::Client, url: &str) -> Result<(u16, String), String> {
    let response = client.get(url).send().await.map_err(|e| error_chain(&e))?;
    let status = response.status().as_u16();
    let body = response.text().await.map_err(|e| error_chain(&e))?;
    Ok((status, body))
}

/// An error with all its causes, for messages.
pub fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}
