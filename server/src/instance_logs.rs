//! `GET /api/instances/{id}/logs/stream?service=&q=&since_minutes=&tail=`: an instance's
//! service logs as server-sent events (`log`, JSON [`app::dto::LogLineView`]), following.
//! Authorized like the console (members of the instance's organisation and staff; anyone
//! else gets the same 404 as for an unknown id), and again every few seconds while it runs,
//! so a member who is removed stops receiving. Only the instance's own services are read.
//! `q` keeps the lines that contain it (ignoring case).

use std::convert::Infallible;
use std::time::Duration;

use app::dto::LogLineView;
use app::error::AppError;
use app::server::instances::{engine_error, find_for};
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use domain::access::OrgAction;
use engine::docker::LogWindow;
use futures::StreamExt;
use serde::Deserialize;
use tower_sessions::Session;

use crate::instance_stream::{refuse, viewer};
use crate::router::ServerState;

/// How often a running stream checks that its reader may still read.
const RECHECK: Duration = Duration::from_secs(5);
/// Most lines sent from before the stream opened, per service.
const MAX_TAIL: u32 = 1000;

/// The stream's route.
pub fn router() -> Router<ServerState> {
    Router::new().route("/api/instances/{id}/logs/stream", get(stream))
}

/// What to read.
#[derive(Debug, Deserialize)]
struct LogQuery {
    /// One service (a name of the instance's template); all when absent or empty.
    service: Option<String>,
    /// Only lines containing this (ignoring case).
    q: Option<String>,
    /// Only lines of the last this many minutes (default 60).
    since_minutes: Option<u32>,
    /// At most this many earlier lines per service (default 200, at most 1000).
    tail: Option<u32>,
}

async fn stream(
    State(server): State<ServerState>,
    session: Session,
    Path(id): Path<i64>,
    Query(query): Query<LogQuery>,
) -> Response {
    let state = server.app;
    let (actor, record) = match viewer(&state, &session, id).await {
        Ok(found) => found,
        Err(refused) => return refused,
    };
    let Some(engine) = state.engine.clone() else {
        return refuse(AppError::EngineDisabled);
    };
    let minutes = i64::from(query.since_minutes.unwrap_or(60));
    let window = LogWindow {
        since: (chrono::Utc::now() - chrono::Duration::minutes(minutes)).timestamp(),
        tail: query.tail.unwrap_or(200).min(MAX_TAIL),
        follow: true,
    };
    let service = query.service.filter(|s| !s.is_empty());
    let lines = match engine.logs(&record, service.as_deref(), window) {
        Ok(lines) => lines,
        Err(e) => return refuse(engine_error(e)),
    };
    let needle = query.q.map(|q| q.to_lowercase()).filter(|q| !q.is_empty());
    // Ends when the reader may no longer see the instance.
    let revoked = async move {
        loop {
            tokio::time::sleep(RECHECK).await;
            if find_for(&state, actor, id, OrgAction::View).await.is_err() {
                return;
            }
        }
    };
    let events = lines
        .filter_map(move |line| {
            let needle = needle.clone();
            async move {
                let line = match line {
                    Ok(line) => line,
                    Err(e) => {
                        tracing::debug!(instance_id = id, error = %e, "log stream broke off");
                        return None;
                    }
                };
                if let Some(needle) = &needle
                    && !line.line.text.to_lowercase().contains(needle)
                {
                    return None;
                }
                let view = LogLineView {
                    service: line.service,
                    at: line.line.at.map(|at| at.to_rfc3339()),
                    stderr: line.line.stderr,
                    text: line.line.text,
                };
                Event::default().event("log").json_data(&view).ok()
            }
        })
        .map(Ok::<_, Infallible>)
        .take_until(Box::pin(revoked));
    Sse::new(events)
        .keep_alive(KeepAlive::default())
        .into_response()
}
