//! The level-triggered loop that keeps Caddy's configuration equal to what Plenum's
//! database says: each pass computes the desired configuration from the instances, reads the
//! actual one back from Caddy's admin API, and loads the desired one when they differ.
//!
//! Each pass also reads how many requests every instance's upstream has in flight and
//! records the busy ones as in use: an open OpenSlides client holds its autoupdate stream
//! open, so "in flight at some pass" is "in use" (the hibernation rule's input).
//!
//! Passes run every reconcile period, and at once after [`EdgeHandle::reconcile_now`]. While
//! Caddy is unreachable the loop backs off (1 s, 2 s, 4 s, … up to the reconcile period, so a
//! restarted Caddy has its routes back within one period). Its [`EdgeStatus`] is observable
//! for staff. The loop never stops on errors; Plenum keeps working without the edge.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;

use crate::caddy::{CaddyAdmin, CaddyError};
use crate::config::{Desired, caddy_config, routed_hosts};
use crate::directory::{DirectoryError, InstanceDirectory};
use crate::settings::EdgeSetup;

/// The first back-off after a failed pass; it doubles up to the reconcile period.
const FIRST_BACKOFF: Duration = Duration::from_secs(1);

/// Why a pass failed.
#[derive(Debug, thiserror::Error)]
pub enum PassError {
    /// The instances could not be read.
    #[error(transparent)]
    Directory(#[from] DirectoryError),
    /// Caddy could not be reached or refused the configuration.
    #[error(transparent)]
    Caddy(#[from] CaddyError),
    /// Caddy accepted the configuration but reads back something else.
    #[error(
        "Caddy's configuration differs from the one just loaded (is something else changing it?)"
    )]
    Diverged,
}

/// What a successful pass did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PassReport {
    /// Whether a configuration was loaded (false: Caddy already had the desired one).
    pub changed: bool,
    /// Instance routes now in Caddy.
    pub routes: usize,
    /// Instances left out, as `slug: reason`.
    pub skipped: Vec<String>,
}

/// The edge as staff see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EdgeStatus {
    /// Caddy's admin API.
    pub caddy_admin_url: String,
    /// Passes run since start.
    pub passes: u64,
    /// End of the last pass that left Caddy in the desired state.
    pub last_success: Option<DateTime<Utc>>,
    /// When Plenum last loaded a configuration into Caddy.
    pub last_change: Option<DateTime<Utc>>,
    /// The last failure's message (kept after a later success, see `consecutive_failures`).
    pub last_error: Option<String>,
    /// When the last failure happened.
    pub last_error_at: Option<DateTime<Utc>>,
    /// Failed passes since the last success (0 = healthy).
    pub consecutive_failures: u32,
    /// Whether the last failure was Caddy being unreachable.
    pub caddy_unreachable: bool,
    /// Instance routes in Caddy after the last successful pass.
    pub routes: usize,
    /// Instances left out of the configuration, as `slug: reason`.
    pub skipped: Vec<String>,
    /// Seconds until the next pass is due.
    pub next_pass_in_seconds: u64,
}

impl EdgeStatus {
    /// Whether the last pass succeeded.
    pub fn is_healthy(&self) -> bool {
        self.passes > 0 && self.consecutive_failures == 0
    }
}

/// Keeps one Caddy configured from one instance directory.
#[derive(Debug, Clone)]
pub struct Reconciler<D> {
    setup: Arc<EdgeSetup>,
    directory: D,
    caddy: CaddyAdmin,
}

impl<D: InstanceDirectory> Reconciler<D> {
    /// A reconciler for the Caddy at `setup.caddy_admin_url`.
    pub fn new(setup: EdgeSetup, directory: D) -> Result<Self, CaddyError> {
        let caddy = CaddyAdmin::new(&setup.caddy_admin_url)?;
        Ok(Self {
            setup: Arc::new(setup),
            directory,
            caddy,
        })
    }

    /// The admin API client this reconciler uses.
    pub fn caddy(&self) -> &CaddyAdmin {
        &self.caddy
    }

    /// The configuration Caddy should have now.
    pub async fn desired(&self) -> Result<(Value, Desired, Vec<String>), PassError> {
        let instances = self.directory.instances().await?;
        let (desired, skipped) = Desired::from_instances(&self.setup, &instances);
        let skipped = skipped
            .into_iter()
            .map(|s| format!("{}: {}", s.slug, s.reason))
            .collect();
        Ok((caddy_config(&self.setup, &desired), desired, skipped))
    }

    /// One pass: desired vs. actual, load when they differ, check the result; then record
    /// which routed instances have requests in flight (their use, for hibernation).
    pub async fn pass(&self) -> Result<PassReport, PassError> {
        let (wanted, desired, skipped) = self.desired().await?;
        let report = self.converge(&wanted, skipped).await?;
        if let Err(error) = self.record_use(&desired).await {
            tracing::warn!(%error, "recording which instances are in use failed");
        }
        Ok(report)
    }

    /// Records the use of every routed instance whose upstream has requests in flight now.
    async fn record_use(&self, desired: &Desired) -> Result<(), PassError> {
        if desired.routes.is_empty() {
            return Ok(());
        }
        let busy: BTreeSet<String> = self
            .caddy
            .upstreams()
            .await?
            .into_iter()
            .filter(|u| u.num_requests > 0)
            .map(|u| u.address)
            .collect();
        let slugs: Vec<String> = desired
            .routes
            .iter()
            .filter(|route| busy.contains(&route.upstream))
            .filter_map(|route| self.setup.slug_of(&route.hostname))
            .map(str::to_owned)
            .collect();
        self.directory.record_use(&slugs).await?;
        Ok(())
    }

    /// Loads `wanted` into Caddy unless it has it already.
    async fn converge(
        &self,
        wanted: &Value,
        skipped: Vec<String>,
    ) -> Result<PassReport, PassError> {
        let actual = self.caddy.config().await?;
        if actual == *wanted {
            return Ok(PassReport {
                changed: false,
                routes: routed_hosts(&actual).len(),
                skipped,
            });
        }
        self.caddy.load(wanted).await?;
        let now = self.caddy.config().await?;
        if now != *wanted {
            return Err(PassError::Diverged);
        }
        Ok(PassReport {
            changed: true,
            routes: routed_hosts(&now).len(),
            skipped,
        })
    }

    /// Runs passes in a background task until the handle is stopped (or every clone of it
    /// dropped).
    pub fn spawn(self) -> EdgeHandle {
        let trigger = Arc::new(Notify::new());
        let (status_tx, status_rx) = watch::channel(EdgeStatus {
            caddy_admin_url: self.caddy.base_url().to_owned(),
            passes: 0,
            last_success: None,
            last_change: None,
            last_error: None,
            last_error_at: None,
            consecutive_failures: 0,
            caddy_unreachable: false,
            routes: 0,
            skipped: Vec::new(),
            next_pass_in_seconds: 0,
        });
        let task = tokio::spawn(self.run(Arc::clone(&trigger), status_tx));
        EdgeHandle {
            trigger,
            status: status_rx,
            task: Arc::new(AbortOnDrop(task)),
        }
    }

    async fn run(self, trigger: Arc<Notify>, status: watch::Sender<EdgeStatus>) {
        let period = self.setup.reconcile_period;
        loop {
            let result = self.pass().await;
            let now = Utc::now();
            let mut delay = period;
            status.send_modify(|s| {
                s.passes += 1;
                match &result {
                    Ok(report) => {
                        if s.consecutive_failures > 0 {
                            tracing::info!(routes = report.routes, "edge configuration reachable again");
                        }
                        if report.changed {
                            tracing::info!(routes = report.routes, "edge configuration loaded into Caddy");
                            s.last_change = Some(now);
                        }
                        if report.skipped != s.skipped {
                            for skipped in &report.skipped {
                                tracing::warn!(instance = %skipped, "instance left out of the edge configuration");
                            }
                        }
                        s.last_success = Some(now);
                        s.consecutive_failures = 0;
                        s.caddy_unreachable = false;
                        s.routes = report.routes;
                        s.skipped = report.skipped.clone();
                    }
                    Err(error) => {
                        s.consecutive_failures = s.consecutive_failures.saturating_add(1);
                        s.last_error = Some(error.to_string());
                        s.last_error_at = Some(now);
                        s.caddy_unreachable =
                            matches!(error, PassError::Caddy(e) if e.is_unreachable());
                        delay = backoff(s.consecutive_failures, period);
                        tracing::warn!(
                            error = %error,
                            failures = s.consecutive_failures,
                            retry_in_ms = delay.as_millis() as u64,
                            "edge reconcile pass failed"
                        );
                    }
                }
                s.next_pass_in_seconds = delay.as_secs();
            });
            tokio::select! {
                () = tokio::time::sleep(delay) => {}
                () = trigger.notified() => {}
            }
        }
    }
}

/// The wait after `failures` failed passes in a row: 1 s doubling, at most `period`.
pub fn backoff(failures: u32, period: Duration) -> Duration {
    let exponent = failures.saturating_sub(1).min(16);
    FIRST_BACKOFF.saturating_mul(1u32 << exponent).min(period)
}

/// Controls a running [`Reconciler`]; cheap to clone. The loop stops when the last clone is
/// dropped or [`EdgeHandle::stop`] is called.
#[derive(Debug, Clone)]
pub struct EdgeHandle {
    trigger: Arc<Notify>,
    status: watch::Receiver<EdgeStatus>,
    task: Arc<AbortOnDrop>,
}

impl EdgeHandle {
    /// Asks for a pass now (e.g. after an instance was started, stopped or removed). Calls
    /// while a pass runs lead to one more pass after it.
    pub fn reconcile_now(&self) {
        self.trigger.notify_one();
    }

    /// The current status.
    pub fn status(&self) -> EdgeStatus {
        self.status.borrow().clone()
    }

    /// A receiver that sees every status change (one per pass).
    pub fn subscribe(&self) -> watch::Receiver<EdgeStatus> {
        self.status.clone()
    }

    /// Stops the loop (a pass under way is abandoned; Caddy keeps its configuration).
    pub fn stop(&self) {
        self.task.0.abort();
    }
}

#[derive(Debug)]
struct AbortOnDrop(JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_period() {
        let period = Duration::from_secs(15);
        let waits: Vec<u64> = (1..=7).map(|n| backoff(n, period).as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 8, 15, 15, 15]);
        assert_eq!(backoff(u32::MAX, period), period);
        assert_eq!(backoff(3, Duration::from_secs(2)), Duration::from_secs(2));
    }
}
