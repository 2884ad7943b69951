//! Incidents end to end on the real local Swarm: a demo instance's database container is
//! killed twice; Swarm restarts it, the engine records one incident for `db`, counted
//! twice, that its owner and staff see (no stranger); pinned to event mode, it is posted
//! to the webhook once, and again only when it happens again. Error lines the database
//! logs become an incident of their own, each line counted once.

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::routing::post;
use serde_json::Value;
use tokio::sync::mpsc;

use app::server::log_errors::{self, LogScanner};

use crate::backups::counter_when_running;
use crate::common::{Backend, Client, TestServer};
use crate::edge_support::{DEMO_APP_IMAGE, eventually, preflight};
use crate::orders::{customer, staff};
use crate::placement::provisioned;
use crate::swarm::{Installation, docker};

const SLOW: Duration = Duration::from_secs(240);

/// A webhook receiver on the loopback; what it received comes out of the channel.
async fn webhook() -> (String, mpsc::UnboundedReceiver<Value>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let app = axum::Router::new()
        .route(
            "/hook",
            post(|State(tx): State<mpsc::UnboundedSender<Value>>, Json(body): Json<Value>| async move {
                let _ = tx.send(body);
                "ok"
            }),
        )
        .with_state(tx);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, rx)
}

/// Kills the running container of `service` (as the kernel's OOM killer would).
fn kill(service: &str) {
    docker(&["kill", &running_container(service)]);
}

async fn db_incident(client: &Client, id: i64, count: u64) -> Value {
    eventually(
        &format!("the db incident counted {count} times"),
        SLOW,
        || async {
            let reply = client
                .call("instances/incidents", &[("id", &id.to_string())])
                .await;
            assert!(reply.status.is_success(), "{}", reply.text);
            let list = reply.body.as_array().unwrap().clone();
            match list
                .iter()
                .find(|i| i["service"] == "db" && i["kind"] != "error-line")
            {
                Some(i) if i["count"] == count => Ok(i.clone()),
                other => Err(format!("{other:?}")),
            }
        },
    )
    .await
}

#[tokio::test]
async fn killed_tasks_become_incidents_that_owners_and_staff_see_and_staff_are_told_of() {
    preflight(&[DEMO_APP_IMAGE, "plenum/postgres:15"]).await;
    let (hook, mut received) = webhook().await;
    let installation = Installation::new("t-incident");
    let server = TestServer::start_with(Backend::Sqlite, |s| {
        installation.configure(s);
        s.capacity.headroom_percent = 0;
        s.capacity.reserved_cpus = "0".into();
        s.capacity.reserved_memory = "0".into();
        s.phases.check_minutes = 60;
        s.incidents.webhook_url = Some(hook);
        s.incidents.gap_minutes = 1;
    })
    .await;
    let admin = staff(&server).await;
    let (owner, org) = customer(&server, "crashy").await;
    installation.reserve_ids(&server.state.db, org).await;
    let id = provisioned(&admin, &owner, org, "crashy-one").await;
    counter_when_running(&server, id).await;
    let service = format!("pl{id}_db");

    kill(&service);
    let first = db_incident(&owner, id, 1).await;
    assert_eq!(first["kind"], "killed", "{first}");
    assert!(
        first["message"].as_str().unwrap().contains("137"),
        "{first}"
    );
    counter_when_running(&server, id).await;
    kill(&service);
    let second = db_incident(&owner, id, 2).await;
    assert_eq!(second["first_seen"], first["first_seen"]);
    assert_ne!(second["last_seen"], first["last_seen"]);

    // Staff see it among all; customers may not list everyone's, nor strangers this one's.
    let all = admin.call("staff/incidents", &[]).await;
    assert!(
        all.body
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["instance_id"] == id && i["service"] == "db"),
        "{}",
        all.text
    );
    assert_eq!(
        owner.call("staff/incidents", &[]).await.status.as_u16(),
        403
    );
    let (stranger, _) = customer(&server, "nosy").await;
    let refused = stranger
        .call("instances/incidents", &[("id", &id.to_string())])
        .await;
    assert_eq!(refused.status.as_u16(), 404);

    // Not in event mode: nobody is told. Pinned to event mode: told once.
    let notify = |minutes: i64| {
        let state = server.state.clone();
        async move {
            let now = chrono::Utc::now() + chrono::Duration::minutes(minutes);
            app::server::incidents::notify(&state, now).await.unwrap()
        }
    };
    assert!(notify(0).await.is_empty(), "quiet instances raise no alarm");
    let pinned = admin
        .call(
            "staff/instances/pin",
            &[("id", &id.to_string()), ("phase", "event")],
        )
        .await;
    assert!(pinned.status.is_success(), "{}", pinned.text);
    let now = chrono::Utc::now().naive_utc();
    app::server::phases::apply_phases(&server.state, now)
        .await
        .unwrap();
    eventually("in event mode", SLOW, || async {
        let r = server.state.db.instance(id).await.unwrap();
        if r.phase == Some(domain::capacity::Phase::Event) {
            Ok(())
        } else {
            Err(format!("{:?}", r.phase))
        }
    })
    .await;
    let told = notify(0).await;
    assert_eq!(told.len(), 1, "{told:?}");
    let body = tokio::time::timeout(Duration::from_secs(10), received.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(body["instance"], "crashy-one");
    assert_eq!(body["service"], "db");
    assert_eq!(body["count"], 2);
    assert!(notify(5).await.is_empty(), "nothing new since");
    counter_when_running(&server, id).await;
    kill(&service);
    db_incident(&owner, id, 3).await;
    assert_eq!(notify(6).await.len(), 1, "it happened again");
    let again = received.recv().await.unwrap();
    assert_eq!(again["count"], 3);

    // Error lines: the database logs an error for each bad query; the log scanner counts
    // each line once, grouped without its numbers, also when it reads them again.
    counter_when_running(&server, id).await;
    let first_look = chrono::Duration::minutes(5);
    let mut scanner = LogScanner::default();
    for count in [1, 2] {
        bad_query(&service);
        let deadline = std::time::Instant::now() + SLOW;
        loop {
            log_errors::scan(&server.state, &mut scanner, chrono::Utc::now(), first_look)
                .await
                .unwrap();
            let found = error_lines(&owner, id).await;
            if found.as_ref().is_some_and(|i| i["count"] == count) {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the error line counted {count} times: {found:?}"
            );
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
    let incident = error_lines(&owner, id).await.unwrap();
    assert_eq!(incident["service"], "db", "{incident}");
    let message = incident["message"].as_str().unwrap();
    assert!(
        message.starts_with("ERROR:") && message.contains("relation \"nope\" does not exist"),
        "{message}"
    );
    assert!(!message.chars().any(|c| c.is_ascii_digit()), "{message}");
    // Read again by the same scanner and by a new one (Plenum restarted): not counted again.
    for mut again in [scanner, LogScanner::default()] {
        log_errors::scan(&server.state, &mut again, chrono::Utc::now(), first_look)
            .await
            .unwrap();
    }
    assert_eq!(error_lines(&owner, id).await.unwrap()["count"], 2);
}

/// The container id of `service`'s running task on the local Swarm.
pub(crate) fn running_container(service: &str) -> String {
    let task = docker(&[
        "service",
        "ps",
        service,
        "--filter",
        "desired-state=running",
        "-q",
    ]);
    let task = task.split_whitespace().next().expect("a running task");
    docker(&[
        "inspect",
        task,
        "--format",
        "{{.Status.ContainerStatus.ContainerID}}",
    ])
    .trim()
    .to_owned()
}

/// Runs a query of a table that does not exist in the database of `service` (PostgreSQL
/// logs an ERROR line).
fn bad_query(service: &str) {
    let container = running_container(service);
    docker(&[
        "exec",
        "-u",
        "postgres",
        &container,
        "psql",
        "-d",
        "demo",
        "-c",
        "SELECT * FROM nope",
    ]);
}

/// The instance's error-line incident of the bad query, if there is one.
async fn error_lines(client: &Client, id: i64) -> Option<Value> {
    let reply = client
        .call("instances/incidents", &[("id", &id.to_string())])
        .await;
    assert!(reply.status.is_success(), "{}", reply.text);
    reply
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|i| {
            i["kind"] == "error-line" && i["message"].as_str().is_some_and(|m| m.contains("nope"))
        })
        .cloned()
}
