//! The edge router's state for staff: whether Plenum reaches Caddy, when it last configured
//! it, and what went wrong.

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::server::{require_staff, respond, state};

/// The edge router as staff see it (times as RFC 3339).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EdgeStatusView {
    /// Caddy's admin API as Plenum reaches it.
    pub caddy_admin_url: String,
    /// Whether the last reconcile pass succeeded.
    pub healthy: bool,
    /// Whether the last failure was Caddy not answering.
    pub caddy_unreachable: bool,
    /// Failed passes since the last success.
    pub consecutive_failures: u32,
    /// Instance routes in Caddy after the last successful pass.
    pub routes: usize,
    /// When a pass last left Caddy configured as desired.
    pub last_success: Option<String>,
    /// When Plenum last loaded a configuration into Caddy.
    pub last_change: Option<String>,
    /// The last failure (no secrets: URLs and reasons only).
    pub last_error: Option<String>,
    /// When it happened.
    pub last_error_at: Option<String>,
    /// Instances left out of the configuration, as `slug: reason`.
    pub skipped: Vec<String>,
    /// Seconds until the next pass.
    pub next_pass_in_seconds: u64,
}

#[cfg(feature = "ssr")]
impl From<edge::EdgeStatus> for EdgeStatusView {
    fn from(s: edge::EdgeStatus) -> Self {
        let time = |t: Option<chrono::DateTime<chrono::Utc>>| t.map(|t| t.to_rfc3339());
        Self {
            healthy: s.is_healthy(),
            caddy_admin_url: s.caddy_admin_url,
            caddy_unreachable: s.caddy_unreachable,
            consecutive_failures: s.consecutive_failures,
            routes: s.routes,
            last_success: time(s.last_success),
            last_change: time(s.last_change),
            last_error: s.last_error,
            last_error_at: time(s.last_error_at),
            skipped: s.skipped,
            next_pass_in_seconds: s.next_pass_in_seconds,
        }
    }
}

/// The edge router's status (staff only); `None` when Plenum runs without an edge.
#[server(name = StaffEdge, prefix = "/api", endpoint = "staff/edge")]
pub async fn staff_edge() -> Result<Option<EdgeStatusView>, AppError> {
    respond(
        async {
            let state = state()?;
            require_staff(&state).await?;
            Ok(state
                .edge
                .as_ref()
                .map(|edge| EdgeStatusView::from(edge.status())))
        }
        .await,
    )
}
