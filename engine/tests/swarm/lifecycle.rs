//! One demo instance through its whole lifecycle: data in its database survives stop and
//! start and an upgrade, whose migration job runs before the services roll; an upgrade to a
//! failing image is rolled back and reported; an upgrade whose migration fails leaves the
//! instance on its version, failed with the reason; web scales up and down; removal keeps
//! volumes and secrets; erasure leaves nothing.

use std::time::Duration;

use domain::instance::{EventKind, Status};

use engine::spec::migration_job_name;

use crate::harness::{Harness, docker, get};

const LIMIT: Duration = Duration::from_secs(240);

/// The demo app's visit counter (read without incrementing).
async fn counter(h: &Harness, id: i64) -> String {
    let (status, body) = get(&format!("{}/counter", h.web_url(id).await)).await;
    assert_eq!(status, 200, "{body}");
    body.trim().to_owned()
}

/// The versions the demo app's database was migrated to.
async fn migrations(h: &Harness, id: i64) -> String {
    let (status, body) = get(&format!("{}/migrations", h.web_url(id).await)).await;
    assert_eq!(status, 200, "{body}");
    body.trim().to_owned()
}

/// The instance's step and error events, oldest first.
async fn log(h: &Harness, id: i64) -> Vec<(EventKind, String)> {
    let mut events = h.db.recent_instance_events(id, 500).await.unwrap();
    events.sort_by_key(|e| e.id);
    events
        .into_iter()
        .filter(|e| matches!(e.kind, EventKind::Step | EventKind::Error))
        .map(|e| (e.kind, e.message))
        .collect()
}

async fn version(h: &Harness, id: i64) -> String {
    let (status, body) = get(&format!("{}/version", h.web_url(id).await)).await;
    assert_eq!(status, 200, "{body}");
    body.trim().to_owned()
}

/// Running tasks of instance `id`'s web service.
fn web_tasks(stack: &str) -> usize {
    docker(&[
        "service",
        "ps",
        &format!("{stack}_web"),
        "--filter",
        "desired-state=running",
        "--format",
        "{{.CurrentState}}",
    ])
    .unwrap()
    .lines()
    .filter(|l| l.starts_with("Running"))
    .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_survives_stop_start_upgrade_and_rollback() {
    let h = Harness::start("life").await;
    let created = h
        .engine
        .create(h.demo("charlie", "1.0"), None)
        .await
        .unwrap();
    let id = created.id;
    let stack = created.stack();
    h.wait_status(id, Status::Running, LIMIT).await;

    // Two visits count two.
    for _ in 0..2 {
        let (status, _) = get(&format!("{}/", h.web_url(id).await)).await;
        assert_eq!(status, 200);
    }
    assert_eq!(counter(&h, id).await, "2");

    // Stop: no task runs, the objects stay; start: the count is still there.
    h.engine.stop(id, None).await.unwrap();
    h.wait_status(id, Status::Stopped, LIMIT).await;
    assert_eq!(
        h.counts(id),
        [2, 1, 1, 4],
        "services, networks, volumes, secrets"
    );
    assert_eq!(web_tasks(&stack), 0);
    h.engine.start(id, None).await.unwrap();
    h.wait_status(id, Status::Running, LIMIT).await;
    assert_eq!(counter(&h, id).await, "2");

    // Upgrade 1.0 → 1.1: new version, same data.
    h.engine.upgrade(id, "1.1", None).await.unwrap();
    h.wait_for(id, LIMIT, "running 1.1", |r| {
        r.status == Status::Running && r.observed_generation == r.generation
    })
    .await;
    // The status turns running once 1.1 answers; the rolling update may still show old
    // tasks for a moment.
    let mut seen = String::new();
    for _ in 0..40 {
        seen = version(&h, id).await;
        if seen == "1.1" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert_eq!(seen, "1.1");
    assert_eq!(counter(&h, id).await, "2");
    // The migration job of 1.1 completed (it recorded 1.1 in the database) before web rolled
    // to 1.1, and was removed once the services ran 1.1.
    assert_eq!(migrations(&h, id).await, "1.1");
    let steps: Vec<String> = log(&h, id).await.into_iter().map(|(_, m)| m).collect();
    let at = |wanted: &dyn Fn(&str) -> bool| steps.iter().position(|m| wanted(m));
    let job = migration_job_name(&stack, "1.1");
    let created = at(&|m| m == format!("create migration job {job} for 1.1")).expect("job created");
    let rolled = at(&|m| m == format!("update service {stack}_web")).expect("web updated");
    let removed = at(&|m| m == format!("remove migration job {job}")).expect("job removed");
    assert!(created < rolled && rolled < removed, "{steps:#?}");
    assert!(
        h.objects("service", &["org.plenum.migration=1.1".to_owned()])
            .is_empty()
    );

    // Scale web up and down within the template's rules; the database stays at 1.
    assert!(h.engine.scale(id, "db", 2, None).await.is_err());
    h.engine.scale(id, "web", 2, None).await.unwrap();
    h.wait_status(id, Status::Running, LIMIT).await;
    assert_eq!(web_tasks(&stack), 2);
    h.engine.scale(id, "web", 1, None).await.unwrap();
    h.wait_for(id, LIMIT, "back to one web task", |r| {
        r.status == Status::Running
            && r.observed_generation == r.generation
            && web_tasks(&stack) == 1
    })
    .await;

    // Upgrade to an image that fails at start: Swarm rolls back, the status says so, the
    // instance keeps serving 1.1 with its data, and the engine does not retry in a loop.
    h.engine.upgrade(id, "broken", None).await.unwrap();
    let failed = h
        .wait_for(id, LIMIT, "failed after rollback", |r| {
            r.status == Status::Failed
        })
        .await;
    let reason = failed.status_reason.unwrap_or_default();
    assert!(reason.contains("rolled back"), "{reason}");
    assert_eq!(version(&h, id).await, "1.1");
    assert_eq!(counter(&h, id).await, "2");
    let updates_before = update_events(&h, id).await;
    tokio::time::sleep(Duration::from_secs(6)).await;
    assert_eq!(
        update_events(&h, id).await,
        updates_before,
        "the failed upgrade was retried"
    );

    // Asking for 1.1 again matches what Swarm rolled back to: running, nothing to do.
    h.engine.upgrade(id, "1.1", None).await.unwrap();
    h.wait_status(id, Status::Running, LIMIT).await;

    // Upgrade to an image whose migration fails: the job fails, no service rolls, the status
    // says why (also as an error event), the instance keeps serving 1.1 with its data.
    let updates_before = update_events(&h, id).await;
    h.engine.upgrade(id, "bad-migration", None).await.unwrap();
    let failed = h
        .wait_for(id, LIMIT, "failed migration", |r| {
            r.status == Status::Failed
        })
        .await;
    let reason = failed.status_reason.unwrap_or_default();
    assert!(
        reason.contains("the migration to bad-migration failed")
            && reason.contains("still run 1.1"),
        "{reason}"
    );
    assert!(
        log(&h, id)
            .await
            .contains(&(EventKind::Error, reason.clone())),
        "no error event saying {reason}"
    );
    assert_eq!(
        update_events(&h, id).await,
        updates_before,
        "a service rolled"
    );
    assert_eq!(version(&h, id).await, "1.1");
    assert_eq!(counter(&h, id).await, "2");
    assert!(!migrations(&h, id).await.contains("bad-migration"));
    // Back to 1.1: running, the failed job is removed.
    h.engine.upgrade(id, "1.1", None).await.unwrap();
    h.wait_status(id, Status::Running, LIMIT).await;
    assert!(
        h.objects("service", &["org.plenum.migration".to_owned()])
            .is_empty()
    );

    // Remove: services and networks go, volume and secrets stay (grace period).
    h.engine.remove(id, None).await.unwrap();
    h.wait_status(id, Status::Removed, LIMIT).await;
    assert_eq!(h.counts(id), [0, 0, 1, 4]);
    assert!(h.engine.upgrade(id, "1.0", None).await.is_err());
    // Start again within the grace period: the data is still there.
    h.engine.start(id, None).await.unwrap();
    h.wait_status(id, Status::Running, LIMIT).await;
    assert_eq!(counter(&h, id).await, "2");

    // Erase: nothing with the instance's labels is left, nor its stored secrets.
    h.engine.erase(id, None).await.unwrap();
    h.wait_status(id, Status::Erased, LIMIT).await;
    assert_eq!(h.counts(id), [0, 0, 0, 0]);
    assert!(
        h.db.instance_secrets(id, &h.ctx.key)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(h.objects("volume", &[]).is_empty());
    h.finish().await;
}

/// How many "update service" steps the instance's log has.
async fn update_events(h: &Harness, id: i64) -> usize {
    h.db.recent_instance_events(id, 500)
        .await
        .unwrap()
        .iter()
        .filter(|e| e.kind == EventKind::Step && e.message.starts_with("update service"))
        .count()
}
