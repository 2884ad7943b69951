//! Plenum killed in the middle of a backup and of a restore: the real `plenum` binary,
//! stopped with SIGKILL (no shutdown; its connections cut) while an instance's job streams
//! a dump to it or from it, then started again on the same database, key and vault.
//! Nothing is lost, a backup is stored only whole, and no instance is reported running
//! while it is half restored. Then the same for the Docker engine: on the test command's
//! Swarm of three nodes, the node that runs the instance loses power (its container is
//! killed, with its dockerd and every container on it) mid-backup and mid-restore.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use domain::backup::{BackupState, dump_key};
use domain::instance::Status;
use reqwest::StatusCode;

use crate::backups::entry_url;
use crate::common::TestServer;
use crate::common::{Backend, Client, PASSWORD, email, fresh_database, settings};

use crate::edge_support::{DEMO_APP_IMAGE, eventually, gateway_ip, preflight};
use crate::incidents::running_container;
use crate::orders::{customer, staff};
use crate::placement::entry_url as multi_entry_url;
use crate::placement::{db_container, provisioned, running_task};
use crate::swarm::{Installation, MULTI_NODE, docker, multi_node_swarm};

const SLOW: Duration = Duration::from_secs(240);

/// The `plenum` binary serving with a settings file; killed when dropped.
struct Plenum {
    child: Option<Child>,
    config: PathBuf,
    log: PathBuf,
    base: String,
}

impl Plenum {
    async fn start(config: PathBuf, log: PathBuf, base: String) -> Self {
        let mut plenum = Self {
            child: None,
            config,
            log,
            base,
        };
        plenum.restart().await;
        plenum
    }

    /// Starts the process (again) and waits until it is ready.
    async fn restart(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_plenum"))
            .arg("serve")
            .env("PLENUM_CONFIG", &self.config)
            .env_remove("DATABASE_URL")
            .env("RUST_LOG", "info")
            .stdout(Stdio::from(log.try_clone().unwrap()))
            .stderr(Stdio::from(log))
            .spawn()
            .expect("plenum starts");
        self.child = Some(child);
        let ready = format!("{}/readyz", self.base);
        eventually("plenum ready", Duration::from_secs(60), || async {
            match reqwest::get(&ready).await {
                Ok(r) if r.status().is_success() => Ok(()),
                Ok(r) => Err(r.status().to_string()),
                Err(e) => Err(format!("{e}; log: {}", self.log_tail())),
            }
        })
        .await;
    }

    /// SIGKILL: no shutdown, every connection cut.
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }
}

impl Drop for Plenum {
    fn drop(&mut self) {
        self.kill();
        if std::thread::panicking() {
            eprintln!("the last lines of plenum's log:\n{}", self.log_tail());
        }
    }
}

fn client(base: &str) -> Client {
    Client {
        http: reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        base: base.to_owned(),
    }
}

/// A free port on `ip`.
fn free_port(ip: std::net::Ipv4Addr) -> u16 {
    std::net::TcpListener::bind((ip, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Runs `sql` in the demo database of `container` on the Docker engine `host` (None:
/// local), as the superuser (peer login inside the container); its output. Panics with
/// psql's message when it fails.
fn psql_in(host: Option<&str>, container: &str, sql: &str) -> String {
    let mut command = std::process::Command::new("docker");
    if let Some(host) = host {
        command.args(["-H", host]);
    }
    let out = command
        .args(["exec", "-u", "postgres", container])
        .args(["psql", "-v", "ON_ERROR_STOP=1", "-d", "demo", "-tAc", sql])
        .output()
        .expect("docker runs");
    assert!(
        out.status.success(),
        "psql {sql:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// Runs `sql` in local instance `id`'s database container.
fn psql(id: i64, sql: &str) -> String {
    psql_in(None, &running_container(&format!("pl{id}_db")), sql)
}

/// Rows of ballast: about 170 MB of SQL, so that a dump takes a while to send and to load.
const BALLAST_ROWS: u32 = 4_000_000;

/// Makes the ballast table, owned by the instance's own role (which its backup job dumps
/// as).
fn ballast() -> String {
    format!(
        "CREATE TABLE ballast AS SELECT g, md5(g::text) AS h FROM generate_series(1, {BALLAST_ROWS}) g; \
         ALTER TABLE ballast OWNER TO demo"
    )
}

/// Checks how a restore of `backup` that was cut short ended: restored (the counter is
/// `restored`) or failed (the counter is `kept`), never anything in between.
fn assert_whole_restore(log: &[String], backup: i64, counter: &str, restored: &str, kept: &str) {
    let done = log
        .iter()
        .any(|m| m == &format!("restored backup {backup}; starting"));
    let failed = log
        .iter()
        .any(|m| m.starts_with(&format!("restoring backup {backup} failed")));
    assert!(
        (done && !failed && counter == restored) || (failed && !done && counter == kept),
        "restore outcome: restored {done}, failed {failed}, counter {counter}: {log:#?}"
    );
}

async fn messages(db: &store::Db, id: i64) -> Vec<String> {
    db.recent_instance_events(id, 80)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.message)
        .collect()
}

/// The address of instance `id`'s running web task, if it has one now: on the local Swarm
/// its bridge address, on the test Swarm its node's address and published port.
fn entry(installation: &Installation, id: i64) -> Option<String> {
    let service = format!("pl{id}_web");
    let tasks = installation.docker(&[
        "service",
        "ps",
        &service,
        "--filter",
        "desired-state=running",
        "-q",
    ]);
    tasks.split_whitespace().next()?;
    Some(if installation.host.is_some() {
        multi_entry_url(installation, id)
    } else {
        entry_url(id)
    })
}

/// GETs `path` of instance `id`'s web task, wherever it runs now (a task replaced between
/// two requests is found again); the body.
async fn visit(installation: &Installation, id: i64, path: &str) -> String {
    eventually(&format!("GET {path}"), SLOW, || async {
        let url = entry(installation, id).ok_or_else(|| "no running web task".to_owned())?;
        let answer = reqwest::get(format!("{url}{path}"))
            .await
            .map_err(|e| e.to_string())?;
        if !answer.status().is_success() {
            return Err(answer.status().to_string());
        }
        answer.text().await.map_err(|e| e.to_string())
    })
    .await
    .trim()
    .to_owned()
}

/// The counter of instance `id` once it runs and is not being restored, read at its web
/// task (which moves when the task is replaced).
async fn counter_once_running(db: &store::Db, installation: &Installation, id: i64) -> String {
    eventually("the instance running, not restoring", SLOW, || async {
        let r = db.instance(id).await.unwrap();
        if r.status != Status::Running || r.restoring_from.is_some() {
            return Err(format!("{} ({:?})", r.status, r.status_reason));
        }
        let Some(url) = entry(installation, id) else {
            return Err("no running web task".to_owned());
        };
        match reqwest::get(format!("{url}/counter")).await {
            Ok(answer) if answer.status().is_success() => Ok(answer.text().await.unwrap()),
            Ok(answer) => Err(format!("counter: {}", answer.status())),
            Err(e) => Err(format!("counter: {e}")),
        }
    })
    .await
    .trim()
    .to_owned()
}

/// The state of backup `backup` as the console lists it.
async fn backup_state(db: &store::Db, backup: i64) -> BackupState {
    db.backup(backup).await.unwrap().state
}

#[tokio::test]
async fn plenum_killed_mid_backup_and_mid_restore_loses_nothing() {
    preflight(&[DEMO_APP_IMAGE, "plenum/postgres:15"]).await;
    let installation = Installation::new("t-crash");
    let (database_url, _db_dir) = fresh_database(Backend::Postgres).await;
    let dir = tempfile::tempdir().unwrap();
    let gateway = gateway_ip().await;
    let listen = SocketAddr::from((gateway, free_port(gateway)));
    let base = format!("http://{listen}");
    let mut s = settings(&database_url);
    installation.configure(&mut s);
    s.listen = listen;
    s.public_url = base.clone();
    s.engine.plenum_url = base.clone();
    s.data_dir = dir.path().join("data");
    s.capacity.headroom_percent = 0;
    s.capacity.reserved_cpus = "0".into();
    s.capacity.reserved_memory = "0".into();
    s.phases.check_minutes = 60;
    let config = dir.path().join("plenum.toml");
    std::fs::write(&config, toml::to_string(&s).unwrap()).unwrap();
    let mut plenum = Plenum::start(config, dir.path().join("plenum.log"), base.clone()).await;

    let db = store::Db::connect(&database_url).await.unwrap();
    let admin_email = email("crash-staff");
    app::server::accounts::create_staff(&db, &admin_email, PASSWORD)
        .await
        .unwrap();
    let admin = client(&base);
    assert_eq!(
        admin.log_in(&admin_email, PASSWORD).await.status,
        StatusCode::OK
    );
    let owner = client(&base);
    owner.sign_up(&email("survivor"), PASSWORD).await;
    let org = owner.first_org_id().await;
    installation.reserve_ids(&db, org).await;
    let id = provisioned(&admin, &owner, org, "survivor").await;
    let id_text = id.to_string();
    counter_once_running(&db, &installation, id).await;
    for _ in 0..3 {
        visit(&installation, id, "/").await;
    }
    // Ballast, so that the dump takes a while to send.
    psql(id, &ballast());

    // 1. Killed while the backup job sends its dump: the job retries and the restarted
    //    Plenum takes the whole dump again; the stored backup is complete.
    let asked = owner.call("instances/back-up", &[("id", &id_text)]).await;
    assert!(asked.status.is_success(), "{}", asked.text);
    let backup = db.pending_backup(id).await.unwrap().expect("asked for").id;
    let staging = s
        .data_dir
        .join("backups")
        .join(dump_key(id, backup))
        .parent()
        .unwrap()
        .to_owned();
    let deadline = std::time::Instant::now() + SLOW;
    while std::fs::read_dir(&staging).map_or(0, |d| d.count()) == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the dump never arrived: {:?}",
            backup_state(&db, backup).await
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    plenum.kill();
    assert_ne!(
        backup_state(&db, backup).await,
        BackupState::Stored,
        "killed before the dump was whole"
    );
    plenum.restart().await;
    eventually("the backup stored", SLOW, || async {
        match db.backup(backup).await.unwrap() {
            b if b.state == BackupState::Stored => Ok(()),
            b if b.state == BackupState::Failed => panic!("the backup failed: {:?}", b.error),
            b => Err(format!("{:?}", b.state)),
        }
    })
    .await;
    let vault = vault::Vault::open(&s.backup.under(&s.data_dir)).unwrap();
    let dump = vault.get_bytes(&dump_key(id, backup)).await.unwrap();
    let dump = String::from_utf8(dump).unwrap();
    assert!(dump.contains("COPY public.ballast"), "the ballast is in it");
    assert!(
        dump.contains("-- PostgreSQL database dump complete"),
        "a whole dump ({} bytes, stored as {:?}): …{}",
        dump.len(),
        db.backup(backup).await.unwrap().size_bytes,
        &dump[dump.len().saturating_sub(200)..],
    );

    // 2. Killed while the restore job reads the dump: the instance is never reported
    //    running while restoring, and comes back with either the backup's data or its own,
    //    never with a part of one.
    visit_twice_and_restore(&db, &owner, &installation, id, backup).await;
    plenum.kill();
    let meanwhile = db.instance(id).await.unwrap();
    assert_eq!(meanwhile.restoring_from, Some(backup));
    assert_ne!(
        meanwhile.status,
        Status::Running,
        "reported running mid-restore"
    );
    plenum.restart().await;
    let counter = counter_once_running(&db, &installation, id).await;
    assert_whole_restore(&messages(&db, id).await, backup, &counter, "3", "5");
    assert_eq!(
        psql(id, "SELECT count(*) FROM ballast"),
        BALLAST_ROWS.to_string(),
        "the whole table, not a part"
    );

    plenum.kill();
    drop(installation);
}

/// Two more visits (the counter goes from 3 to 5), then the owner restores instance `id`
/// from `backup`; returns once the restore job runs.
async fn visit_twice_and_restore(
    db: &store::Db,
    owner: &Client,
    installation: &Installation,
    id: i64,
    backup: i64,
) {
    for _ in 0..2 {
        visit(installation, id, "/").await;
    }
    assert_eq!(visit(installation, id, "/counter").await, "5");
    let name = db.instance(id).await.unwrap().name;
    let restore = owner
        .call(
            "instances/restore",
            &[
                ("id", &id.to_string()),
                ("backup", &backup.to_string()),
                ("confirm", &name),
            ],
        )
        .await;
    assert!(restore.status.is_success(), "{}", restore.text);
    job_running(installation, &format!("pl{id}_restore-{backup}")).await;
}

/// Kills the test Swarm's node that runs `service`'s task (its container, with the node's
/// dockerd and every container on it: a power cut) and starts it again.
fn power_cut(installation: &Installation, service: &str) -> String {
    let (address, _) = running_task(installation, service, "{{.ID}}");
    let node = match address.rsplit('.').next() {
        Some(last) if last.len() == 2 && last.starts_with('1') => {
            format!("plenum-test-node-{}", &last[1..])
        }
        _ => panic!("{service} runs on {address}, not a node of the test Swarm"),
    };
    docker(&["kill", &node]);
    std::thread::sleep(Duration::from_secs(2));
    docker(&["start", &node]);
    node
}

/// Waits until `service` (a one-off job) has a running task.
async fn job_running(installation: &Installation, service: &str) {
    eventually(&format!("{service} running"), SLOW, || async {
        let states =
            installation.docker(&["service", "ps", service, "--format", "{{.CurrentState}}"]);
        states
            .lines()
            .any(|l| l.starts_with("Running"))
            .then_some(())
            .ok_or(states)
    })
    .await;
}

#[tokio::test]
async fn docker_engine_killed_mid_backup_and_mid_restore_loses_nothing() {
    let _swarm = MULTI_NODE.lock().await;
    let installation = Installation::on("t-power", Some(multi_node_swarm()));
    let server = TestServer::start_with(Backend::Sqlite, |s| {
        installation.configure(s);
        // The jobs on the nodes reach Plenum on the host's side of the test Swarm's bridge.
        s.listen = SocketAddr::from(([172, 31, 250, 1], 0));
        s.capacity.headroom_percent = 0;
        s.capacity.reserved_cpus = "0".into();
        s.capacity.reserved_memory = "0".into();
        s.phases.check_minutes = 60;
    })
    .await;
    let db = &server.state.db;
    let admin = staff(&server).await;
    let (owner, org) = customer(&server, "powercut").await;
    installation.reserve_ids(db, org).await;
    let id = provisioned(&admin, &owner, org, "powercut-one").await;
    let id_text = id.to_string();
    counter_once_running(db, &installation, id).await;
    for _ in 0..3 {
        visit(&installation, id, "/").await;
    }
    let (host, container) = db_container(&installation, id);
    psql_in(Some(&host), &container, &ballast());

    // 1. The node's engine dies while the backup job runs: the backup ends failed (its job
    //    died with the engine) or stored whole, the instance comes back with its data, and
    //    the next backup is stored.
    let asked = owner.call("instances/back-up", &[("id", &id_text)]).await;
    assert!(asked.status.is_success(), "{}", asked.text);
    let first = db.pending_backup(id).await.unwrap().expect("asked for").id;
    job_running(&installation, &format!("pl{id}_backup-{first}")).await;
    let node = power_cut(&installation, &format!("pl{id}_db"));
    eventually("the cut backup ended", SLOW, || async {
        let b = db.backup(first).await.unwrap();
        (!b.state.pending())
            .then_some(())
            .ok_or_else(|| format!("{:?}", b.state))
    })
    .await;
    assert_eq!(
        counter_once_running(db, &installation, id).await,
        "3",
        "{node}"
    );
    let asked = owner.call("instances/back-up", &[("id", &id_text)]).await;
    assert!(asked.status.is_success(), "{}", asked.text);
    let backup = db.pending_backup(id).await.unwrap().expect("asked for").id;
    eventually("the next backup stored", SLOW, || async {
        match db.backup(backup).await.unwrap() {
            b if b.state == BackupState::Stored => Ok(()),
            b if b.state == BackupState::Failed => panic!("the backup failed: {:?}", b.error),
            b => Err(format!("{:?}", b.state)),
        }
    })
    .await;

    // 2. The node's engine dies while the restore job runs: the restore either completed
    //    or left the data as it was; the instance is never reported running mid-way.
    counter_once_running(db, &installation, id).await;
    visit_twice_and_restore(db, &owner, &installation, id, backup).await;
    power_cut(&installation, &format!("pl{id}_db"));
    let during = db.instance(id).await.unwrap();
    assert!(
        during.restoring_from.is_none() || during.status != Status::Running,
        "reported running mid-restore: {during:?}"
    );
    let counter = counter_once_running(db, &installation, id).await;
    assert_whole_restore(&messages(db, id).await, backup, &counter, "3", "5");
    let (host, container) = db_container(&installation, id);
    assert_eq!(
        psql_in(Some(&host), &container, "SELECT count(*) FROM ballast"),
        BALLAST_ROWS.to_string()
    );

    let name = db.instance(id).await.unwrap().name;
    owner
        .call("instances/delete", &[("id", &id_text), ("confirm", &name)])
        .await;
    drop(server);
}
