//! The instance console against the real local Docker Swarm (SQLite, like the engine
//! tests): a Plenum with `engine.enabled` creates a `demo` instance; its owner is refused
//! while it is provisioning, watches the steps and the status arrive on the event stream,
//! meets the requests' rules (typed name, catalog version, plan ceiling), reveals the
//! initial password once, upgrades, stops and deletes it from the console's server
//! functions.
//! Like the engine tests it fails — never skips — without Docker in Swarm mode and the
//! local images; it uses its own installation id and instance-id base and erases what it
//! created.

use std::collections::BTreeMap;
use std::time::Duration;

use domain::instance::{Slug, Status};
use engine::NewInstanceRequest;
use reqwest::StatusCode;

use crate::common::{Backend, Client, PASSWORD, TestServer, email};
use crate::swarm::Installation;

/// Reads the stream until `needle` has arrived.
async fn wait_for(stream: &mut reqwest::Response, seen: &mut String, needle: &str) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(180);
    while !seen.contains(needle) {
        let chunk = tokio::time::timeout_at(deadline, stream.chunk())
            .await
            .unwrap_or_else(|_| panic!("{needle:?} did not arrive; got:\n{seen}"))
            .unwrap()
            .unwrap_or_else(|| panic!("stream ended before {needle:?}; got:\n{seen}"));
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
}

/// Waits until the console says the instance accepts requests again.
async fn settled(owner: &Client, id: &str) {
    for _ in 0..180 {
        let console = owner.call("instances/detail", &[("id", id)]).await;
        if console.body["instance"]["busy"].is_null() {
            return;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    panic!("instance {id} stayed busy");
}

#[tokio::test]
async fn console_drives_a_real_instance_and_streams_its_steps() {
    let installation = Installation::new("t-console");
    let server = TestServer::start_with(Backend::Sqlite, |s| installation.configure(s)).await;
    let db = &server.state.db;
    let owner = server.client();
    owner.sign_up(&email("owner"), PASSWORD).await;
    let org = owner.first_org_id().await;
    let base = installation.reserve_ids(db, org).await;
    let engine = server.state.engine.clone().expect("engine enabled");
    let slug = format!("console-{base}");
    let record = engine
        .create(
            NewInstanceRequest {
                organisation_id: org,
                name: "Console congress".to_owned(),
                slug: Slug::parse(&slug).unwrap(),
                template: "demo".to_owned(),
                version: "1.0".to_owned(),
                replicas: BTreeMap::new(),
            },
            None,
        )
        .await
        .unwrap();
    let id = record.id.to_string();

    let mut stream = owner
        .get(&format!("/api/instances/{id}/events/stream"))
        .await;
    assert_eq!(stream.status(), StatusCode::OK);
    // Mid-operation: refused with the reason, and nothing is lost or changed.
    let early = owner.call("instances/stop", &[("id", &id)]).await;
    assert_eq!(early.status, StatusCode::CONFLICT, "{}", early.text);
    assert_eq!(early.error_kind(), "Refused");
    let mut seen = String::new();
    wait_for(&mut stream, &mut seen, "create service").await;
    wait_for(&mut stream, &mut seen, r#""status":"running""#).await;
    settled(&owner, &id).await;
    assert_eq!(db.instance(record.id).await.unwrap().generation, 1);

    // The requests' own rules, checked on the server.
    for (endpoint, form, field) in [
        (
            "instances/delete",
            [("id", id.as_str()), ("confirm", "Console")],
            "confirm",
        ),
        (
            "instances/upgrade",
            [("id", id.as_str()), ("version", "9.9")],
            "version",
        ),
        (
            "instances/scale",
            [("id", id.as_str()), ("service", "web")],
            "replicas",
        ),
    ] {
        let mut form = form.to_vec();
        if endpoint == "instances/scale" {
            form.push(("replicas", "2"));
        }
        let reply = owner.call(endpoint, &form).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{endpoint}: {}",
            reply.text
        );
        assert_eq!(reply.invalid().0, field, "{endpoint}");
    }

    let first = owner.call("instances/reveal", &[("id", &id)]).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    assert!(
        first.body.as_str().is_some_and(|p| p.len() >= 8),
        "a password"
    );
    let second = owner.call("instances/reveal", &[("id", &id)]).await;
    assert_eq!(second.status, StatusCode::BAD_REQUEST);
    assert_eq!(second.invalid().0, "secret");
    assert!(
        !seen.contains(first.body.as_str().unwrap()),
        "no secret in the log"
    );

    db.add_catalog_version("demo", "1.1").await.ok();
    let upgrade = owner
        .call("instances/upgrade", &[("id", &id), ("version", "1.1")])
        .await;
    assert_eq!(upgrade.status, StatusCode::OK, "{}", upgrade.text);
    wait_for(&mut stream, &mut seen, "upgrade from 1.0 to 1.1").await;
    wait_for(&mut stream, &mut seen, r#""version":"1.1""#).await;
    settled(&owner, &id).await;

    let stop = owner.call("instances/stop", &[("id", &id)]).await;
    assert_eq!(stop.status, StatusCode::OK, "{}", stop.text);
    wait_for(&mut stream, &mut seen, r#""status":"stopped""#).await;
    settled(&owner, &id).await;

    let delete = owner
        .call(
            "instances/delete",
            &[("id", &id), ("confirm", "Console congress")],
        )
        .await;
    assert_eq!(delete.status, StatusCode::OK, "{}", delete.text);
    wait_for(&mut stream, &mut seen, r#""status":"removed""#).await;

    engine.erase(record.id, None).await.unwrap();
    for _ in 0..120 {
        if db.instance(record.id).await.unwrap().status == Status::Erased {
            return;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    panic!("instance {id} was not erased");
}
