//! Probes for orchestrators: `/healthz` (the process answers) and `/readyz` (the database does).

use crate::router::ServerState;
use axum::extract::State;
use axum::http::StatusCode;

/// Alive: answers as long as the process serves HTTP.
pub async fn healthz() -> &'static str {
    "ok"
}

/// Ready: the database answers a query.
pub async fn readyz(State(state): State<ServerState>) -> (StatusCode, &'static str) {
    match state.app.db.ping().await {
        Ok(()) => (StatusCode::OK, "ready"),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
        }
    }
}
