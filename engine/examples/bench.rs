//! Benchmark of the engine against the real local Swarm, compared with `docker stack deploy`
//! of the same rendered stacks.
//!
//! `cargo run -p engine --release --example bench -- --instances 1,5,10`
//!
//! For each N: creates N demo instances at once through the engine (controller running) and
//! measures create → healthy entry (p50, p95); then, with the N converged and the controller
//! stopped, one reconcile pass per instance (time, Docker API calls); then deploys N stacks
//! of the same rendered stack with `docker stack deploy` (compose files written out) at once
//! and measures deploy → healthy entry. Everything it creates is removed afterwards.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use domain::account::Email;
use domain::instance::{Slug, Status};
use domain::template::{EndpointMode, NetworkRef, RenderedStack, builtin};
use engine::reconcile::{Context, DesiredStack, reconcile};
use engine::settings::EntryAccess;
use engine::{Controller, Engine, EngineSettings, NewInstanceRequest};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};
use store::{Db, NewUser, SecretKey};

fn docker(args: &[&str]) -> String {
    let out = Command::new("docker").args(args).output().expect("docker");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(i).copied().unwrap_or(f64::NAN)
}

fn summary(mut xs: Vec<f64>) -> (f64, f64) {
    xs.sort_by(f64::total_cmp);
    (percentile(&xs, 0.5), percentile(&xs, 0.95))
}

/// The compose file `docker stack deploy` reads for `stack` (JSON is YAML), secrets as files.
fn compose(stack: &RenderedStack, secrets: &BTreeMap<String, String>, dir: &Path) -> Value {
    let mut services = serde_json::Map::new();
    for (name, s) in &stack.services {
        let networks: serde_json::Map<String, Value> = s
            .networks
            .iter()
            .map(|a| match &a.network {
                NetworkRef::Stack(n) => (n.clone(), json!({ "aliases": a.aliases })),
                NetworkRef::Edge(_) => ("edge".to_owned(), json!({})),
            })
            .collect();
        let mut service = json!({
            "image": s.image,
            "environment": s.environment,
            "secrets": s.secrets.iter().map(|m| json!({
                "source": m.source, "target": m.target, "mode": m.mode })).collect::<Vec<_>>(),
            "networks": networks,
            "volumes": s.mounts.iter().map(|m| format!("{}:{}", m.source, m.target)).collect::<Vec<_>>(),
            "deploy": { "replicas": s.replicas, "endpoint_mode": "dnsrr" },
        });
        if s.is_entry {
            service["networks"]["edge"] = json!({});
        }
        services.insert(name.clone(), service);
    }
    let mut networks: serde_json::Map<String, Value> = stack
        .networks
        .iter()
        .map(|(n, d)| {
            (
                n.clone(),
                json!({ "driver": "overlay", "internal": d.internal }),
            )
        })
        .collect();
    networks.insert(
        "edge".to_owned(),
        json!({ "external": true, "name": stack.edge_network }),
    );
    let secret_files: serde_json::Map<String, Value> = secrets
        .iter()
        .map(|(name, value)| {
            let path = dir.join(format!("{}-{name}", stack.stack));
            std::fs::write(&path, value).expect("secret file");
            (name.clone(), json!({ "file": path }))
        })
        .collect();
    json!({
        "version": "3.8",
        "services": services,
        "networks": networks,
        "volumes": stack.volumes.keys().map(|v| (v.clone(), json!({}))).collect::<serde_json::Map<_, _>>(),
        "secrets": secret_files,
    })
}

/// Whether service `service`'s running container answers `GET /healthz` on its bridge address.
async fn healthy(ctx: &Context, service: &str, http: &reqwest::Client) -> bool {
    let ids = docker(&[
        "ps",
        "-q",
        "--no-trunc",
        "--filter",
        &format!("label=com.docker.swarm.service.name={service}"),
    ]);
    let Ok(addresses) = ctx.docker.bridge_addresses().await else {
        return false;
    };
    for id in ids.lines() {
        if let Some(ip) = addresses.get(id) {
            let url = format!("http://{ip}:8080/healthz");
            if http
                .get(url)
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                return true;
            }
        }
    }
    false
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let counts: Vec<usize> = args
        .iter()
        .position(|a| a == "--instances")
        .and_then(|i| args.get(i + 1))
        .map(|s| s.split(',').filter_map(|n| n.parse().ok()).collect())
        .unwrap_or_else(|| vec![1, 5]);
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let installation = format!("bench-{}", stamp % 1_000_000);
    let settings = EngineSettings {
        installation_id: installation.clone(),
        edge_network: format!("{installation}_edge"),
        endpoint_mode: EndpointMode::Dnsrr,
        entry_access: EntryAccess::BridgeAddress,
        resync_seconds: 5,
        ..Default::default()
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let db = Db::connect(&format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("b.db").display()
    ))
    .await
    .expect("db");
    db.migrate().await.expect("migrate");
    let (_, org) = db
        .create_customer(
            NewUser {
                email: Email::parse("bench@example.org").expect("email"),
                password_hash: "x".to_owned(),
                is_staff: false,
            },
            "Bench",
        )
        .await
        .expect("org");
    let base = 900_000 + (stamp % 90_000) as i64 * 10;
    db.connection()
        .execute(Statement::from_string(
            db.connection().get_database_backend(),
            format!(
                "INSERT INTO instances (id, organisation_id, name, slug, template, version, lifecycle, \
                 replicas, generation, status, observed_generation, created_at, updated_at, status_at) \
                 VALUES ({base}, {}, 'b', 'base-bench', 'demo', '1.0', 'erased', '{{}}', 1, 'erased', 1, \
                 '2026-01-01 00:00:00', '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
                org.id
            ),
        ))
        .await
        .expect("id base");
    let client = engine::docker::Docker::connect(&settings)
        .expect("docker")
        .negotiate()
        .await
        .expect("docker answers");
    let ctx = Arc::new(
        Context::new(
            db.clone(),
            client,
            settings.clone(),
            SecretKey::from_bytes([9; 32]),
        )
        .expect("ctx"),
    );
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()
        .expect("http");
    let template = builtin("demo").expect("demo");
    let mut report = String::new();
    let mut round = 0;
    for n in counts {
        round += 1;
        // Plenum: N instances created at once.
        let controller = Controller::spawn(ctx.clone());
        let engine = Engine::new(ctx.clone(), controller.trigger());
        let mut ids = Vec::new();
        let start = Instant::now();
        for i in 0..n {
            let request = NewInstanceRequest {
                organisation_id: org.id,
                name: format!("bench {i}"),
                slug: Slug::parse(&format!("bench-{round}-{i}")).expect("slug"),
                template: "demo".to_owned(),
                version: "1.0".to_owned(),
                replicas: BTreeMap::new(),
            };
            ids.push((
                engine.create(request, None).await.expect("create").id,
                Instant::now(),
            ));
        }
        let mut ready: BTreeMap<i64, f64> = BTreeMap::new();
        while ready.len() < n && start.elapsed() < Duration::from_secs(900) {
            for (id, created) in &ids {
                if !ready.contains_key(id)
                    && db.instance(*id).await.expect("record").status == Status::Running
                {
                    ready.insert(*id, created.elapsed().as_secs_f64());
                }
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        assert_eq!(
            ready.len(),
            n,
            "not every instance came up within 15 minutes"
        );
        let (plenum_p50, plenum_p95) = summary(ready.values().copied().collect());
        controller.shutdown().await;

        // One pass per converged instance.
        let mut times = Vec::new();
        let mut calls = Vec::new();
        for (id, _) in &ids {
            let before = ctx.docker.api_calls();
            let t = Instant::now();
            let outcome = reconcile(&ctx, *id).await.expect("pass");
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            calls.push((ctx.docker.api_calls() - before) as f64);
            assert_eq!(outcome.applied.done, 0, "a converged instance changed");
        }
        let (pass_p50, pass_p95) = summary(times);
        let (calls_p50, _) = summary(calls);

        // docker stack deploy of the same rendered stacks, at once.
        let mut stacks = Vec::new();
        for (id, _) in &ids {
            let record = db.instance(*id).await.expect("record");
            let values = db.instance_secrets(*id, &ctx.key).await.expect("secrets");
            let desired =
                DesiredStack::build(&record, &template, values.clone(), &settings).expect("render");
            let mut rendered = desired.stack().clone();
            let name = format!("bs{}", id);
            rendered.stack = name.clone();
            let plain: BTreeMap<String, String> = values
                .iter()
                .map(|(k, v)| (k.clone(), v.expose_str().unwrap_or_default().to_owned()))
                .collect();
            let file = dir.path().join(format!("{name}.yml"));
            std::fs::write(&file, compose(&rendered, &plain, dir.path()).to_string())
                .expect("compose");
            stacks.push((name, file));
        }
        let start = Instant::now();
        let deploys: Vec<_> = stacks
            .iter()
            .map(|(name, file)| {
                let (name, file) = (name.clone(), file.clone());
                (
                    name.clone(),
                    Instant::now(),
                    std::thread::spawn(move || {
                        docker(&[
                            "stack",
                            "deploy",
                            "--resolve-image",
                            "never",
                            "-c",
                            &file.display().to_string(),
                            &name,
                        ])
                    }),
                )
            })
            .collect();
        let mut stack_ready: BTreeMap<String, f64> = BTreeMap::new();
        while stack_ready.len() < n && start.elapsed() < Duration::from_secs(900) {
            for (name, began, _) in &deploys {
                if !stack_ready.contains_key(name)
                    && healthy(&ctx, &format!("{name}_web"), &http).await
                {
                    stack_ready.insert(name.clone(), began.elapsed().as_secs_f64());
                }
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        for (_, _, handle) in deploys {
            let _ = handle.join();
        }
        let (stack_p50, stack_p95) = summary(stack_ready.values().copied().collect());
        report.push_str(&format!(
            "| {n} | {plenum_p50:.1} | {plenum_p95:.1} | {stack_p50:.1} | {stack_p95:.1} | {:.2} | {pass_p50:.0} | {pass_p95:.0} | {calls_p50:.0} |\n",
            plenum_p50 / stack_p50
        ));

        // Clean up: stacks, then the instances through the engine.
        for (name, _) in &stacks {
            docker(&["stack", "rm", name]);
        }
        let controller = Controller::spawn(ctx.clone());
        let engine = Engine::new(ctx.clone(), controller.trigger());
        for (id, _) in &ids {
            engine.erase(*id, None).await.expect("erase");
        }
        let start = Instant::now();
        for (id, _) in &ids {
            while db.instance(*id).await.expect("record").status != Status::Erased
                && start.elapsed() < Duration::from_secs(300)
            {
                tokio::time::sleep(Duration::from_millis(300)).await;
            }
        }
        controller.shutdown().await;
        for (name, _) in &stacks {
            for kind in ["network", "volume", "secret"] {
                let ids = docker(&[
                    kind,
                    "ls",
                    "-q",
                    "--filter",
                    &format!("label=com.docker.stack.namespace={name}"),
                ]);
                for _ in 0..20 {
                    let ids: Vec<&str> = ids.lines().collect();
                    if ids.is_empty() {
                        break;
                    }
                    let mut args = vec![kind, "rm"];
                    args.extend(ids);
                    if Command::new("docker")
                        .args(&args)
                        .output()
                        .is_ok_and(|o| o.status.success())
                    {
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(500));
                }
            }
        }
    }
    docker(&["network", "rm", &settings.edge_network]);
    println!(
        "| N | Plenum create→healthy p50 (s) | p95 (s) | stack deploy→healthy p50 (s) | p95 (s) | ratio p50 | pass p50 (ms) | pass p95 (ms) | Docker calls per pass |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    print!("{report}");
}
