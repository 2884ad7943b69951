//! The instance console and the staff overview over HTTP, on SQLite and PostgreSQL, without
//! a Swarm engine: who sees and may act on which instance, actions refused with the reason
//! when the engine is not enabled, the live event stream, the staff filters, bulk upgrade
//! outcomes and the event calendar.

use std::collections::BTreeMap;
use std::time::Duration;

use domain::instance::{EventKind, Lifecycle, Slug, Status, StatusReport};
use reqwest::StatusCode;
use serde_json::Value;
use store::{NewInstance, SecretKey};

use crate::common::{BACKENDS, Client, PASSWORD, TestServer, email};

/// Creates an instance of organisation `org_id` directly in the store (as the engine would)
/// and returns its id.
pub async fn create_instance(server: &TestServer, org_id: i64, slug: &str) -> i64 {
    let new = NewInstance {
        organisation_id: org_id,
        name: format!("Congress {slug}"),
        slug: Slug::parse(slug).unwrap(),
        template: "demo".to_owned(),
        version: "1.0".to_owned(),
        replicas: BTreeMap::new(),
        limits: BTreeMap::new(),
        lifecycle: Lifecycle::Running,
    };
    let key = SecretKey::from_bytes([7; SecretKey::LEN]);
    let record = server
        .state
        .db
        .create_instance(
            &new,
            &BTreeMap::new(),
            &key,
            None,
            "create from template demo",
        )
        .await
        .unwrap();
    record.id
}

/// Marks instance `id` as applied by the engine and `status`, so that requests are not
/// refused as mid-operation.
async fn settle(server: &TestServer, id: i64, status: Status) {
    let record = server.state.db.instance(id).await.unwrap();
    let report = StatusReport {
        status,
        reason: None,
    };
    server
        .state
        .db
        .record_status(id, &report, Some(record.generation))
        .await
        .unwrap();
}

async fn customer(server: &TestServer, name: &str) -> (Client, i64) {
    let client = server.client();
    client.sign_up(&email(name), PASSWORD).await;
    let org = client.first_org_id().await;
    (client, org)
}

pub async fn staff(server: &TestServer) -> Client {
    let admin = email("staff");
    app::server::accounts::create_staff(&server.state.db, &admin, PASSWORD)
        .await
        .unwrap();
    let client = server.client();
    client.log_in(&admin, PASSWORD).await;
    client
}

#[tokio::test]
async fn console_shows_own_instances_and_refuses_with_reasons() {
    for backend in BACKENDS {
        let server = TestServer::start(backend).await;
        let (owner, org) = customer(&server, "owner").await;
        let id = create_instance(&server, org, "owned-congress").await;
        let id_text = id.to_string();
        let at = |extra: &[(&'static str, &'static str)]| {
            let mut form = vec![("id", id_text.clone())];
            form.extend(extra.iter().map(|(k, v)| (*k, (*v).to_owned())));
            form
        };
        let list = owner
            .call("instances/list", &[("org_id", &org.to_string())])
            .await;
        assert_eq!(list.status, StatusCode::OK, "{backend:?}: {}", list.text);
        assert_eq!(list.body[0]["slug"], "owned-congress");
        let (status, console) = call(&owner, "instances/detail", at(&[])).await;
        assert_eq!(status, StatusCode::OK, "{console}");
        assert_eq!(console["can_manage"], true);
        assert_eq!(console["instance"]["status"], "provisioning");
        assert_eq!(console["instance"]["url"], Value::Null, "no edge: no URL");
        assert_eq!(console["events"][0]["message"], "create from template demo");
        assert_eq!(console["events"][0]["who"], "engine");

        // Without the engine every action says so (the busy rule and the request rules are
        // tested against the Swarm in console_swarm.rs), and nothing changes.
        for (endpoint, extra) in [
            ("instances/start", &[][..]),
            ("instances/stop", &[][..]),
            ("instances/reveal", &[][..]),
            ("instances/upgrade", &[("version", "1.1")][..]),
            (
                "instances/scale",
                &[("service", "web"), ("replicas", "2")][..],
            ),
            (
                "instances/delete",
                &[("confirm", "Congress owned-congress")][..],
            ),
        ] {
            let (status, body) = call(&owner, endpoint, at(extra)).await;
            assert_eq!(
                status,
                StatusCode::SERVICE_UNAVAILABLE,
                "{endpoint}: {body}"
            );
            assert_eq!(body, "EngineDisabled");
        }

        // A member sees but may not act.
        let member = server.client();
        let member_email = email("member");
        member.sign_up(&member_email, PASSWORD).await;
        let added = owner
            .call(
                "orgs/members/add",
                &[
                    ("org_id", &org.to_string()),
                    ("email", &member_email),
                    ("role", "member"),
                ],
            )
            .await;
        assert_eq!(added.status, StatusCode::OK, "{}", added.text);
        let (status, console) = call(&member, "instances/detail", at(&[])).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(console["can_manage"], false);
        assert_eq!(
            call(&member, "instances/stop", at(&[])).await.0,
            StatusCode::FORBIDDEN
        );

        // Another organisation's customer cannot tell the instance from a missing one.
        let (stranger, _) = customer(&server, "stranger").await;
        let foreign = call(&stranger, "instances/detail", at(&[])).await;
        let unknown = call(
            &stranger,
            "instances/detail",
            vec![("id", "987654321".to_owned())],
        )
        .await;
        assert_eq!(foreign.0, StatusCode::NOT_FOUND);
        assert_eq!(foreign, unknown);

        // The console page is rendered on the server with the event log.
        let page = owner
            .get(&format!("/instances/{id}"))
            .await
            .text()
            .await
            .unwrap();
        assert!(page.contains("event-log"), "{page}");
        assert!(page.contains("create from template demo"));
        assert!(page.contains("Reveal once"), "owners see the actions");
        let page = member
            .get(&format!("/instances/{id}"))
            .await
            .text()
            .await
            .unwrap();
        assert!(page.contains("event-log") && !page.contains("Reveal once"));
        let page = stranger
            .get(&format!("/instances/{id}"))
            .await
            .text()
            .await
            .unwrap();
        assert!(!page.contains("owned-congress") && page.contains("Not found"));

        // Nothing of this changed the desired state.
        let record = server.state.db.instance(id).await.unwrap();
        assert_eq!(record.generation, 1, "{backend:?}");
        assert_eq!(record.lifecycle, Lifecycle::Running);
    }
}

/// Calls `endpoint` with `form`; the status and the JSON answer.
async fn call(client: &Client, endpoint: &str, form: Vec<(&str, String)>) -> (StatusCode, Value) {
    let refs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let reply = client.call(endpoint, &refs).await;
    (reply.status, reply.body)
}

/// Reads the event stream until `needle` has arrived (or fails after a few seconds).
async fn read_until(response: &mut reqwest::Response, seen: &mut String, needle: &str) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !seen.contains(needle) {
        let chunk = tokio::time::timeout_at(deadline, response.chunk())
            .await
            .unwrap_or_else(|_| panic!("{needle:?} did not arrive; got:\n{seen}"))
            .unwrap()
            .unwrap_or_else(|| panic!("stream ended before {needle:?}; got:\n{seen}"));
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
}

#[tokio::test]
async fn event_stream_pushes_new_events_and_status_to_members_only() {
    for backend in BACKENDS {
        let server = TestServer::start(backend).await;
        let (owner, org) = customer(&server, "owner").await;
        let id = create_instance(&server, org, "live-congress").await;
        let path = format!("/api/instances/{id}/events/stream");

        let mut stream = owner.get(&path).await;
        assert_eq!(stream.status(), StatusCode::OK, "{backend:?}");
        assert_eq!(
            stream.headers()["content-type"].to_str().unwrap(),
            "text/event-stream"
        );
        let mut seen = String::new();
        read_until(&mut stream, &mut seen, "event: status").await;
        read_until(&mut stream, &mut seen, "create from template demo").await;

        server
            .state
            .db
            .add_instance_event(id, None, EventKind::Step, "create service pl_web")
            .await
            .unwrap();
        read_until(&mut stream, &mut seen, "create service pl_web").await;
        settle(&server, id, Status::Running).await;
        read_until(&mut stream, &mut seen, r#""status":"running""#).await;

        // Resuming after the last event sends only what is newer.
        let last = server.state.db.recent_instance_events(id, 1).await.unwrap()[0].id;
        let mut resumed = owner.get(&format!("{path}?after={last}")).await;
        let mut fresh = String::new();
        read_until(&mut resumed, &mut fresh, "event: status").await;
        assert!(!fresh.contains("create from template"), "{fresh}");

        let (stranger, _) = customer(&server, "stranger").await;
        let foreign = stranger.get(&path).await;
        let unknown = stranger.get("/api/instances/987654321/events/stream").await;
        assert_eq!(foreign.status(), StatusCode::NOT_FOUND);
        assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
        assert_eq!(foreign.text().await.unwrap(), unknown.text().await.unwrap());
        assert_eq!(
            server.client().get(&path).await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
}

#[tokio::test]
async fn staff_filter_bulk_upgrade_and_see_the_calendar() {
    for backend in BACKENDS {
        let server = TestServer::start(backend).await;
        let (customer_client, org) = customer(&server, "owner").await;
        let running = create_instance(&server, org, "running-congress").await;
        settle(&server, running, Status::Running).await;
        let waiting = create_instance(&server, org, "waiting-congress").await;

        for endpoint in [
            "staff/instances/list",
            "staff/instances/upgrade",
            "staff/instances/calendar",
        ] {
            let all_fields = [
                ("ids", running.to_string()),
                ("version", "1.1".to_owned()),
                ("status", String::new()),
                ("org_id", String::new()),
                ("event_from", String::new()),
                ("event_to", String::new()),
            ];
            let (status, _) = call(&customer_client, endpoint, all_fields.to_vec()).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{endpoint}");
        }

        let staff = staff(&server).await;
        let list = |filter: Vec<(&'static str, String)>| {
            let staff = &staff;
            async move {
                let mut form: Vec<(&str, String)> =
                    ["status", "org_id", "version", "event_from", "event_to"]
                        .into_iter()
                        .map(|k| (k, String::new()))
                        .collect();
                for (k, v) in filter {
                    form.retain(|(key, _)| *key != k);
                    form.push((k, v));
                }
                let refs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
                let reply = staff.call("staff/instances/list", &refs).await;
                assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
                reply
                    .body
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|row| row["instance"]["id"].as_i64().unwrap())
                    .collect::<Vec<_>>()
            }
        };
        assert_eq!(list(vec![]).await, [running, waiting], "{backend:?}");
        assert_eq!(list(vec![("status", "running".into())]).await, [running]);
        assert_eq!(list(vec![("org_id", org.to_string())]).await.len(), 2);
        assert!(list(vec![("org_id", "987654321".into())]).await.is_empty());
        assert!(list(vec![("version", "2.0".into())]).await.is_empty());
        assert!(
            list(vec![("event_from", "2000-01-01".into())])
                .await
                .is_empty(),
            "instances without an order have no event days"
        );
        let bad = staff
            .call(
                "staff/instances/list",
                &[
                    ("status", "sleeping"),
                    ("org_id", ""),
                    ("version", ""),
                    ("event_from", ""),
                    ("event_to", ""),
                ],
            )
            .await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.text);

        let ids = format!("{running},{waiting},987654321");
        let outcomes = staff
            .call(
                "staff/instances/upgrade",
                &[("ids", &ids), ("version", "1.1")],
            )
            .await;
        assert_eq!(outcomes.status, StatusCode::OK, "{}", outcomes.text);
        let by_id: Vec<(i64, bool, String)> = outcomes
            .body
            .as_array()
            .unwrap()
            .iter()
            .map(|o| {
                (
                    o["id"].as_i64().unwrap(),
                    o["accepted"].as_bool().unwrap(),
                    o["message"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        assert_eq!(by_id.len(), 3);
        assert!(by_id.iter().all(|(_, accepted, _)| !accepted));
        assert!(by_id[0].2.contains("engine is not enabled"), "{by_id:?}");
        assert!(by_id[2].2.contains("Not found"), "{by_id:?}");

        let page = staff
            .get("/staff/instances?status=running")
            .await
            .text()
            .await
            .unwrap();
        assert!(page.contains("running-congress"), "{page}");
        assert!(
            !page.contains("waiting-congress"),
            "the filter comes from the query"
        );
        assert!(page.contains("calendar-chart-title") && page.contains("event-calendar"));

        let calendar = staff.call("staff/instances/calendar", &[]).await;
        assert_eq!(calendar.status, StatusCode::OK, "{}", calendar.text);
        let days = calendar.body.as_array().unwrap();
        assert_eq!(days.len(), 90);
        assert_eq!(
            days[0]["date"],
            chrono::Utc::now().date_naive().to_string().as_str()
        );
    }
}
