//! The edge in front of real demo instances: two `demo` instances (`plenum/demo-app` with
//! its own PostgreSQL each) created by the engine on the Swarm, routed by Caddy from the
//! same database through [`edge::StoreDirectory`]. Each answers at its host name over HTTPS
//! with its own page; stopping one shows the paused page, removing it the 404 page.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use domain::account::Email;
use domain::instance::{Slug, Status};
use domain::template::EndpointMode;
use edge::settings::{EdgeSettings, TlsIssuer};
use edge::{Reconciler, StoreDirectory};
use engine::reconcile::Context;
use engine::{Controller, Engine, EngineSettings, EntryAccess, NewInstanceRequest};
use sea_orm::{ConnectionTrait, Statement};
use store::{Db, NewUser, SecretKey};
use support::*;

const TEST: &str = "edge-engine";
const CADDY: &str = "edgeengine-caddy";
const HTTP_PORT: u16 = 18081;
const HTTPS_PORT: u16 = 18444;
const SLOW: Duration = Duration::from_secs(180);

/// Removes every Swarm object of the engine installation when dropped (also on failure).
struct EngineCleanup(String);

impl Drop for EngineCleanup {
    fn drop(&mut self) {
        let filter = format!("label=org.plenum.installation={}", self.0);
        for kind in ["service", "secret", "network", "volume"] {
            for _ in 0..20 {
                let Ok(out) = std::process::Command::new("docker")
                    .args([kind, "ls", "-q", "--filter", &filter])
                    .output()
                else {
                    return;
                };
                let ids = String::from_utf8_lossy(&out.stdout).to_string();
                let ids: Vec<&str> = ids.split_whitespace().collect();
                if ids.is_empty() {
                    break;
                }
                let _ = std::process::Command::new("docker")
                    .args([kind, "rm"])
                    .args(&ids)
                    .output();
                std::thread::sleep(Duration::from_millis(500));
            }
        }
    }
}

async fn wait_status(db: &Db, id: i64, status: Status) {
    eventually(&format!("instance {id} {status}"), SLOW, || async {
        let record = db.instance(id).await.map_err(|e| e.to_string())?;
        if record.status == status {
            Ok(())
        } else {
            Err(format!("{} ({:?})", record.status, record.status_reason))
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn engine_instances_are_routed_paused_and_forgotten() {
    preflight(&[CADDY_IMAGE, DEMO_APP_IMAGE, "plenum/postgres:15"]).await;
    remove_services(TEST).await;

    // The store, with instance ids from a random base: stack names (`pl<id>`) are global
    // in the Swarm, and other tests create instances too.
    let seed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        ^ u64::from(std::process::id());
    let installation = format!("edge-e2e-{:x}", seed % 0xffff_ffff);
    // Dropped in reverse: Caddy first, then the engine's objects (its edge network
    // cannot go while Caddy is attached).
    let _engine_cleanup = EngineCleanup(installation.clone());
    let _cleanup = Cleanup(TEST);
    let dir = tempfile::tempdir().unwrap();
    let db = Db::connect(&format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("plenum.db").display()
    ))
    .await
    .unwrap();
    db.migrate().await.unwrap();
    let (_, org) = db
        .create_customer(
            NewUser {
                email: Email::parse("owner@example.org").unwrap(),
                password_hash: "x".to_owned(),
                is_staff: false,
            },
            "Union",
        )
        .await
        .unwrap();
    let base = 1_000_000 + (seed % 800_000) as i64;
    db.connection()
        .execute(Statement::from_string(
            db.connection().get_database_backend(),
            format!(
                "INSERT INTO instances (id, organisation_id, name, slug, template, version, \
                 lifecycle, replicas, generation, status, observed_generation, created_at, \
                 updated_at, status_at) VALUES ({base}, {}, 'base', 'base-{base}', 'demo', \
                 '1.0', 'erased', '{{}}', 1, 'erased', 1, '2026-01-01 00:00:00', \
                 '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
                org.id
            ),
        ))
        .await
        .unwrap();

    // The engine, as Plenum runs it on this machine (no IPVS: DNS round robin).
    let edge_network = format!("{installation}_edge");
    let settings = EngineSettings {
        installation_id: installation.clone(),
        edge_network: edge_network.clone(),
        base_domain: "edge.test".to_owned(),
        endpoint_mode: EndpointMode::Dnsrr,
        entry_access: EntryAccess::BridgeAddress,
        resync_seconds: 2,
        ..Default::default()
    };
    let docker = engine::docker::Docker::connect(&settings)
        .unwrap()
        .negotiate()
        .await
        .unwrap();
    let ctx = Arc::new(
        Context::new(db.clone(), docker, settings, SecretKey::from_bytes([7; 32])).unwrap(),
    );
    let controller = Controller::spawn(ctx.clone());
    let engine = Engine::new(ctx, controller.trigger());
    let demo = |slug: &str| NewInstanceRequest {
        organisation_id: org.id,
        name: format!("Demo {slug}"),
        slug: Slug::parse(slug).unwrap(),
        template: "demo".to_owned(),
        version: "1.0".to_owned(),
        replicas: BTreeMap::new(),
    };
    let one = engine.create(demo("one"), None).await.unwrap();
    let two = engine.create(demo("two"), None).await.unwrap();
    wait_status(&db, one.id, Status::Running).await;
    wait_status(&db, two.id, Status::Running).await;

    // Caddy on the engine's edge network, configured from the same database.
    create_caddy_on(TEST, CADDY, &edge_network, HTTP_PORT, HTTPS_PORT).await;
    let forwarder = AdminForwarder::start(CADDY).await;
    forwarder.wait_for_target(SLOW).await;
    let (listener, plenum) = plenum_listener(gateway_ip().await).await;
    let setup = EdgeSettings {
        enabled: true,
        base_domain: "edge.test".to_owned(),
        tls_issuer: TlsIssuer::Internal,
        caddy_admin_url: format!("http://{}", forwarder.addr),
        plenum_upstream: plenum.to_string(),
        reconcile_seconds: 2,
        https_port: HTTPS_PORT,
        ..EdgeSettings::default()
    }
    .check()
    .unwrap();
    let handle = Reconciler::new(setup.clone(), StoreDirectory::new(db.clone()))
        .unwrap()
        .spawn();
    serve_plenum(
        listener,
        setup,
        StoreDirectory::new(db.clone()),
        NoWaking,
        handle.clone(),
    );
    eventually("both instances routed", SLOW, || {
        let status = handle.status();
        async move {
            if status.is_healthy() && status.routes == 2 {
                Ok(())
            } else {
                Err(format!("{status:?}"))
            }
        }
    })
    .await;

    let root = caddy_root(CADDY).await;
    let client = client(&root, &["one.edge.test", "two.edge.test"]);
    let url = |host: &str| format!("https://{host}:{HTTPS_PORT}/");
    for slug in ["one", "two"] {
        let url = url(&format!("{slug}.edge.test"));
        eventually(&format!("{slug} shows its own page"), SLOW, || async {
            match get(&client, &url).await? {
                (200, body) if body.contains(&format!("<h1 id=\"instance\">{slug}</h1>")) => Ok(()),
                other => Err(format!("{other:?}")),
            }
        })
        .await;
    }

    // Stopped by the engine → paused page; removed → unknown (404); the other one stays.
    let one_url = url("one.edge.test");
    engine.stop(one.id, None).await.unwrap();
    handle.reconcile_now();
    eventually("one shows the paused page", SLOW, || async {
        match get(
            &support::client(&caddy_root(CADDY).await, &["one.edge.test"]),
            &one_url,
        )
        .await?
        {
            (503, body) if body.contains("data-page=\"paused\"") => Ok(()),
            other => Err(format!("{other:?}")),
        }
    })
    .await;
    engine.remove(one.id, None).await.unwrap();
    handle.reconcile_now();
    eventually("one is unknown", SLOW, || async {
        match get(
            &support::client(&caddy_root(CADDY).await, &["one.edge.test"]),
            &one_url,
        )
        .await?
        {
            (404, body) if body.contains("data-page=\"unknown\"") => Ok(()),
            other => Err(format!("{other:?}")),
        }
    })
    .await;
    // The other instance keeps answering (a request racing Caddy's reload of the new
    // configuration on a kept-alive HTTP/2 connection may be reset once: Caddy closes the
    // old server's connections; and a reload may come with a new internal CA).
    let two_url = url("two.edge.test");
    eventually(
        "two still shows its page",
        Duration::from_secs(10),
        || async {
            // Caddy 2.6 may make its internal CA anew on a reload: trust the root it holds
            // now (still only Caddy's own CA).
            let fresh = support::client(&caddy_root(CADDY).await, &["two.edge.test"]);
            match get(&fresh, &two_url).await? {
                (200, body) if body.contains("<h1 id=\"instance\">two</h1>") => Ok(()),
                other => Err(format!("{other:?}")),
            }
        },
    )
    .await;

    handle.stop();
    controller.shutdown().await;
}
