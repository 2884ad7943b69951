//! Faults: Plenum killed in the middle of provisioning, a service deleted by hand, and
//! the Docker engine becoming unreachable (a Unix-socket proxy in front of the real
//! socket, cut and restored, so the real client code path sees a dead engine).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use domain::instance::{EventKind, Status};
use engine::Controller;
use engine::reconcile::reconcile;
use tokio::net::{UnixListener, UnixStream};
use tokio::task::AbortHandle;

use crate::harness::{Harness, docker};

const LIMIT: Duration = Duration::from_secs(240);

async fn step_events(h: &Harness, id: i64) -> Vec<String> {
    h.db.recent_instance_events(id, 500)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == EventKind::Step)
        .map(|e| e.message)
        .collect()
}

/// Runs a reconcile pass and aborts it (drops the future, as a killed process would stop)
/// as soon as `k` steps in total have been recorded. Returns whether the pass was still
/// running when it was killed (a pass that finished first was not killed at all).
async fn pass_killed_after(h: &Harness, id: i64, k: usize) -> bool {
    let ctx = h.ctx.clone();
    let pass = tokio::spawn(async move { reconcile(&ctx, id).await });
    loop {
        if pass.is_finished() {
            return false;
        }
        if step_events(h, id).await.len() >= k {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    pass.abort();
    // An abort that lands after the pass's last poll lets it finish: not a kill.
    pass.await.is_err()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_mid_provisioning_converges_and_hand_deleted_service_is_recreated() {
    let mut h = Harness::with("kill", |_| {}, false).await;
    let record = h.engine.create(h.demo("echo", "1.0"), None).await.unwrap();
    let id = record.id;
    let stack = record.stack();
    // A pass is killed after 2 steps, a second one after 5 in total. How far each got
    // before the abort landed depends on the machine's load; what matters is that both
    // were killed mid-pass.
    assert!(pass_killed_after(&h, id, 2).await, "first pass finished");
    assert!(step_events(&h, id).await.len() >= 2);
    assert!(pass_killed_after(&h, id, 5).await, "second pass finished");

    // A fresh controller converges: every object once, nothing else.
    h.controller = Some(Controller::spawn(h.ctx.clone()));
    h.wait_status(id, Status::Running, LIMIT).await;
    assert_eq!(
        h.counts(id),
        [2, 1, 1, 4],
        "services, networks, volumes, secrets"
    );
    let all = h.ctx.docker.observe_all(&h.installation).await.unwrap();
    assert_eq!(
        all.keys().copied().collect::<Vec<_>>(),
        vec![id],
        "objects of other instances"
    );
    // Nine objects (two services, a volume, a network, four secrets, the edge network) and
    // the single sign-on client, each one step; a step killed between Docker's answer and
    // its event leaves no event and is taken again, so at most 11.
    let steps = step_events(&h, id).await;
    assert!(steps.len() <= 11, "{steps:#?}");

    // A service deleted by hand is recreated (and the log says so once more).
    let web_created = |steps: Vec<String>| {
        let wanted = format!("create service {stack}_web");
        steps.iter().filter(|m| **m == wanted).count()
    };
    let before = web_created(step_events(&h, id).await);
    docker(&["service", "rm", &format!("{stack}_web")]).unwrap();
    h.wait_for(id, LIMIT, "web recreated and running", |r| {
        r.status == Status::Running
            && docker(&["service", "inspect", &format!("{stack}_web")]).is_ok()
    })
    .await;
    assert_eq!(web_created(step_events(&h, id).await), before + 1);
    assert_eq!(h.counts(id), [2, 1, 1, 4]);

    h.engine.erase(id, None).await.unwrap();
    h.wait_status(id, Status::Erased, LIMIT).await;
    assert_eq!(h.counts(id), [0, 0, 0, 0]);
    h.finish().await;
}

/// A Unix-socket proxy to the real Docker socket that can be cut (every connection
/// closed, new ones refused) and restored.
struct Proxy {
    path: PathBuf,
    up: Arc<AtomicBool>,
    connections: Arc<Mutex<Vec<AbortHandle>>>,
    accept: AbortHandle,
    _dir: tempfile::TempDir,
}

impl Proxy {
    fn start(target: &Path) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("docker.sock");
        let listener = UnixListener::bind(&path).unwrap();
        let up = Arc::new(AtomicBool::new(true));
        let connections: Arc<Mutex<Vec<AbortHandle>>> = Arc::default();
        let target = target.to_owned();
        let (up2, conns2) = (up.clone(), connections.clone());
        let accept = tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if !up2.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                let target = target.clone();
                let task = tokio::spawn(async move {
                    if let Ok(mut server) = UnixStream::connect(&target).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                conns2.lock().unwrap().push(task.abort_handle());
            }
        })
        .abort_handle();
        Self {
            path,
            up,
            connections,
            accept,
            _dir: dir,
        }
    }

    fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        for c in self.connections.lock().unwrap().drain(..) {
            c.abort();
        }
    }

    fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.accept.abort();
        self.cut();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn engine_unreachable_is_reported_and_converges_when_back() {
    let proxy = Proxy::start(Path::new("/var/run/docker.sock"));
    let path = proxy.path.clone();
    let h = Harness::with(
        "down",
        |s| s.docker_host = format!("unix://{}", path.display()),
        true,
    )
    .await;
    proxy.cut();
    let record = h
        .engine
        .create(h.demo("foxtrot", "1.0"), None)
        .await
        .unwrap();
    let id = record.id;
    let down = h
        .wait_for(id, Duration::from_secs(60), "engine unreachable", |r| {
            r.status == Status::EngineUnreachable
        })
        .await;
    let reason = down.status_reason.unwrap_or_default();
    assert!(reason.contains("unreachable"), "{reason}");
    // Nothing of the desired state is lost while the engine is away.
    assert_eq!((down.version.as_str(), down.generation), ("1.0", 1));
    assert_eq!(
        h.db.instance_secrets(id, &h.ctx.key).await.unwrap().len(),
        4,
        "database, admin, single sign-on client and backup token secrets"
    );
    tokio::time::sleep(Duration::from_secs(3)).await;

    proxy.restore();
    h.wait_status(id, Status::Running, LIMIT).await;
    assert_eq!(h.counts(id), [2, 1, 1, 4]);
    let errors =
        h.db.recent_instance_events(id, 500)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.kind == EventKind::Error)
            .count();
    assert!(errors >= 1, "the outage was not recorded");

    h.engine.erase(id, None).await.unwrap();
    h.wait_status(id, Status::Erased, LIMIT).await;
    h.finish().await;
}
