//! The edge wired into Plenum: settings, the `ask` and status endpoints answered from the
//! database, and the edge status for staff while Caddy is unreachable (Plenum keeps
//! working). Caddy itself is tested end to end in `edge/tests/caddy.rs`.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use domain::instance::{Lifecycle, Slug, Status, StatusReport};
use reqwest::StatusCode;
use store::{DesiredChange, DesiredUpdate, NewInstance, SecretKey};

use crate::common::*;

/// A port nothing listens on: Caddy is "down" for the whole test.
const NO_CADDY: &str = "http://127.0.0.1:9";

async fn instance(server: &TestServer, org: i64, slug: &str, lifecycle: Lifecycle, status: Status) {
    let db = &server.state.db;
    let created = db
        .create_instance(
            &NewInstance {
                organisation_id: org,
                name: slug.to_owned(),
                slug: Slug::parse(slug).unwrap(),
                template: "demo".to_owned(),
                version: "1.0".to_owned(),
                replicas: BTreeMap::new(),
                limits: BTreeMap::new(),
                lifecycle: Lifecycle::Running,
            },
            &BTreeMap::new(),
            &SecretKey::from_bytes([7; SecretKey::LEN]),
            None,
            "test",
        )
        .await
        .unwrap();
    if lifecycle != Lifecycle::Running {
        let update = db
            .update_desired(
                created.id,
                created.generation,
                &DesiredChange::Lifecycle(lifecycle),
                None,
                "test",
            )
            .await
            .unwrap();
        assert!(matches!(update, DesiredUpdate::Applied(_)), "{update:?}");
    }
    let report = StatusReport {
        status,
        reason: None,
    };
    db.record_status(created.id, &report, None).await.unwrap();
}

#[tokio::test]
async fn edge_endpoints_answer_from_the_database_and_staff_see_caddy_down() {
    for backend in BACKENDS {
        let server = TestServer::start_with(backend, |settings| {
            settings.edge.enabled = true;
            settings.edge.base_domain = "events.test".to_owned();
            settings.edge.caddy_admin_url = NO_CADDY.to_owned();
            settings.edge.reconcile_seconds = 2;
        })
        .await;
        let customer = server.client();
        customer.sign_up(&email("ada"), PASSWORD).await;
        let org = customer.first_org_id().await;
        instance(&server, org, "live", Lifecycle::Running, Status::Running).await;
        instance(&server, org, "resting", Lifecycle::Stopped, Status::Stopped).await;
        instance(
            &server,
            org,
            "fresh",
            Lifecycle::Running,
            Status::Provisioning,
        )
        .await;
        instance(&server, org, "gone", Lifecycle::Removed, Status::Removed).await;

        let http = reqwest::Client::new();
        let ask = |domain: &str| {
            http.get(format!("{}/edge/ask?domain={domain}", server.base))
                .send()
        };
        for (domain, expected) in [
            ("live.events.test", StatusCode::OK),
            ("resting.events.test", StatusCode::OK),
            ("fresh.events.test", StatusCode::OK),
            ("plenum.events.test", StatusCode::OK),
            ("gone.events.test", StatusCode::NOT_FOUND),
            ("nobody.events.test", StatusCode::NOT_FOUND),
            ("live.other.test", StatusCode::NOT_FOUND),
        ] {
            assert_eq!(ask(domain).await.unwrap().status(), expected, "{domain}");
        }
        // Through the edge (a proxied request) the endpoint is no oracle.
        let proxied = http
            .get(format!("{}/edge/ask?domain=live.events.test", server.base))
            .header("x-forwarded-for", "203.0.113.9")
            .send()
            .await
            .unwrap();
        assert_eq!(proxied.status(), StatusCode::NOT_FOUND);

        let page = |host: &str| {
            http.get(format!("{}/edge/status", server.base))
                .header("host", host)
                .send()
        };
        for (host, status, kind) in [
            ("resting.events.test", 503, "paused"),
            ("fresh.events.test", 503, "preparing"),
            ("gone.events.test", 404, "unknown"),
            ("nobody.events.test:443", 404, "unknown"),
            ("live.events.test", 503, "not-answering"),
        ] {
            let response = page(host).await.unwrap();
            assert_eq!(response.status().as_u16(), status, "{host}");
            let body = response.text().await.unwrap();
            assert!(
                body.contains(&format!("data-page=\"{kind}\"")),
                "{host}: {body}"
            );
        }

        // Staff see that Caddy is unreachable; customers may not ask.
        assert_eq!(
            customer.call("staff/edge", &[]).await.status,
            StatusCode::FORBIDDEN
        );
        let admin = email("admin");
        app::server::accounts::create_staff(&server.state.db, &admin, PASSWORD)
            .await
            .unwrap();
        let staff = server.client();
        staff.log_in(&admin, PASSWORD).await;
        let started = Instant::now();
        let status = loop {
            let reply = staff.call("staff/edge", &[]).await;
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
            if reply.body["consecutive_failures"].as_u64() >= Some(2) {
                break reply.body;
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "no second failed pass: {}",
                reply.text
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        };
        assert_eq!(status["healthy"], false);
        assert_eq!(status["caddy_unreachable"], true);
        assert_eq!(status["caddy_admin_url"], NO_CADDY);
        let error = status["last_error"].as_str().unwrap();
        assert!(error.contains("unreachable"), "{error}");
        assert!(status["next_pass_in_seconds"].as_u64().unwrap() <= 2);
        // Plenum itself keeps working.
        assert_eq!(
            http.get(format!("{}/readyz", server.base))
                .send()
                .await
                .unwrap()
                .status(),
            StatusCode::OK
        );
    }
}

#[tokio::test]
async fn without_the_edge_staff_see_it_is_off_and_the_endpoints_do_not_exist() {
    let server = TestServer::start(Backend::Sqlite).await;
    let admin = email("admin");
    app::server::accounts::create_staff(&server.state.db, &admin, PASSWORD)
        .await
        .unwrap();
    let staff = server.client();
    staff.log_in(&admin, PASSWORD).await;
    let reply = staff.call("staff/edge", &[]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert!(reply.body.is_null(), "{}", reply.text);
    let ask = reqwest::get(format!("{}/edge/ask?domain=x.localhost", server.base))
        .await
        .unwrap();
    assert_eq!(ask.status(), StatusCode::NOT_FOUND);
}
