//! Background loops: the order scheduler, which turns approved orders into instances once
//! their rental period has begun; the phase scheduler, which moves instances through their
//! phases (quiet, event mode, archived) by their event days; the incident notifier; the
//! log scanner (error lines as incidents); the restore tester; and the identity provider's
//! maintenance (key rotation, expired codes).
//!
//! Approval provisions at once when the rental has already begun; the order loop handles the
//! orders approved ahead of time. It is level-triggered (every pass re-reads which orders
//! are due) and each order is provisioned by a conditional update, so a pass that overlaps
//! an approval or a cancellation does no harm.

use chrono::{NaiveDate, Utc};
use std::future::Future;
use std::time::Duration;
use store::Db;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// How often the scheduler looks for due orders.
pub const ORDER_SCHEDULER_PERIOD: Duration = Duration::from_secs(60);

/// A running loop; dropping it (or [`Periodic::stop`]) ends it.
#[derive(Debug)]
pub struct Periodic {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

/// The order scheduler's loop.
pub type OrderScheduler = Periodic;

impl Periodic {
    /// Asks the loop to stop after the pass under way, and waits for it.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

/// Runs `pass` now and then every `period` until stopped.
fn spawn_periodic<F, Fut>(period: Duration, mut pass: F) -> Periodic
where
    F: FnMut() -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    let (stop, mut stopped) = watch::channel(false);
    let task = tokio::spawn(async move {
        let mut tick = tokio::time::interval(period);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                // A stop request, or the handle was dropped.
                _ = stopped.changed() => break,
            }
            pass().await;
        }
    });
    Periodic { stop, task }
}

/// Starts the loop: every `period`, provision the approved orders due by `today()`.
pub fn spawn_order_scheduler(db: Db, period: Duration, today: fn() -> NaiveDate) -> OrderScheduler {
    spawn_periodic(period, move || {
        let db = db.clone();
        async move {
            match db.provision_due_orders(today()).await {
                Ok(done) if !done.is_empty() => {
                    tracing::info!(orders = ?done, "approved orders provisioned");
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "looking for due orders failed"),
            }
        }
    })
}

/// Starts the phase scheduler: every `period`, apply the phase due at `clock()`.
pub fn spawn_phase_scheduler(
    state: app::server::AppState,
    period: Duration,
    clock: fn() -> chrono::NaiveDateTime,
) -> Periodic {
    spawn_periodic(period, move || {
        let state = state.clone();
        async move {
            if let Err(e) = app::server::phases::apply_phases(&state, clock()).await {
                tracing::warn!(error = %e, "applying phases failed");
            }
            let schedule = app::server::backup_schedule::apply_backup_schedule(&state, clock());
            if let Err(e) = schedule.await {
                tracing::warn!(error = %e, "applying the backup schedule failed");
            }
        }
    })
}

/// Starts the incident notifier: every `period`, tell staff about the incidents of
/// instances in event mode that are due a notice.
pub fn spawn_incident_notifier(state: app::server::AppState, period: Duration) -> Periodic {
    spawn_periodic(period, move || {
        let state = state.clone();
        async move {
            match app::server::incidents::notify(&state, Utc::now()).await {
                Ok(told) if !told.is_empty() => tracing::info!(incidents = ?told, "staff told"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "telling staff about incidents failed"),
            }
        }
    })
}

/// Starts the log scanner: every `period`, count the error lines running instances wrote
/// since the last pass as incidents (the first pass looks one period back).
pub fn spawn_log_scanner(state: app::server::AppState, period: Duration) -> Periodic {
    let scanner = std::sync::Arc::new(tokio::sync::Mutex::new(
        app::server::log_errors::LogScanner::default(),
    ));
    let first_look = chrono::Duration::from_std(period).unwrap_or(chrono::Duration::minutes(1));
    spawn_periodic(period, move || {
        let (state, scanner) = (state.clone(), scanner.clone());
        async move {
            let mut scanner = scanner.lock().await;
            match app::server::log_errors::scan(&state, &mut scanner, Utc::now(), first_look).await
            {
                Ok(found) if !found.is_empty() => {
                    tracing::info!(instances = ?found, "error lines in logs")
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "scanning logs for errors failed"),
            }
        }
    })
}

/// Starts the restore tester: every `period`, judge the running restore tests, erase the
/// copies of ended ones and start tests of untested final backups.
pub fn spawn_restore_tester(state: app::server::AppState, period: Duration) -> Periodic {
    spawn_periodic(period, move || {
        let state = state.clone();
        async move {
            match app::server::restore_tests::test_restores(&state, Utc::now()).await {
                Ok(pass) if pass != Default::default() => {
                    tracing::info!(?pass, "restore tests")
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "restore tests failed"),
            }
        }
    })
}

/// Starts the identity provider's maintenance: every `period`, rotate the signing key when
/// it is due and forget expired codes.
pub fn spawn_identity_maintenance(provider: identity::Provider, period: Duration) -> Periodic {
    spawn_periodic(period, move || {
        let provider = provider.clone();
        async move {
            if let Err(e) = provider.maintain(Utc::now()).await {
                tracing::warn!(error = %e, "identity provider maintenance failed");
            }
        }
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use chrono::{Days, Utc};
    use domain::account::Email;
    use domain::booking::BookingRules;
    use domain::order::{OrderForm, OrderStatus, check_order};

    fn today() -> NaiveDate {
        Utc::now().date_naive()
    }

    fn in_two_days() -> NaiveDate {
        today() + Days::new(2)
    }

    #[tokio::test]
    async fn due_orders_become_instances_and_the_loop_stops() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("p.db").display());
        let db = Db::connect(&url).await.unwrap();
        db.migrate().await.unwrap();
        let (user, org) = db
            .create_customer(
                store::NewUser {
                    email: Email::parse("ada@example.org").unwrap(),
                    password_hash: "x".into(),
                    is_staff: false,
                },
                "Union",
            )
            .await
            .unwrap();
        let start = today() + Days::new(1);
        let form = OrderForm {
            name: "Congress".into(),
            slug: "congress".into(),
            template: "demo".into(),
            version: "1.0".into(),
            plan: "small".into(),
            rental_start: start.to_string(),
            rental_end: (start + Days::new(3)).to_string(),
            event_days: format!("{start} 50"),
            contact: "Ada".into(),
            note: String::new(),
        };
        let rules = BookingRules {
            today: today(),
            max_rental_days: 90,
        };
        let order = db
            .place_order(org.id, user.id, &check_order(&form, rules).unwrap())
            .await
            .unwrap();
        let approved = db
            .approve_order(order.id, None, today(), None)
            .await
            .unwrap();
        assert_eq!(approved.status, OrderStatus::Approved, "starts tomorrow");

        let scheduler = spawn_order_scheduler(db.clone(), Duration::from_millis(20), in_two_days);
        let mut provisioned = None;
        for _ in 0..250 {
            let now = db.order(order.id).await.unwrap();
            if now.status == OrderStatus::Provisioned {
                provisioned = Some(now);
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        scheduler.stop().await;
        let provisioned = provisioned.expect("the scheduler provisioned the due order");
        let instance = db.instance(provisioned.instance_id.unwrap()).await.unwrap();
        assert_eq!(instance.slug, "congress");
        assert_eq!(
            instance.replicas.get("web"),
            Some(&1),
            "replicas from the small plan"
        );
        assert_eq!(db.instances_of_org(org.id).await.unwrap().len(), 1);
    }
}
