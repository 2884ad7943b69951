//! `GET /api/instances/{id}/events/stream?after=<event id>`: the instance console's live
//! updates as server-sent events. Authorized like the console's server functions (signed
//! in, a member of the instance's organisation or staff; anyone else gets the same 404 as
//! for an unknown id), and again on every poll, so a member who is removed stops receiving.
//!
//! Events: `status` (JSON [`app::dto::InstanceStatusUpdate`], first on connect and on every
//! change) and `event` (JSON [`app::dto::InstanceEventView`], SSE id = the event's id), for
//! the instance's events after `after`. The database is polled every [`POLL`]: the engine
//! writes everything it does as events and status, so the stream shows exactly what the
//! log holds, whichever Plenum process wrote it.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::time::Duration;

use app::dto::InstanceStatusUpdate;
use app::error::AppError;
use app::server::AppState;
use app::server::context::actor_of_session;
use app::server::instances::{event_views, find_for, status_update};
use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use domain::access::{Actor, OrgAction};
use serde::Deserialize;
use store::InstanceRecord;
use tower_sessions::Session;

use crate::router::ServerState;

/// How often the stream looks for news.
pub const POLL: Duration = Duration::from_millis(500);

/// The stream's route.
pub fn router() -> Router<ServerState> {
    Router::new().route("/api/instances/{id}/events/stream", get(stream))
}

/// Where a client resumes.
#[derive(Debug, Deserialize)]
struct Resume {
    /// The last event id the client has (0: the whole log).
    #[serde(default)]
    after: i64,
}

async fn stream(
    State(server): State<ServerState>,
    session: Session,
    Path(id): Path<i64>,
    Query(resume): Query<Resume>,
) -> Response {
    let state = server.app;
    let actor = match viewer(&state, &session, id).await {
        Ok((actor, _)) => actor,
        Err(refused) => return refused,
    };
    let watch = Watch {
        state,
        actor,
        id,
        after: resume.after,
        status: None,
        queue: VecDeque::new(),
        first: true,
    };
    let events = futures::stream::unfold(watch, |mut watch| async move {
        watch
            .next()
            .await
            .map(|event| (Ok::<_, Infallible>(event), watch))
    });
    Sse::new(events)
        .keep_alive(KeepAlive::default())
        .into_response()
}

/// The signed-in user of `session` and instance `id`, if they may view it; otherwise the
/// refusal to answer (the same 404 for another organisation's instance as for none).
pub(crate) async fn viewer(
    state: &AppState,
    session: &Session,
    id: i64,
) -> Result<(Actor, InstanceRecord), Response> {
    let actor = match actor_of_session(state, session).await {
        Ok(Some((actor, _))) => actor,
        Ok(None) => return Err(refuse(AppError::Unauthenticated)),
        Err(e) => return Err(refuse(e)),
    };
    match find_for(state, actor, id, OrgAction::View).await {
        Ok(record) => Ok((actor, record)),
        Err(e) => Err(refuse(e)),
    }
}

/// The refusal as the server functions answer it: the error as JSON with its status.
pub(crate) fn refuse(e: AppError) -> Response {
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, Json(e)).into_response()
}

/// One client's position in one instance's log.
struct Watch {
    state: AppState,
    actor: Actor,
    id: i64,
    after: i64,
    status: Option<InstanceStatusUpdate>,
    queue: VecDeque<Event>,
    first: bool,
}

impl Watch {
    /// The next event to send; `None` ends the stream (the instance is gone or no longer
    /// visible to the client).
    async fn next(&mut self) -> Option<Event> {
        loop {
            if let Some(event) = self.queue.pop_front() {
                return Some(event);
            }
            if !std::mem::take(&mut self.first) {
                tokio::time::sleep(POLL).await;
            }
            match self.poll().await {
                Ok(()) => {}
                Err(AppError::NotFound | AppError::Forbidden | AppError::Unauthenticated) => {
                    return None;
                }
                Err(e) => {
                    tracing::warn!(instance_id = self.id, error = %e, "event stream poll failed")
                }
            }
        }
    }

    /// Queues what changed since the last poll.
    async fn poll(&mut self) -> Result<(), AppError> {
        let record = find_for(&self.state, self.actor, self.id, OrgAction::View).await?;
        let status = status_update(&record);
        if self.status.as_ref() != Some(&status) {
            self.queue.push_back(json_event("status", &status)?);
            self.status = Some(status);
        }
        let fresh = self
            .state
            .db
            .instance_events_after(self.id, self.after)
            .await
            .map_err(app::server::context::store_error)?;
        for view in event_views(&self.state, self.actor, fresh).await? {
            self.after = view.id;
            self.queue
                .push_back(json_event("event", &view)?.id(view.id.to_string()));
        }
        Ok(())
    }
}

fn json_event(name: &str, data: &impl serde::Serialize) -> Result<Event, AppError> {
    Event::default()
        .event(name)
        .json_data(data)
        .map_err(app::server::context::internal)
}
