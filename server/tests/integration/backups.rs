//! Backups and restores end to end: Plenum with the engine on the real local Swarm and the
//! vault in a real S3 API (moto's server, started here). A demo instance's visit counter is
//! backed up by the template's job, changed, and restored from the backup; the bucket holds
//! only age ciphertext; the data endpoint refuses anyone without the instance's token.

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use domain::backup::{dump_key, secrets_key};
use domain::instance::Status;
use store::InstanceRecord;

use crate::common::{Client, TestServer};
use crate::edge_support::{DEMO_APP_IMAGE, eventually, gateway_ip, preflight};
use crate::orders::{customer, staff};
use crate::placement::{get, provisioned};
use crate::swarm::{Installation, docker};

const SLOW: Duration = Duration::from_secs(240);
const BUCKET: &str = "plenum-backups";

/// moto's S3 server on a free port of the loopback, with one bucket; stopped when dropped.
struct S3 {
    child: Child,
    endpoint: String,
    _dir: tempfile::TempDir,
}

impl S3 {
    async fn start() -> Self {
        let program =
            std::env::var("PLENUM_TEST_MOTO_SERVER").unwrap_or_else(|_| "moto_server".into());
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(&program)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("{program} (moto's S3 server; scripts/test.sh installs it): {e}")
            });
        let endpoint = format!("http://127.0.0.1:{port}");
        let s3 = Self {
            child,
            endpoint,
            _dir: tempfile::tempdir().unwrap(),
        };
        let http = reqwest::Client::new();
        eventually("moto's S3 server", Duration::from_secs(60), || async {
            http.put(format!("{}/{BUCKET}", s3.endpoint))
                .send()
                .await
                .map_err(|e| e.to_string())
                .and_then(|r| {
                    if r.status().is_success() {
                        Ok(())
                    } else {
                        Err(r.status().to_string())
                    }
                })
        })
        .await;
        s3
    }

    fn storage(&self) -> vault::StorageSettings {
        std::fs::write(self._dir.path().join("metrics-token"), "metrics\n").unwrap();
        let secret = self._dir.path().join("secret");
        std::fs::write(&secret, "moto-secret\n").unwrap();
        vault::StorageSettings::S3 {
            endpoint: self.endpoint.clone(),
            bucket: BUCKET.to_owned(),
            region: "us-east-1".to_owned(),
            access_key_id: "moto-key".to_owned(),
            secret_access_key_file: secret,
        }
    }

    fn bucket(&self) -> object_store::aws::AmazonS3 {
        object_store::aws::AmazonS3Builder::new()
            .with_endpoint(&self.endpoint)
            .with_allow_http(true)
            .with_bucket_name(BUCKET)
            .with_region("us-east-1")
            .with_access_key_id("moto-key")
            .with_secret_access_key("moto-secret")
            .build()
            .unwrap()
    }

    /// Whether the bucket has no object `key`.
    async fn missing(&self, key: &str) -> bool {
        use object_store::ObjectStore;
        let head = self
            .bucket()
            .head(&object_store::path::Path::from(key))
            .await;
        matches!(head, Err(object_store::Error::NotFound { .. }))
    }

    /// The object `key` exactly as the bucket holds it.
    async fn raw(&self, key: &str) -> Vec<u8> {
        use object_store::ObjectStore;
        let object = self
            .bucket()
            .get(&object_store::path::Path::from(key))
            .await;
        let object = object.unwrap_or_else(|e| panic!("{key}: {e}"));
        object.bytes().await.unwrap().to_vec()
    }
}

impl Drop for S3 {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn record(server: &TestServer, id: i64) -> InstanceRecord {
    server.state.db.instance(id).await.unwrap()
}

/// `http://<docker_gwbridge address>:8080` of the running web task of instance `id`.
pub(crate) fn entry_url(id: i64) -> String {
    let container = crate::incidents::running_container(&format!("pl{id}_web"));
    let address = docker(&[
        "network",
        "inspect",
        "docker_gwbridge",
        "--format",
        &format!(
            "{{{{(index .Containers \"{}\").IPv4Address}}}}",
            container.trim()
        ),
    ]);
    let ip = address.trim().split('/').next().unwrap().to_owned();
    format!("http://{ip}:8080")
}

/// Waits until instance `id` runs (not restoring); the counter then.
pub(crate) async fn counter_when_running(server: &TestServer, id: i64) -> String {
    eventually("the instance running", SLOW, || async {
        let r = record(server, id).await;
        if r.status != Status::Running || r.restoring_from.is_some() {
            return Err(format!("{} ({:?})", r.status, r.status_reason));
        }
        let url = entry_url(id);
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

async fn backups(owner: &Client, id: i64) -> serde_json::Value {
    let list = owner
        .call("instances/backups", &[("id", &id.to_string())])
        .await;
    assert!(list.status.is_success(), "{}", list.text);
    list.body
}

async fn events(server: &TestServer, id: i64) -> Vec<String> {
    let log = server
        .state
        .db
        .recent_instance_events(id, 40)
        .await
        .unwrap();
    log.into_iter().map(|e| e.message).collect()
}

/// Plenum with the engine on the local Swarm and the vault in moto's S3, a staff member,
/// a customer and their running demo instance. Dropped in field order: the server (and
/// its engine) first, the Swarm objects, then the S3 server.
struct Rig {
    server: TestServer,
    admin: Client,
    owner: Client,
    org: i64,
    id: i64,
    _installation: Installation,
    s3: S3,
}

async fn rig(prefix: &str, slug: &str) -> Rig {
    preflight(&[DEMO_APP_IMAGE, "plenum/postgres:15"]).await;
    let s3 = S3::start().await;
    let installation = Installation::new(prefix);
    let gateway = gateway_ip().await;
    let server = TestServer::start_with(crate::common::Backend::Sqlite, |s| {
        installation.configure(s);
        // The instances' jobs reach Plenum at the bridge's gateway.
        s.listen = SocketAddr::from((gateway, 0));
        s.backup.storage = s3.storage();
        s.capacity.headroom_percent = 0;
        s.capacity.reserved_cpus = "0".into();
        s.capacity.reserved_memory = "0".into();
        // Only the schedule passes the test runs, with its own clock.
        s.phases.check_minutes = 60;
        s.metrics.token_file = Some(s3._dir.path().join("metrics-token"));
    })
    .await;
    let admin = staff(&server).await;
    let (owner, org) = customer(&server, slug).await;
    installation.reserve_ids(&server.state.db, org).await;
    let id = provisioned(&admin, &owner, org, slug).await;
    counter_when_running(&server, id).await;
    Rig {
        server,
        admin,
        owner,
        org,
        id,
        _installation: installation,
        s3,
    }
}

/// `/metrics` of `server`, as a scraper with the rig's token reads it.
async fn scrape(server: &TestServer) -> String {
    let answer = reqwest::Client::new()
        .get(format!("{}/metrics", server.base))
        .bearer_auth("metrics")
        .send()
        .await
        .unwrap();
    answer.text().await.unwrap()
}

/// Waits until backup `backup` of instance `id` is stored.
async fn stored(owner: &Client, server: &TestServer, id: i64) -> serde_json::Value {
    eventually("the backup stored", SLOW, || async {
        let body = backups(owner, id).await;
        let newest = body["backups"][0].clone();
        match newest["state"].as_str() {
            Some("stored") => Ok(newest),
            Some("failed") => panic!(
                "the backup failed: {newest}; {:?}",
                events(server, id).await
            ),
            other => Err(format!("{other:?}")),
        }
    })
    .await
}

#[tokio::test]
async fn a_backup_in_s3_restores_the_old_data_and_the_bucket_holds_only_ciphertext() {
    let Rig {
        server,
        admin,
        owner,
        org,
        id,
        _installation,
        s3,
    } = rig("t-backup", "keeper-one").await;
    let name = record(&server, id).await.name;
    let id_text = id.to_string();

    // Three visits, counted in the instance's database.
    let url = entry_url(id);
    for _ in 0..3 {
        get(&format!("{url}/")).await;
    }
    assert_eq!(get(&format!("{url}/counter")).await.trim(), "3");

    // The console's logs follow what the instance writes; nobody else reads them.
    let stream_path =
        format!("/api/instances/{id}/logs/stream?service=web&q=VISIT&since_minutes=5");
    let (stranger, _) = customer(&server, "stranger").await;
    assert_eq!(stranger.get(&stream_path).await.status().as_u16(), 404);
    let unknown = owner
        .get(&format!("/api/instances/{id}/logs/stream?service=nope"))
        .await;
    assert_eq!(
        unknown.status().as_u16(),
        400,
        "an unknown service is refused"
    );
    let stream = owner.get(&stream_path).await;
    assert!(stream.status().is_success(), "{}", stream.status());
    let mut body = stream.bytes_stream();
    get(&format!("{url}/")).await;
    let mut seen = String::new();
    let found = tokio::time::timeout(Duration::from_secs(30), async {
        use futures::StreamExt;
        while let Some(chunk) = body.next().await {
            seen.push_str(&String::from_utf8_lossy(&chunk.unwrap()));
            if seen.contains("demo-app: visit 4") {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(found, Ok(true), "the fourth visit's log line: {seen}");
    assert!(
        seen.contains("event: log") && seen.contains("\"service\":\"web\""),
        "{seen}"
    );
    assert!(
        !seen.contains("listening"),
        "only lines containing the text: {seen}"
    );
    drop(body);
    assert_eq!(get(&format!("{url}/counter")).await.trim(), "4");
    // Staff search every instance's logs; customers may not.
    let search = [("text", "visit 4"), ("minutes", "15")];
    assert_eq!(
        owner
            .call("staff/logs/search", &search)
            .await
            .status
            .as_u16(),
        403
    );
    let found = admin.call("staff/logs/search", &search).await;
    assert!(found.status.is_success(), "{}", found.text);
    let hit = &found.body[0];
    assert_eq!(hit["instance_id"], id, "{}", found.text);
    assert_eq!(hit["service"], "web");
    assert!(hit["text"].as_str().unwrap().contains("demo-app: visit 4"));

    // The owner backs it up; a second backup while it runs is refused.
    let asked = owner.call("instances/back-up", &[("id", &id_text)]).await;
    assert!(asked.status.is_success(), "{}", asked.text);
    let again = owner.call("instances/back-up", &[("id", &id_text)]).await;
    let (field, message) = again.invalid();
    assert_eq!(field, "backup");
    assert!(message.contains("under way"), "{message}");
    let first = stored(&owner, &server, id).await;
    let backup = first["id"].as_i64().unwrap();
    assert_eq!(first["reason"], "manual");
    assert_eq!(first["restorable"], true, "{first}");
    assert!(first["size"].as_str().unwrap().ends_with("kB"), "{first}");
    let log = events(&server, id).await;
    assert!(
        log.iter()
            .any(|m| m.starts_with(&format!("backup {backup} stored ("))),
        "{log:?}"
    );

    // The bucket holds age ciphertext only; Plenum's key reads the real dump and secrets.
    for key in [dump_key(id, backup), secrets_key(id, backup)] {
        let raw = s3.raw(&key).await;
        assert!(raw.starts_with(b"age-encryption.org/v1\n"), "{key}");
        for plain in [
            &b"plenum_demo_counter"[..],
            b"CREATE TABLE",
            b"postgres_password",
        ] {
            assert!(
                !raw.windows(plain.len()).any(|w| w == plain),
                "{key} holds plaintext"
            );
        }
    }
    let dump = String::from_utf8(
        server
            .state
            .vault
            .get_bytes(&dump_key(id, backup))
            .await
            .unwrap(),
    )
    .unwrap();
    assert!(
        dump.contains("CREATE TABLE public.plenum_demo_counter"),
        "a pg_dump: {}",
        &dump[..dump.len().min(400)]
    );
    let secrets = server
        .state
        .vault
        .get_bytes(&secrets_key(id, backup))
        .await
        .unwrap();
    let secrets: serde_json::Value = serde_json::from_slice(&secrets).unwrap();
    assert_eq!(secrets["instance"], id);
    assert!(
        secrets["secrets"]["postgres_password"]
            .as_str()
            .is_some_and(|p| p.len() == 40)
    );

    // Nobody without the instance's backup token reaches the data.
    let data = format!("{}/internal/backups/{backup}/data", server.base);
    let http = reqwest::Client::new();
    for token in [None, Some("wrong")] {
        let mut put = http.put(&data).body("DROP TABLE plenum_demo_counter;");
        let mut fetch = http.get(&data);
        if let Some(token) = token {
            put = put.bearer_auth(token);
            fetch = fetch.bearer_auth(token);
        }
        assert_eq!(put.send().await.unwrap().status().as_u16(), 401);
        assert_eq!(fetch.send().await.unwrap().status().as_u16(), 401);
    }

    // Two more visits, then the restore: typed confirmation first.
    for _ in 0..2 {
        get(&format!("{url}/")).await;
    }
    assert_eq!(get(&format!("{url}/counter")).await.trim(), "6");
    let backup_text = backup.to_string();
    let wrong = owner
        .call(
            "instances/restore",
            &[
                ("id", &id_text),
                ("backup", &backup_text),
                ("confirm", "nope"),
            ],
        )
        .await;
    assert_eq!(wrong.invalid().0, "confirm");
    let restored = owner
        .call(
            "instances/restore",
            &[
                ("id", &id_text),
                ("backup", &backup_text),
                ("confirm", &name),
            ],
        )
        .await;
    assert!(restored.status.is_success(), "{}", restored.text);
    let during = record(&server, id).await;
    assert_eq!(during.restoring_from, Some(backup));
    let refused = owner
        .call(
            "instances/restore",
            &[
                ("id", &id_text),
                ("backup", &backup_text),
                ("confirm", &name),
            ],
        )
        .await;
    assert_eq!(refused.invalid().0, "backup", "one restore at a time");

    // It comes back with the backup's data.
    let counter = eventually("restored", SLOW, || async {
        let log = events(&server, id).await;
        if log
            .iter()
            .any(|m| m.starts_with(&format!("restoring backup {backup} failed")))
        {
            panic!("the restore failed: {log:?}");
        }
        if log
            .iter()
            .any(|m| m == &format!("restored backup {backup}; starting"))
        {
            Ok(())
        } else {
            Err(format!("{:?}", record(&server, id).await.status_reason))
        }
    });
    counter.await;
    assert_eq!(counter_when_running(&server, id).await, "4");
    let log = events(&server, id).await;
    assert!(
        log.iter()
            .any(|m| m.starts_with(&format!("restoring backup {backup} (taken "))),
        "{log:?}"
    );
    // After the restore the dump is no longer handed out, even with the right token.
    let token = server
        .state
        .db
        .instance_secrets(id, server.state.identity.secret_key())
        .await
        .unwrap()["backup_token"]
        .expose_str()
        .unwrap()
        .to_owned();
    let fetch = http.get(&data).bearer_auth(&token).send().await.unwrap();
    assert_eq!(fetch.status().as_u16(), 401);

    // Staff copy the backup into a rehearsal instance with its own address and secrets;
    // customers may not.
    let copy_form = [
        ("backup", backup_text.as_str()),
        ("name", "Rehearsal"),
        ("slug", "keeper-copy"),
    ];
    assert_eq!(
        owner
            .call("staff/backups/clone", &copy_form)
            .await
            .status
            .as_u16(),
        403
    );
    let copied = admin.call("staff/backups/clone", &copy_form).await;
    assert!(copied.status.is_success(), "{}", copied.text);
    let copy = copied.body.as_i64().unwrap();
    assert_eq!(
        counter_when_running(&server, copy).await,
        "4",
        "the copy holds the backup's data"
    );
    let copy_record = record(&server, copy).await;
    assert_eq!(copy_record.organisation_id, org);
    assert_eq!(copy_record.slug, "keeper-copy");
    let secrets_of = |id: i64| {
        let state = server.state.clone();
        async move {
            state
                .db
                .instance_secrets(id, state.identity.secret_key())
                .await
                .unwrap()["postgres_password"]
                .expose_str()
                .unwrap()
                .to_owned()
        }
    };
    assert_ne!(
        secrets_of(id).await,
        secrets_of(copy).await,
        "its own secrets"
    );
    assert!(
        events(&server, copy)
            .await
            .iter()
            .any(|m| m == &format!("restored backup {backup}; starting")),
        "{:?}",
        events(&server, copy).await
    );

    // The schedule: half a day after the manual backup (quiet phase, the plan's policy)
    // one is due, and once a newer one is stored, retention deletes the older from the
    // bucket.
    let schedule = |hours: i64| {
        let now = (chrono::Utc::now() + chrono::Duration::hours(hours)).naive_utc();
        let state = server.state.clone();
        async move {
            app::server::backup_schedule::apply_backup_schedule(&state, now)
                .await
                .unwrap()
        }
    };
    // The phase scheduler puts the instance in its phase first (quiet, before the event).
    let now = chrono::Utc::now().naive_utc();
    app::server::phases::apply_phases(&server.state, now)
        .await
        .unwrap();
    eventually("quiet", SLOW, || async {
        let r = record(&server, id).await;
        (r.phase == Some(domain::capacity::Phase::Quiet) && r.status == Status::Running)
            .then_some(())
            .ok_or_else(|| format!("{:?} {}", r.phase, r.status))
    })
    .await;
    counter_when_running(&server, id).await;
    // Staff give the demo's small plan its own schedule: every 12 hours while quiet, one
    // scheduled quiet backup kept. Bad values are refused by name; customers may not.
    let policy = |quiet: &'static str| {
        [
            ("plan", "demo/small"),
            ("quiet_hours", quiet),
            ("event_hours", "1"),
            ("final_lead_hours", "2"),
            ("keep_quiet", "1"),
            ("keep_event", "48"),
            ("keep_manual", "10"),
        ]
    };
    let refused = owner.call("staff/plans/backup-policy", &policy("12")).await;
    assert_eq!(refused.status.as_u16(), 403);
    for (bad, says) in [("0", "1 to 168 hours"), ("soon", "whole number")] {
        let reply = admin.call("staff/plans/backup-policy", &policy(bad)).await;
        let (field, message) = reply.invalid();
        assert_eq!(field, "quiet_hours");
        assert!(message.contains(says), "{message}");
    }
    for plan in ["nope/small", "demo/huge", "demo"] {
        let mut unknown = policy("12");
        unknown[0] = ("plan", plan);
        let reply = admin.call("staff/plans/backup-policy", &unknown).await;
        assert_eq!(reply.invalid().0, "plan", "{plan}");
    }
    let set = admin.call("staff/plans/backup-policy", &policy("12")).await;
    assert!(set.status.is_success(), "{}", set.text);
    let catalog = admin.call("staff/catalog/list", &[]).await;
    let small = catalog.body["plans"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["template"] == "demo" && p["size"] == "Small")
        .cloned()
        .unwrap_or_else(|| panic!("{}", catalog.text));
    assert_eq!(small["own_backup_policy"], true);
    assert_eq!(small["backup_policy"]["quiet_hours"], 12);
    assert!(
        schedule(1).await.requested.is_empty(),
        "the manual backup is recent"
    );
    let mut scheduled = Vec::new();
    // 13 hours: due by the plan's 12 (the installation's default would wait 24).
    for hours in [13, 26] {
        // A pass asks only while the instance runs; on a busy machine its health check
        // may fail for a moment, so the pass is repeated until it asks.
        let pass = eventually("a scheduled backup asked for", SLOW, || async {
            let pass = schedule(hours).await;
            if pass.requested.is_empty() {
                let r = record(&server, id).await;
                Err(format!("{} {:?}", r.status, r.status_reason))
            } else {
                Ok(pass)
            }
        })
        .await;
        assert_eq!(
            pass.requested,
            [(id, domain::backup::BackupReason::Scheduled)]
        );
        let newest = stored(&owner, &server, id).await;
        assert_eq!(newest["reason"], "scheduled");
        assert_eq!(newest["phase"], "quiet");
        scheduled.push(newest["id"].as_i64().unwrap());
    }
    let pass = schedule(27).await;
    assert_eq!(
        pass.deleted,
        [scheduled[0]],
        "keep one scheduled quiet backup"
    );
    let left: Vec<i64> = backups(&owner, id).await["backups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["id"].as_i64().unwrap())
        .collect();
    assert!(
        !left.contains(&scheduled[0]) && left.contains(&scheduled[1]) && left.contains(&backup),
        "{left:?}"
    );
    assert!(s3.missing(&dump_key(id, scheduled[0])).await);
    assert!(!s3.missing(&dump_key(id, scheduled[1])).await);
    let log = events(&server, id).await;
    assert!(
        log.iter()
            .any(|m| m.starts_with(&format!("backup {} deleted (retention", scheduled[0]))),
        "{log:?}"
    );
    // A backup under way at the end of the test is given time to finish.
    eventually("no backup under way", SLOW, || async {
        let body = backups(&owner, id).await;
        if body["busy"] == false {
            Ok(())
        } else {
            Err(body.to_string())
        }
    })
    .await;

    // The metrics say how old the newest backup is, and count the engine's passes.
    let metrics = scrape(&server).await;
    assert!(
        metrics.contains("plenum_backup_age_seconds{instance=\"keeper-one\"}"),
        "{metrics}"
    );
    assert!(
        metrics.contains("plenum_reconcile_passes_total{outcome=\"ok\"}"),
        "{metrics}"
    );
    assert!(
        metrics.contains("plenum_docker_api_calls_total"),
        "{metrics}"
    );

    // Finished jobs are removed.
    eventually("no job left behind", SLOW, || async {
        let jobs = docker(&[
            "service",
            "ls",
            "--filter",
            &format!("label=org.plenum.instance={id}"),
            "--format",
            "{{.Name}}",
        ]);
        (!jobs.contains("backup-") && !jobs.contains("restore-"))
            .then_some(())
            .ok_or(jobs)
    })
    .await;
}

/// Restore tests: Plenum proves a final backup by bringing it up in a scratch copy, judges
/// the copy once it answers, records the verdict and erases the copy; a backup whose dump
/// is gone from the bucket fails its test (asked for by the owner), and the instance itself
/// is untouched throughout.
#[tokio::test]
async fn restore_tests_prove_a_final_backup_and_catch_a_broken_one() {
    // Bound whole: the installation and S3 server must live to the end.
    let rig = rig("t-restore-test", "prover").await;
    let (server, owner, id) = (&rig.server, &rig.owner, rig.id);
    let url = entry_url(id);
    for _ in 0..2 {
        get(&format!("{url}/")).await;
    }
    let engine = server.state.engine.as_ref().expect("the engine");

    // What it uses: sampled twice (a CPU rate needs two readings), shown to its members
    // and staff, scraped from /metrics, and its memory as `docker stats` counts it.
    assert!(engine.sample_usage().await.unwrap().contains(&id));
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(engine.sample_usage().await.unwrap().contains(&id));
    let usage = owner
        .call("instances/usage", &[("id", &id.to_string())])
        .await;
    assert!(usage.status.is_success(), "{}", usage.text);
    let points = usage.body["points"].as_array().unwrap();
    assert!(points.len() >= 2, "{}", usage.text);
    let newest = points.last().unwrap();
    assert!(newest["cpu"].as_f64().is_some_and(|c| c >= 0.0), "{newest}");
    assert_eq!(usage.body["containers"], 2, "web and db: {}", usage.text);
    let ours = newest["memory_mb"].as_f64().unwrap();
    let containers: Vec<String> = ["web", "db"]
        .iter()
        .map(|service| {
            docker(&[
                "ps",
                "-q",
                "--filter",
                &format!("label=com.docker.swarm.service.name=pl{id}_{service}"),
            ])
            .trim()
            .to_owned()
        })
        .collect();
    let mut args = vec!["stats", "--no-stream", "--format", "{{.MemUsage}}"];
    args.extend(containers.iter().map(String::as_str));
    let theirs: f64 = docker(&args)
        .lines()
        .map(|line| mebibytes(line.split('/').next().unwrap_or_default()) * 1.048_576)
        .sum();
    assert!(
        (ours - theirs).abs() <= theirs * 0.25 + 2.0,
        "Plenum's working set {ours:.1} MB, docker stats {theirs:.1} MB"
    );
    let no_filter = [
        ("status", ""),
        ("org_id", ""),
        ("version", ""),
        ("event_from", ""),
        ("event_to", ""),
    ];
    let rows = rig.admin.call("staff/instances/list", &no_filter).await;
    let row = rows
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["instance"]["id"] == id);
    assert!(
        row.is_some_and(|r| !r["usage"]["points"].as_array().unwrap().is_empty()),
        "{}",
        rows.text
    );
    let metrics = scrape(server).await;
    for family in ["instance_memory_working_set_bytes", "instance_cpu_cores"] {
        assert!(
            metrics.contains(&format!("plenum_{family}{{instance=\"prover\"}}")),
            "{metrics}"
        );
    }

    engine
        .back_up(id, domain::backup::BackupReason::Final, None)
        .await
        .unwrap();
    let final_backup = stored(owner, server, id).await["id"].as_i64().unwrap();
    let tester = || app::server::restore_tests::test_restores(&server.state, chrono::Utc::now());

    // The tester starts a test of the untested final backup: a scratch copy of the same
    // organisation, restoring from it.
    let pass = tester().await.unwrap();
    assert_eq!(pass.started, [final_backup], "{pass:?}");
    let test = server.state.db.backup(final_backup).await.unwrap().test;
    let scratch = test.and_then(|t| t.instance_id).expect("a scratch copy");
    let copy = record(server, scratch).await;
    assert!(
        copy.slug.starts_with(&format!("rt-{final_backup}-")),
        "{}",
        copy.slug
    );
    assert_eq!(copy.organisation_id, rig.org);
    assert_eq!(copy.restoring_from, Some(final_backup));
    let listed = backups(owner, id).await;
    assert_eq!(listed["backups"][0]["test"], "running", "{listed}");
    assert_eq!(listed["backups"][0]["testable"], false, "{listed}");

    // Judged once the copy answers (never started twice), then erased.
    let ended = eventually("the restore test ended", SLOW, || async {
        let pass = tester().await.unwrap();
        assert!(pass.started.is_empty(), "{pass:?}");
        if pass.ended.is_empty() {
            let r = record(server, scratch).await;
            Err(format!("{} {:?}", r.status, r.status_reason))
        } else {
            Ok(pass)
        }
    })
    .await;
    assert_eq!(ended.ended, [(final_backup, true)], "{ended:?}");
    assert_eq!(ended.erased, [scratch]);
    let listed = backups(owner, id).await;
    assert_eq!(listed["backups"][0]["test"], "passed", "{listed}");
    let log = events(server, id).await;
    assert!(
        log.iter().any(|m| m
            == &format!(
                "restore test of backup {final_backup} passed: its copy came up and answered"
            )),
        "{log:?}"
    );
    eventually("the scratch copy erased", SLOW, || async {
        let r = record(server, scratch).await;
        let left = docker(&[
            "service",
            "ls",
            "-q",
            "--filter",
            &format!("label=org.plenum.instance={scratch}"),
        ]);
        (r.status == Status::Erased && left.trim().is_empty())
            .then_some(())
            .ok_or_else(|| format!("{} {left}", r.status))
    })
    .await;
    assert!(
        tester().await.unwrap().started.is_empty(),
        "a tested final backup is not tested again"
    );

    // A backup whose dump is gone: the owner's test fails and says why.
    let asked = owner
        .call("instances/back-up", &[("id", &id.to_string())])
        .await;
    assert!(asked.status.is_success(), "{}", asked.text);
    let broken = stored(owner, server, id).await["id"].as_i64().unwrap();
    {
        use object_store::ObjectStore;
        rig.s3
            .bucket()
            .delete(&object_store::path::Path::from(dump_key(id, broken)))
            .await
            .unwrap();
    }
    let form = [("id", id.to_string()), ("backup", broken.to_string())];
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let started = owner.call("instances/test-restore", &form).await;
    assert!(started.status.is_success(), "{}", started.text);
    let again = owner.call("instances/test-restore", &form).await;
    let (field, message) = again.invalid();
    assert_eq!(field, "backup");
    assert!(message.contains("under way"), "{message}");
    // The restore job fails (the dump cannot be read): the restore records the test's
    // failure itself, and the tester erases the copy.
    let broken_copy = server.state.db.backup(broken).await.unwrap().test;
    let broken_copy = broken_copy
        .and_then(|t| t.instance_id)
        .expect("a scratch copy");
    eventually("the broken backup's copy erased", SLOW, || async {
        let pass = tester().await.unwrap();
        let test = server.state.db.backup(broken).await.unwrap().test.unwrap();
        let copy = record(server, broken_copy).await;
        if test.state == domain::backup::RestoreTestState::Passed {
            panic!("a test of a backup without its dump passed");
        }
        (copy.lifecycle == domain::instance::Lifecycle::Erased)
            .then_some(())
            .ok_or_else(|| format!("{:?} {pass:?} {}", test.state, copy.status))
    })
    .await;
    let listed = backups(owner, id).await;
    let row = &listed["backups"][0];
    assert_eq!(row["id"], broken);
    assert_eq!(row["test"], "failed", "{listed}");
    assert!(
        row["test_detail"]
            .as_str()
            .is_some_and(|d| d.starts_with("the restore failed")),
        "{listed}"
    );
    // The instance kept running with its own data all along.
    assert_eq!(counter_when_running(server, id).await, "2");
}

/// `12.5MiB` (as `docker stats` writes sizes) in MiB.
fn mebibytes(text: &str) -> f64 {
    let text = text.trim();
    let (number, unit) = text.split_at(
        text.find(|c: char| c.is_ascii_alphabetic())
            .unwrap_or(text.len()),
    );
    let number: f64 = number
        .parse()
        .unwrap_or_else(|_| panic!("a size: {text:?}"));
    number
        * match unit {
            "B" => 1.0 / 1_048_576.0,
            "KiB" | "kB" => 1.0 / 1024.0,
            "MiB" | "MB" => 1.0,
            "GiB" | "GB" => 1024.0,
            other => panic!("unit {other:?} in {text:?}"),
        }
}

/// Backup and restore throughput of a demo instance whose database holds
/// `PLENUM_BENCH_BACKUP_MB` (default 1000) MB, against `pg_dump` alone in the database's
/// container (the floor of any logical backup) in the same run. Prints BENCHMARKS.md rows.
#[tokio::test]
#[ignore = "benchmark: cargo test -p server --test integration bench_backup -- --ignored --nocapture"]
async fn bench_backup_and_restore() {
    // Bound whole: the installation and S3 server must live to the end.
    let rig = rig("t-bench-backup", "bench-keeper").await;
    let (server, owner, id) = (&rig.server, &rig.owner, rig.id);
    let mb: u64 = std::env::var("PLENUM_BENCH_BACKUP_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let task = docker(&[
        "service",
        "ps",
        &format!("pl{id}_db"),
        "--filter",
        "desired-state=running",
        "-q",
    ]);
    let task = task
        .split_whitespace()
        .next()
        .unwrap_or_else(|| {
            panic!(
                "a running db task: {}",
                docker(&["service", "ps", &format!("pl{id}_db")])
            )
        })
        .to_owned();
    let container = docker(&[
        "inspect",
        &task,
        "--format",
        "{{.Status.ContainerStatus.ContainerID}}",
    ]);
    let container = container.trim();
    // About 1 kB per row (peer login as postgres inside the container).
    // Owned by the instance's own role, which its backup job dumps as.
    let fill = format!(
        "CREATE TABLE filler AS SELECT repeat(md5(g::text), 30) AS t FROM generate_series(1, {}) AS g; \
         ALTER TABLE filler OWNER TO demo",
        mb * 1000
    );
    docker(&[
        "exec", "-u", "postgres", container, "psql", "-q", "-d", "demo", "-c", &fill,
    ]);

    let reference = std::time::Instant::now();
    let dumped = docker(&[
        "exec",
        "-u",
        "postgres",
        container,
        "sh",
        "-c",
        "pg_dump --clean --if-exists --no-owner --no-privileges demo | wc -c",
    ]);
    let reference = reference.elapsed().as_secs_f64();
    let dump_mb = dumped.trim().parse::<f64>().unwrap() / 1e6;

    let id_text = id.to_string();
    let started = std::time::Instant::now();
    let asked = owner.call("instances/back-up", &[("id", &id_text)]).await;
    assert!(asked.status.is_success(), "{}", asked.text);
    let backup = stored(owner, server, id).await;
    let backup_s = started.elapsed().as_secs_f64();
    let backup_id = backup["id"].as_i64().unwrap();
    let stored_size = server
        .state
        .vault
        .stored_size(&dump_key(id, backup_id))
        .await
        .unwrap() as f64
        / 1e6;

    let name = record(server, id).await.name;
    let started = std::time::Instant::now();
    let restore = owner
        .call(
            "instances/restore",
            &[
                ("id", &id_text),
                ("backup", &backup_id.to_string()),
                ("confirm", &name),
            ],
        )
        .await;
    assert!(restore.status.is_success(), "{}", restore.text);
    eventually("restored", Duration::from_secs(3600), || async {
        let log = events(server, id).await;
        if log
            .iter()
            .any(|m| m.starts_with(&format!("restoring backup {backup_id} failed")))
        {
            panic!("the restore failed: {log:?}");
        }
        log.iter()
            .any(|m| m == &format!("restored backup {backup_id}; starting"))
            .then_some(())
            .ok_or_else(|| format!("{:?}", log.first()))
    })
    .await;
    let restore_s = started.elapsed().as_secs_f64();
    counter_when_running(server, id).await;
    let back_s = started.elapsed().as_secs_f64();
    println!("| dump (plain SQL) | {dump_mb:.0} MB, {stored_size:.0} MB encrypted in the bucket |");
    println!(
        "| `pg_dump` alone in the container (reference) | {reference:.1} s ({:.0} MB/s) |",
        dump_mb / reference
    );
    println!(
        "| backup: click → stored in S3 | {backup_s:.1} s ({:.0} MB/s, {:.2}× the reference) |",
        dump_mb / backup_s,
        backup_s / reference
    );
    println!(
        "| restore: click → data loaded | {restore_s:.1} s ({:.0} MB/s) |",
        dump_mb / restore_s
    );
    println!("| restore: click → running again | {back_s:.1} s |");
}

/// The console's log stream: from the request that makes the demo write a line to the line
/// arriving over `/api/instances/<id>/logs/stream`, against `docker service logs -f` of the
/// same service (the reference: Docker's own follow) in the same run; and what a scrape of
/// `/metrics` costs, against `/healthz` (the floor of a request). Prints BENCHMARKS.md rows.
#[tokio::test]
#[ignore = "benchmark: cargo test -p server --test integration bench_log_stream -- --ignored --nocapture"]
async fn bench_log_stream_and_scrape() {
    use futures::StreamExt;
    use std::time::Instant;
    use tokio::io::AsyncBufReadExt;

    let rig = rig("t-bench-logs", "bench-logs").await;
    let (server, owner, id) = (&rig.server, &rig.owner, rig.id);
    let url = entry_url(id);
    const ROUNDS: usize = 30;
    let visit_line = |n: usize| format!("demo-app: visit {n}");

    // Plenum's stream.
    let stream = owner
        .get(&format!(
            "/api/instances/{id}/logs/stream?service=web&q=visit&since_minutes=5"
        ))
        .await;
    let mut body = stream.bytes_stream();
    let mut seen = String::new();
    let mut plenum = Vec::new();
    for n in 1..=ROUNDS {
        let start = Instant::now();
        get(&format!("{url}/")).await;
        while !seen.contains(&visit_line(n)) {
            let chunk = body.next().await.expect("the stream stays open").unwrap();
            seen.push_str(&String::from_utf8_lossy(&chunk));
        }
        plenum.push(start.elapsed());
    }
    drop(body);

    // Docker's own follow of the same service.
    let mut follow = tokio::process::Command::new("docker")
        .args([
            "service",
            "logs",
            "-f",
            "--raw",
            "--since",
            "1s",
            &format!("pl{id}_web"),
        ])
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = tokio::io::BufReader::new(follow.stdout.take().unwrap()).lines();
    let mut docker_follow = Vec::new();
    for n in ROUNDS + 1..=2 * ROUNDS {
        let start = Instant::now();
        get(&format!("{url}/")).await;
        loop {
            let line = lines.next_line().await.unwrap().expect("docker follows");
            if line.contains(&visit_line(n)) {
                break;
            }
        }
        docker_follow.push(start.elapsed());
    }
    drop(follow);

    // A scrape against the floor of any request.
    let http = reqwest::Client::new();
    let time = |path: &'static str, token: bool| {
        let http = http.clone();
        let base = server.base.clone();
        async move {
            let mut all = Vec::new();
            for _ in 0..50 {
                let mut request = http.get(format!("{base}{path}"));
                if token {
                    request = request.bearer_auth("metrics");
                }
                let start = Instant::now();
                let answer = request.send().await.unwrap();
                assert!(answer.status().is_success());
                let size = answer.bytes().await.unwrap().len();
                all.push((start.elapsed(), size));
            }
            all
        }
    };
    let scrapes = time("/metrics", true).await;
    let health = time("/healthz", false).await;

    let quantiles = |mut d: Vec<std::time::Duration>| {
        d.sort();
        let at = |q: f64| d[((d.len() - 1) as f64 * q).round() as usize].as_secs_f64() * 1000.0;
        (at(0.5), at(0.95))
    };
    let (p50, p95) = quantiles(plenum);
    let (r50, r95) = quantiles(docker_follow);
    println!("| log line → console stream (Plenum) | {p50:.0} ms | {p95:.0} ms | {ROUNDS} |");
    println!(
        "| log line → `docker service logs -f` (reference) | {r50:.0} ms | {r95:.0} ms | {ROUNDS} |"
    );
    println!("| ratio | {:.2}× | {:.2}× | |", p50 / r50, p95 / r95);
    let size = scrapes[0].1;
    let (s50, s95) = quantiles(scrapes.into_iter().map(|(d, _)| d).collect());
    let (h50, h95) = quantiles(health.into_iter().map(|(d, _)| d).collect());
    println!("| `/metrics` ({size} bytes) | {s50:.1} ms | {s95:.1} ms | 50 |");
    println!("| `/healthz` (reference) | {h50:.1} ms | {h95:.1} ms | 50 |");
}
