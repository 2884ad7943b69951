//! Error lines as incidents: every pass reads what each running instance's services wrote
//! since the last pass, and counts each error line (`domain::incident::error_line`) under
//! its group, once by its time — so a line read twice (passes overlap by a second, or
//! Plenum restarted) is not counted twice.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use domain::incident::{IncidentKind, error_line};
use domain::instance::{Lifecycle, Status};
use engine::docker::LogWindow;
use futures::StreamExt;
use store::Failure;

use super::AppState;
use super::context::store_error;
use super::instances::actions::engine_error;
use crate::error::AppError;

/// Most lines read per service and pass.
const TAIL: u32 = 5000;

/// Where each instance's reading got to (Unix seconds), between passes.
#[derive(Debug, Default)]
pub struct LogScanner {
    read_to: HashMap<i64, i64>,
}

/// Reads the new log lines of every running instance up to `now` and records their error
/// lines; the instances with new error lines and how many. Nothing without the engine.
pub async fn scan(
    state: &AppState,
    scanner: &mut LogScanner,
    now: DateTime<Utc>,
    first_look: Duration,
) -> Result<Vec<(i64, usize)>, AppError> {
    let Some(engine) = &state.engine else {
        return Ok(Vec::new());
    };
    let mut found = Vec::new();
    let instances = state.db.all_instances().await.map_err(store_error)?;
    scanner
        .read_to
        .retain(|id, _| instances.iter().any(|i| i.id == *id));
    for instance in instances {
        if instance.lifecycle != Lifecycle::Running
            || !matches!(instance.status, Status::Running | Status::Degraded)
        {
            scanner.read_to.remove(&instance.id);
            continue;
        }
        let since = scanner
            .read_to
            .get(&instance.id)
            .copied()
            .unwrap_or_else(|| (now - first_look).timestamp());
        let window = LogWindow {
            since,
            tail: TAIL,
            follow: false,
        };
        let mut lines = engine.logs(&instance, None, window).map_err(engine_error)?;
        let mut counted = 0;
        while let Some(line) = lines.next().await {
            let Ok(line) = line else {
                break;
            };
            let (Some(message), Some(at)) = (error_line(&line.line.text), line.line.at) else {
                continue;
            };
            let failure = Failure {
                instance_id: instance.id,
                service: &line.service,
                kind: IncidentKind::ErrorLine,
                message: &message,
                at,
            };
            if state
                .db
                .record_failure(&failure)
                .await
                .map_err(store_error)?
            {
                counted += 1;
            }
        }
        // The next pass starts a second early: Docker's `since` counts whole seconds.
        scanner.read_to.insert(instance.id, now.timestamp() - 1);
        if counted > 0 {
            found.push((instance.id, counted));
        }
    }
    Ok(found)
}
