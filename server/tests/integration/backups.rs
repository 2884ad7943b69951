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
use crate::orders::{customer, day, form, id_of, place, staff, with};
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

    /// The object `key` exactly as the bucket holds it.
    async fn raw(&self, key: &str) -> Vec<u8> {
        use object_store::ObjectStore;
        let bucket = object_store::aws::AmazonS3Builder::new()
            .with_endpoint(&self.endpoint)
            .with_allow_http(true)
            .with_bucket_name(BUCKET)
            .with_region("us-east-1")
            .with_access_key_id("moto-key")
            .with_secret_access_key("moto-secret")
            .build()
            .unwrap();
        let object = bucket.get(&object_store::path::Path::from(key)).await;
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
fn entry_url(id: i64) -> String {
    let task = docker(&[
        "service",
        "ps",
        &format!("pl{id}_web"),
        "--filter",
        "desired-state=running",
        "-q",
    ]);
    let task = task.split_whitespace().next().expect("a running web task");
    let container = docker(&[
        "inspect",
        task,
        "--format",
        "{{.Status.ContainerStatus.ContainerID}}",
    ]);
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

async fn get(url: &str) -> String {
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

/// Waits until instance `id` runs (not restoring); the counter then.
async fn counter_when_running(server: &TestServer, id: i64) -> String {
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

#[tokio::test]
async fn a_backup_in_s3_restores_the_old_data_and_the_bucket_holds_only_ciphertext() {
    preflight(&[DEMO_APP_IMAGE, "plenum/postgres:15"]).await;
    let s3 = S3::start().await;
    let installation = Installation::new("t-backup");
    let gateway = gateway_ip().await;
    let server = TestServer::start_with(crate::common::Backend::Sqlite, |s| {
        installation.configure(s);
        // The instances' jobs reach Plenum at the bridge's gateway.
        s.listen = SocketAddr::from((gateway, 0));
        s.backup.storage = s3.storage();
        s.capacity.headroom_percent = 0;
        s.capacity.reserved_cpus = "0".into();
        s.capacity.reserved_memory = "0".into();
    })
    .await;
    let admin = staff(&server).await;
    let (owner, org) = customer(&server, "keeper").await;
    installation.reserve_ids(&server.state.db, org).await;
    let order = with(form(org, "keeper-one", 0), "plan", "small");
    let order = with(order, "rental_end", &day(10));
    let order = with(order, "event_days", &format!("{} 60", day(5)));
    let placed = place(&owner, &order).await;
    let approved = admin
        .call("staff/orders/approve", &[("order_id", &id_of(&placed))])
        .await;
    let id = approved.body["instance_id"]
        .as_i64()
        .unwrap_or_else(|| panic!("provisioned at once: {}", approved.text));
    let name = record(&server, id).await.name;
    let id_text = id.to_string();

    // Three visits, counted in the instance's database.
    counter_when_running(&server, id).await;
    let url = entry_url(id);
    for _ in 0..3 {
        get(&format!("{url}/")).await;
    }
    assert_eq!(get(&format!("{url}/counter")).await.trim(), "3");

    // The owner backs it up; a second backup while it runs is refused.
    let asked = owner.call("instances/back-up", &[("id", &id_text)]).await;
    assert!(asked.status.is_success(), "{}", asked.text);
    let again = owner.call("instances/back-up", &[("id", &id_text)]).await;
    let (field, message) = again.invalid();
    assert_eq!(field, "backup");
    assert!(message.contains("under way"), "{message}");
    let stored = eventually("the backup stored", SLOW, || async {
        let body = backups(&owner, id).await;
        let newest = body["backups"][0].clone();
        match newest["state"].as_str() {
            Some("stored") => Ok(newest),
            Some("failed") => panic!(
                "the backup failed: {newest}; {:?}",
                events(&server, id).await
            ),
            other => Err(format!("{other:?}")),
        }
    })
    .await;
    let backup = stored["id"].as_i64().unwrap();
    assert_eq!(stored["reason"], "manual");
    assert_eq!(stored["restorable"], true, "{stored}");
    assert!(stored["size"].as_str().unwrap().ends_with("kB"), "{stored}");
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
    assert_eq!(get(&format!("{url}/counter")).await.trim(), "5");
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
    assert_eq!(counter_when_running(&server, id).await, "3");
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
    // No job is left behind.
    let jobs = docker(&[
        "service",
        "ls",
        "--filter",
        &format!("label=org.plenum.instance={id}"),
        "--format",
        "{{.Name}}",
    ]);
    assert!(
        !jobs.contains("backup-") && !jobs.contains("restore-"),
        "{jobs}"
    );
}
