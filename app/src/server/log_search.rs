//! Staff's search through the logs of every running instance: the lines of the last minutes
//! that contain a text, newest first. Each instance's services are read once, not followed.

use domain::instance::Lifecycle;
use engine::docker::LogWindow;
use futures::StreamExt;

use super::AppState;
use super::context::store_error;
use super::instances::actions::{engine, engine_error};
use crate::dto::LogMatchView;
use crate::error::AppError;

/// Most lines one search returns.
pub const MAX_MATCHES: usize = 200;
/// Most lines read per service.
const TAIL: u32 = 2000;

/// The lines containing `text` (ignoring case) that running instances wrote in the last
/// `minutes`, newest first, at most [`MAX_MATCHES`].
pub async fn search(
    state: &AppState,
    text: &str,
    minutes: u32,
) -> Result<Vec<LogMatchView>, AppError> {
    let needle = text.trim().to_lowercase();
    if needle.chars().count() < 2 {
        return Err(AppError::invalid(
            "text",
            "Search for at least two characters.",
        ));
    }
    let engine = engine(state)?;
    let window = LogWindow {
        since: (chrono::Utc::now()
            - chrono::Duration::minutes(i64::from(minutes.clamp(1, 10_080))))
        .timestamp(),
        tail: TAIL,
        follow: false,
    };
    let mut found = Vec::new();
    for instance in state.db.all_instances().await.map_err(store_error)? {
        if instance.lifecycle != Lifecycle::Running {
            continue;
        }
        let mut lines = engine.logs(&instance, None, window).map_err(engine_error)?;
        while let Some(line) = lines.next().await {
            let Ok(line) = line else {
                break;
            };
            if line.line.text.to_lowercase().contains(&needle) {
                found.push(LogMatchView {
                    instance_id: instance.id,
                    slug: instance.slug.clone(),
                    service: line.service,
                    at: line.line.at.map(|at| at.to_rfc3339()),
                    text: line.line.text,
                });
            }
        }
    }
    found.sort_by(|a, b| b.at.cmp(&a.at));
    found.truncate(MAX_MATCHES);
    Ok(found)
}
