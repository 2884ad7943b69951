//! Placement on a Swarm of three nodes (Docker engines in containers, started by the test
//! command: `scripts/lib/test-swarm.sh`). Two instances with events on the same day live on
//! different nodes, every service of an instance on its node; staff drain the node of one,
//! and it moves with its data (the demo app's visit counter) while its console says so;
//! afterwards Swarm drains the node. Admission counts the three nodes, and refuses an order
//! that overbooks the event day with the dates that fit. An instance without a recorded node
//! (made before placement) is adopted on the node its tasks run on.

use std::time::{Duration, Instant};

use domain::capacity::placement::DRAIN_LABEL;
use domain::instance::Status;
use sea_orm::{ConnectionTrait, Statement};
use store::InstanceRecord;

use crate::common::{Backend, Client, TestServer};
use crate::edge_support::eventually;
use crate::orders::{customer, day, form, id_of, place, staff, with};
use crate::swarm::{Installation, docker_on, multi_node_swarm};

const SLOW: Duration = Duration::from_secs(240);

/// Every node of the Swarm back in service, without Plenum's drain label: when dropped,
/// and at the start (a failed run may have left a node drained).
struct Undrain<'a>(&'a Installation);

impl Undrain<'_> {
    fn now(&self) {
        let ids = self.0.docker(&["node", "ls", "-q"]);
        for id in ids.split_whitespace() {
            self.0.docker(&[
                "node",
                "update",
                "--availability",
                "active",
                "--label-rm",
                DRAIN_LABEL,
                id,
            ]);
        }
    }
}

impl Drop for Undrain<'_> {
    fn drop(&mut self) {
        self.now();
    }
}

/// A demo order of `plan` at `slug` renting from today for 11 days, its event on day 5.
pub(crate) fn order(org: i64, slug: &str, plan: &str) -> Vec<(String, String)> {
    let order = with(form(org, slug, 0), "plan", plan);
    let order = with(order, "rental_end", &day(10));
    with(order, "event_days", &format!("{} 60", day(5)))
}

async fn record(server: &TestServer, id: i64) -> InstanceRecord {
    server.state.db.instance(id).await.unwrap()
}

/// Waits until instance `id` runs (and is not moving); its record.
async fn running(server: &TestServer, id: i64) -> InstanceRecord {
    eventually(&format!("instance {id} running"), SLOW, || async {
        let r = record(server, id).await;
        if r.status == Status::Running && r.moving_to.is_none() {
            Ok(r)
        } else {
            Err(format!("{} ({:?})", r.status, r.status_reason))
        }
    })
    .await
}

/// The host names of the nodes the running tasks of `service` are on.
fn task_nodes(installation: &Installation, service: &str) -> Vec<String> {
    let out = installation.docker(&[
        "service",
        "ps",
        service,
        "--filter",
        "desired-state=running",
        "--format",
        "{{.Node}}",
    ]);
    out.split_whitespace().map(str::to_owned).collect()
}

fn hostname(installation: &Installation, node: &str) -> String {
    installation
        .docker(&[
            "node",
            "inspect",
            node,
            "--format",
            "{{.Description.Hostname}}",
        ])
        .trim()
        .to_owned()
}

/// The address of the node that runs the running task of `service`, and `field` (a Go
/// template over the task, e.g. its container id) of that task.
pub(crate) fn running_task(
    installation: &Installation,
    service: &str,
    field: &str,
) -> (String, String) {
    let tasks = installation.docker(&[
        "service",
        "ps",
        service,
        "--filter",
        "desired-state=running",
        "-q",
    ]);
    let task = tasks
        .split_whitespace()
        .next()
        .unwrap_or_else(|| panic!("a running task of {service}"));
    let placed = installation.docker(&[
        "inspect",
        task,
        "--format",
        &format!("{{{{.NodeID}}}} {field}"),
    ]);
    let (node, value) = placed
        .trim()
        .split_once(' ')
        .unwrap_or_else(|| panic!("{service}: no {field} in {placed:?}"));
    let address = installation.docker(&["node", "inspect", node, "--format", "{{.Status.Addr}}"]);
    (address.trim().to_owned(), value.trim().to_owned())
}

/// `http://<node address>:<port>` of the running task of instance `id`'s entry service
/// (published in host mode on its node).
pub(crate) fn entry_url(installation: &Installation, id: i64) -> String {
    let (address, port) = running_task(
        installation,
        &format!("pl{id}_web"),
        "{{range .Status.PortStatus.Ports}}{{.PublishedPort}}{{end}}",
    );
    format!("http://{address}:{port}")
}

/// GET `url`, which must answer 2xx; its body.
pub(crate) async fn get(url: &str) -> String {
    let answer = reqwest::Client::new()
        .get(url)
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {url}: {e}"));
    assert!(
        answer.status().is_success(),
        "GET {url}: {}",
        answer.status()
    );
    answer.text().await.unwrap()
}

/// The console's event messages of instance `id`.
async fn events(owner: &Client, id: i64) -> Vec<String> {
    let detail = owner
        .call("instances/detail", &[("id", &id.to_string())])
        .await;
    assert!(detail.status.is_success(), "{}", detail.text);
    detail.body["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"].as_str().unwrap().to_owned())
        .collect()
}

/// The Swarm's CPUs (nano) and memory (bytes) over all its nodes.
fn swarm_size(installation: &Installation) -> (i64, i64) {
    let ids = installation.docker(&["node", "ls", "-q"]);
    ids.split_whitespace()
        .map(|id| {
            let size = installation.docker(&[
                "node",
                "inspect",
                id,
                "--format",
                "{{.Description.Resources.NanoCPUs}} {{.Description.Resources.MemoryBytes}}",
            ]);
            let mut parts = size.split_whitespace().map(|p| p.parse::<i64>().unwrap());
            (parts.next().unwrap(), parts.next().unwrap())
        })
        .fold((0, 0), |(c, m), (nc, nm)| (c + nc, m + nm))
}

/// A Plenum on the three-node Swarm with staff, a customer and that customer's organisation;
/// room for exactly two small events at once.
async fn start(installation: &Installation) -> (TestServer, Client, Client, i64) {
    let (cpus, memory) = swarm_size(installation);
    let server = TestServer::start_with(Backend::Sqlite, |s| {
        installation.configure(s);
        s.engine.mover_image = "plenum/busybox:1".to_owned();
        // Room for exactly two small events (half a CPU and 1 GiB each) on the three nodes.
        s.capacity.headroom_percent = 0;
        s.capacity.reserved_cpus = format!("{}", (cpus - 1_000_000_000) as f64 / 1e9);
        s.capacity.reserved_memory = (memory - (2 << 30)).to_string();
    })
    .await;
    let admin = staff(&server).await;
    let (owner, org) = customer(&server, "spread").await;
    installation.reserve_ids(&server.state.db, org).await;
    (server, admin, owner, org)
}

/// Orders a small demo instance at `slug` for `owner`, approved by `admin`; its id.
pub(crate) async fn provisioned(admin: &Client, owner: &Client, org: i64, slug: &str) -> i64 {
    let placed = place(owner, &order(org, slug, "small")).await;
    let approved = admin
        .call("staff/orders/approve", &[("order_id", &id_of(&placed))])
        .await;
    approved.body["instance_id"]
        .as_i64()
        .unwrap_or_else(|| panic!("provisioned at once: {}", approved.text))
}

/// Waits until instance `id` lives on a node other than `from`, moved and running.
async fn moved_away(server: &TestServer, id: i64, from: &str) -> InstanceRecord {
    eventually("the instance moved", SLOW, || async {
        let r = record(server, id).await;
        match &r.node_id {
            Some(node) if node != from && r.moving_to.is_none() && r.status == Status::Running => {
                Ok(r)
            }
            _ => {
                let log = server
                    .state
                    .db
                    .recent_instance_events(r.id, 6)
                    .await
                    .unwrap();
                let log: Vec<&str> = log.iter().map(|e| e.message.as_str()).collect();
                Err(format!(
                    "{:?} {:?}; newest events {log:?}",
                    r.node_id, r.status_reason
                ))
            }
        }
    })
    .await
}

#[tokio::test]
async fn instances_with_events_on_the_same_day_live_apart_and_a_drain_moves_one_with_its_data() {
    let _swarm = crate::swarm::MULTI_NODE.lock().await;
    let installation = Installation::on("t-place", Some(multi_node_swarm()));
    let undrain = Undrain(&installation);
    undrain.now();
    let (server, admin, owner, org) = start(&installation).await;
    let refused = owner.call("staff/nodes/list", &[]).await;
    assert_eq!(refused.status.as_u16(), 403, "{}", refused.text);

    let capacity = admin.call("staff/instances/capacity", &[]).await;
    assert_eq!(capacity.body["nodes"], 3, "{}", capacity.text);

    // Two instances with their event on the same day.
    let mut ids = Vec::new();
    for slug in ["spread-one", "spread-two"] {
        ids.push(provisioned(&admin, &owner, org, slug).await);
    }
    // A third small event that day overbooks the platform: refused, with dates that fit.
    let refused = place(&owner, &order(org, "spread-three", "small")).await;
    let (field, message) = refused.invalid();
    assert_eq!(field, "event_days");
    assert!(
        message.contains(&day(5)) && message.contains("event days"),
        "{message}"
    );

    let (one, two) = (
        running(&server, ids[0]).await,
        running(&server, ids[1]).await,
    );
    let (home_one, home_two) = (one.node_id.clone().unwrap(), two.node_id.clone().unwrap());
    assert_ne!(home_one, home_two, "same event day, different nodes");
    for record in [&one, &two] {
        let host = hostname(&installation, record.node_id.as_ref().unwrap());
        for service in ["web", "db"] {
            let on = task_nodes(&installation, &format!("pl{}_{service}", record.id));
            assert_eq!(
                on,
                [host.as_str()],
                "{service} of {} lives on its node",
                record.slug
            );
        }
    }

    // Three visits to the first instance, counted in its database.
    let url = entry_url(&installation, one.id);
    for _ in 0..3 {
        get(&format!("{url}/")).await;
    }
    assert_eq!(get(&format!("{url}/counter")).await.trim(), "3");

    // Staff see where each instance lives, and drain the first one's node.
    let nodes = admin.call("staff/nodes/list", &[]).await;
    let row = |slug: &str| {
        nodes.body.as_array().unwrap().iter().find(|n| {
            n["instances"]
                .as_array()
                .unwrap()
                .iter()
                .any(|i| i.as_str() == Some(slug))
        })
    };
    assert_eq!(
        row("spread-one").unwrap()["id"],
        home_one.as_str(),
        "{}",
        nodes.text
    );
    assert_eq!(
        row("spread-two").unwrap()["id"],
        home_two.as_str(),
        "{}",
        nodes.text
    );
    let unknown = admin
        .call("staff/nodes/drain", &[("node", "no-such-node")])
        .await;
    assert_eq!(unknown.invalid().0, "node");
    let drained = admin
        .call("staff/nodes/drain", &[("node", &home_one)])
        .await;
    assert!(drained.status.is_success(), "{}", drained.text);
    let old_host = hostname(&installation, &home_one);
    let message = drained.body["message"].as_str().unwrap();
    assert!(
        message.starts_with(&format!(
            "{old_host} is drained: 1 instance(s) move (spread-one → "
        )),
        "{message}"
    );

    // It moves, data and all, to a node that is neither the drained one nor (same event
    // day) the second instance's.
    let moved = moved_away(&server, one.id, &home_one).await;
    let new_home = moved.node_id.clone().unwrap();
    assert_ne!(new_home, home_two);
    let new_host = hostname(&installation, &new_home);
    for service in ["web", "db"] {
        let on = task_nodes(&installation, &format!("pl{}_{service}", moved.id));
        assert_eq!(on, [new_host.as_str()], "{service} moved along");
    }
    let url = entry_url(&installation, moved.id);
    assert_eq!(
        get(&format!("{url}/counter")).await.trim(),
        "3",
        "the data moved"
    );
    let log = events(&owner, moved.id).await;
    for expected in [
        format!("moving to node {new_host}: node {old_host} is drained"),
        format!("moved from node {old_host} to node {new_host}"),
    ] {
        assert!(log.contains(&expected), "{expected:?} not in {log:#?}");
    }
    // The second instance stayed; the emptied node is drained in Swarm too.
    assert_eq!(
        record(&server, two.id).await.node_id.as_deref(),
        Some(home_two.as_str())
    );
    let availability = installation.docker(&[
        "node",
        "inspect",
        &home_one,
        "--format",
        "{{.Spec.Availability}}",
    ]);
    assert_eq!(availability.trim(), "drain");
    let nodes = admin.call("staff/nodes/list", &[]).await;
    let drained_row = nodes
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["id"] == home_one.as_str())
        .unwrap();
    assert_eq!(drained_row["state"], "drained", "{}", nodes.text);
    assert_eq!(drained_row["can_drain"], false);

    // An instance from before placement (no node recorded) is adopted on the node its tasks
    // run on, so that a later drain moves it rather than leave it to Swarm.
    let db = server.state.db.connection();
    db.execute(Statement::from_string(
        db.get_database_backend(),
        format!("UPDATE instances SET node_id = NULL WHERE id = {}", two.id),
    ))
    .await
    .unwrap();
    eventually("the unplaced instance adopted", SLOW, || async {
        let r = record(&server, two.id).await;
        match r.node_id {
            Some(node) if node == home_two => Ok(()),
            other => Err(format!("{other:?}")),
        }
    })
    .await;
    drop(server);
}

/// The Docker API of the node that runs instance `id`'s database, and its container.
pub(crate) fn db_container(installation: &Installation, id: i64) -> (String, String) {
    let (address, container) = running_task(
        installation,
        &format!("pl{id}_db"),
        "{{.Status.ContainerStatus.ContainerID}}",
    );
    (format!("tcp://{address}:2375"), container)
}

/// Benchmark, not a check (run by hand, figures in BENCHMARKS.md): moving a demo instance
/// whose database holds about `PLENUM_BENCH_MOVE_MB` MB (default 200) to another node by a
/// drain, against the floor of any move: stopping and starting it where it is.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "a benchmark: cargo test -p server --test integration -- --ignored --nocapture moving_an_instance"]
async fn bench_moving_an_instance() {
    let _swarm = crate::swarm::MULTI_NODE.lock().await;
    let installation = Installation::on("t-move", Some(multi_node_swarm()));
    let undrain = Undrain(&installation);
    undrain.now();
    let (server, admin, owner, org) = start(&installation).await;
    let id = provisioned(&admin, &owner, org, "bench-move").await;
    let home = running(&server, id).await.node_id.unwrap();
    let mb: u64 = std::env::var("PLENUM_BENCH_MOVE_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    // About 1 kB per row, written through the node's own Docker API (peer login).
    let (api, container) = db_container(&installation, id);
    let fill = format!(
        "CREATE TABLE filler AS SELECT repeat(md5(g::text), 30) AS t FROM generate_series(1, {}) AS g",
        mb * 1000
    );
    docker_on(
        Some(&api),
        &[
            "exec", "-u", "postgres", &container, "psql", "-q", "-d", "demo", "-c", &fill,
        ],
    );
    let size = docker_on(
        Some(&api),
        &["exec", &container, "du", "-sm", "/var/lib/postgresql/data"],
    );
    let size_mb: f64 = size.split_whitespace().next().unwrap().parse().unwrap();
    assert!(
        size_mb >= mb as f64,
        "the database holds {size_mb} MB after the fill"
    );

    let id_text = id.to_string();
    let restart = Instant::now();
    let stop = owner.call("instances/stop", &[("id", &id_text)]).await;
    assert!(stop.status.is_success(), "{}", stop.text);
    eventually("stopped", SLOW, || async {
        let r = record(&server, id).await;
        (r.status == Status::Stopped)
            .then_some(())
            .ok_or(r.status.to_string())
    })
    .await;
    let start = owner.call("instances/start", &[("id", &id_text)]).await;
    assert!(start.status.is_success(), "{}", start.text);
    running(&server, id).await;
    let restart = restart.elapsed();

    let moving = Instant::now();
    let drained = admin.call("staff/nodes/drain", &[("node", &home)]).await;
    assert!(drained.status.is_success(), "{}", drained.text);
    moved_away(&server, id, &home).await;
    let moving = moving.elapsed();
    let url = entry_url(&installation, id);
    get(&format!("{url}/healthz")).await;
    println!("| database volume | {size_mb:.0} MB |");
    println!(
        "| stop + start in place (reference) | {:.1} s |",
        restart.as_secs_f64()
    );
    println!(
        "| drain → running on the new node | {:.1} s |",
        moving.as_secs_f64()
    );
    println!(
        "| ratio | {:.1}× | copy rate over the move | {:.1} MB/s |",
        moving.as_secs_f64() / restart.as_secs_f64(),
        size_mb / moving.as_secs_f64()
    );
    drop(server);
}
