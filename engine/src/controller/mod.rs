//! The controller: one tokio task that runs reconcile passes.
//!
//! Passes are triggered by changes (an instance id sent through [`Trigger`]), by Docker
//! events of this installation's containers, and by a periodic resync over every instance
//! (which also sweeps orphans). At most `parallelism` passes run at once, and never two for
//! the same instance: a trigger for an instance being reconciled marks it dirty and it runs
//! again afterwards. A failed pass is retried with exponential back-off (1 s doubling up to
//! the resync period); when Docker does not answer, the instance's status becomes
//! `engine unreachable`. Shutdown waits for running passes.

mod orphans;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use domain::instance::{EventKind, Status, StatusReport};
use futures::StreamExt;
use tokio::sync::{Semaphore, mpsc, watch};
use tokio::task::{AbortHandle, JoinHandle, JoinSet};
use tokio::time::MissedTickBehavior;

use crate::reconcile::{Context, Outcome, ReconcileError, reconcile};

pub use orphans::{OrphanTracker, Sweep};

/// Asks the controller to reconcile an instance. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Trigger(mpsc::UnboundedSender<i64>);

impl Trigger {
    /// A trigger and the receiving end of its channel (for driving passes without the
    /// controller).
    pub fn channel() -> (Self, mpsc::UnboundedReceiver<i64>) {
        let (tx, rx) = mpsc::unbounded_channel();
        (Self(tx), rx)
    }

    /// Reconcile instance `id` soon. Does nothing once the controller has stopped.
    pub fn fire(&self, id: i64) {
        if self.0.send(id).is_err() {
            tracing::debug!(instance_id = id, "controller stopped; trigger dropped");
        }
    }
}

/// The running controller. Dropping it without [`shutdown`](Self::shutdown) aborts it.
pub struct ControllerHandle {
    trigger: Trigger,
    shutdown: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
    events: AbortHandle,
}

impl ControllerHandle {
    /// A trigger for the web layer's changes.
    pub fn trigger(&self) -> Trigger {
        self.trigger.clone()
    }

    /// Stops taking work, waits for running passes, and ends.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        if let Some(task) = self.task.take()
            && let Err(e) = task.await
        {
            tracing::error!(error = %e, "engine controller ended abnormally");
        }
    }
}

impl Drop for ControllerHandle {
    fn drop(&mut self) {
        self.events.abort();
        if let Some(task) = &self.task {
            task.abort();
        }
    }
}

/// Starts controllers.
pub struct Controller;

impl Controller {
    /// Starts the controller on the current tokio runtime.
    pub fn spawn(ctx: Arc<Context>) -> ControllerHandle {
        let (trigger, rx) = Trigger::channel();
        let (shutdown, shutdown_rx) = watch::channel(false);
        let events = spawn_event_watch(ctx.clone(), trigger.clone(), shutdown_rx.clone());
        let trigger_for_loop = trigger.clone();
        let task = tokio::spawn(Loop::new(ctx, trigger_for_loop).run(rx, shutdown_rx));
        ControllerHandle {
            trigger,
            shutdown,
            task: Some(task),
            events: events.abort_handle(),
        }
    }
}

/// Follows Docker's events and triggers the instances they concern; reconnects with
/// back-off when the stream breaks (the engine restarting).
fn spawn_event_watch(
    ctx: Arc<Context>,
    trigger: Trigger,
    mut shutdown: watch::Receiver<bool>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut delay = Duration::from_secs(1);
        loop {
            let mut events = Box::pin(ctx.docker.instance_events(&ctx.settings.installation_id));
            loop {
                tokio::select! {
                    _ = shutdown.changed() => return,
                    event = events.next() => match event {
                        Some(Ok(id)) => {
                            delay = Duration::from_secs(1);
                            trigger.fire(id);
                        }
                        Some(Err(e)) => {
                            tracing::debug!(error = %e, "Docker events interrupted");
                            break;
                        }
                        None => break,
                    },
                }
            }
            tokio::select! {
                _ = shutdown.changed() => return,
                _ = tokio::time::sleep(delay) => {}
            }
            delay = (delay * 2).min(ctx.settings.resync());
        }
    })
}

/// The controller's state, owned by its task.
struct Loop {
    ctx: Arc<Context>,
    trigger: Trigger,
    permits: Arc<Semaphore>,
    workers: JoinSet<(i64, Result<Outcome, ReconcileError>)>,
    running: HashSet<i64>,
    dirty: HashSet<i64>,
    timers: JoinSet<i64>,
    timer_of: HashMap<i64, AbortHandle>,
    failures: HashMap<i64, u32>,
    last_error: HashMap<i64, String>,
    orphans: Option<JoinHandle<OrphanTracker>>,
    tracker: Option<OrphanTracker>,
}

impl Loop {
    fn new(ctx: Arc<Context>, trigger: Trigger) -> Self {
        Self {
            trigger,
            permits: Arc::new(Semaphore::new(ctx.settings.parallelism)),
            ctx,
            workers: JoinSet::new(),
            running: HashSet::new(),
            dirty: HashSet::new(),
            timers: JoinSet::new(),
            timer_of: HashMap::new(),
            failures: HashMap::new(),
            last_error: HashMap::new(),
            orphans: None,
            tracker: Some(OrphanTracker::default()),
        }
    }

    async fn run(
        mut self,
        mut triggers: mpsc::UnboundedReceiver<i64>,
        mut shutdown: watch::Receiver<bool>,
    ) {
        let mut resync = tokio::time::interval(self.ctx.settings.resync());
        resync.set_missed_tick_behavior(MissedTickBehavior::Skip);
        loop {
            tokio::select! {
                _ = shutdown.changed() => break,
                Some(id) = triggers.recv() => self.start(id),
                Some(done) = self.workers.join_next() => match done {
                    Ok((id, result)) => self.finish(id, result).await,
                    Err(e) => tracing::error!(error = %e, "reconcile pass panicked"),
                },
                Some(Ok(id)) = self.timers.join_next() => {
                    self.timer_of.remove(&id);
                    self.start(id);
                }
                _ = resync.tick() => self.resync().await,
            }
        }
        self.timers.abort_all();
        if let Some(orphans) = self.orphans.take() {
            orphans.abort();
        }
        while let Some(done) = self.workers.join_next().await {
            if let Ok((id, Err(e))) = done {
                tracing::debug!(instance_id = id, error = %e, "pass failed during shutdown");
            }
        }
    }

    fn start(&mut self, id: i64) {
        if !self.running.insert(id) {
            self.dirty.insert(id);
            return;
        }
        let ctx = self.ctx.clone();
        let permits = self.permits.clone();
        self.workers.spawn(async move {
            // The semaphore is never closed.
            let _permit = permits.acquire_owned().await;
            let started = std::time::Instant::now();
            let result = reconcile(&ctx, id).await;
            ctx.metrics
                .observe(result.is_ok(), started.elapsed().as_secs_f64());
            (id, result)
        });
    }

    fn after(&mut self, id: i64, delay: Duration) {
        if let Some(old) = self.timer_of.remove(&id) {
            old.abort();
        }
        let handle = self.timers.spawn(async move {
            tokio::time::sleep(delay).await;
            id
        });
        self.timer_of.insert(id, handle);
    }

    async fn finish(&mut self, id: i64, result: Result<Outcome, ReconcileError>) {
        self.running.remove(&id);
        match result {
            Ok(outcome) => {
                self.failures.remove(&id);
                self.last_error.remove(&id);
                if let Some(delay) = outcome.requeue_after {
                    self.after(id, delay);
                }
            }
            Err(ReconcileError::Store(store::StoreError::NotFound)) => {}
            Err(error) => {
                let failures = self.failures.entry(id).or_insert(0);
                *failures = failures.saturating_add(1);
                let delay = backoff(*failures, self.ctx.settings.resync());
                tracing::warn!(instance_id = id, error = %error, retry_in = ?delay, "reconcile failed");
                self.record_error(id, &error).await;
                self.after(id, delay);
            }
        }
        if self.dirty.remove(&id) {
            self.start(id);
        }
    }

    /// The error policy's record: an error event when the error changes, and the status
    /// `engine unreachable` when Docker did not answer (or `failed` when the instance
    /// cannot be described at all).
    async fn record_error(&mut self, id: i64, error: &ReconcileError) {
        let message = error.to_string();
        if self.last_error.get(&id) == Some(&message) {
            return;
        }
        let status = match error {
            e if e.is_unreachable() => Some(Status::EngineUnreachable),
            ReconcileError::Template(_)
            | ReconcileError::Spec(_)
            | ReconcileError::MissingSecret(_)
            | ReconcileError::Settings(_) => Some(Status::Failed),
            _ => None,
        };
        let db = &self.ctx.db;
        let mut result = db
            .add_instance_event(id, None, EventKind::Error, &message)
            .await
            .map(|_| ());
        if let (Some(status), Ok(())) = (status, &result) {
            let report = StatusReport {
                status,
                reason: Some(message.clone()),
            };
            result = db.record_status(id, &report, None).await.map(|_| ());
        }
        match result {
            Ok(()) => {
                self.last_error.insert(id, message);
            }
            Err(e) => tracing::error!(instance_id = id, error = %e, "cannot record the error"),
        }
    }

    async fn resync(&mut self) {
        match self.ctx.db.instances_to_reconcile().await {
            Ok(records) => records.iter().for_each(|r| self.start(r.id)),
            Err(e) => tracing::error!(error = %e, "cannot list instances to reconcile"),
        }
        self.sweep_orphans().await;
    }

    async fn sweep_orphans(&mut self) {
        if let Some(running) = self.orphans.take() {
            if !running.is_finished() {
                self.orphans = Some(running);
                return;
            }
            match running.await {
                Ok(tracker) => self.tracker = Some(tracker),
                Err(e) => tracing::error!(error = %e, "orphan sweep ended abnormally"),
            }
        }
        let mut tracker = self.tracker.take().unwrap_or_default();
        let ctx = self.ctx.clone();
        let trigger = self.trigger.clone();
        let grace = Duration::from_secs(ctx.settings.orphan_grace_seconds);
        self.orphans = Some(tokio::spawn(async move {
            match tracker.sweep(&ctx, grace).await {
                Ok(sweep) => sweep
                    .erased_with_objects
                    .iter()
                    .for_each(|id| trigger.fire(*id)),
                Err(e) => tracing::debug!(error = %e, "orphan sweep failed"),
            }
            tracker
        }));
    }
}

/// 1 s, 2 s, 4 s, … up to `cap`.
fn backoff(failures: u32, cap: Duration) -> Duration {
    let exponent = failures.saturating_sub(1).min(16);
    Duration::from_secs(1u64 << exponent).min(cap.max(Duration::from_secs(1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let cap = Duration::from_secs(30);
        let delays: Vec<u64> = (1..=7).map(|n| backoff(n, cap).as_secs()).collect();
        assert_eq!(delays, vec![1, 2, 4, 8, 16, 30, 30]);
        assert_eq!(backoff(u32::MAX, cap), cap);
    }
}
