//! The edge's [`edge::Waker`] over Plenum: a visit to a hibernated instance's address wakes
//! it through the phase logic (`app::server::phases::wake`), like a start from its console.

use app::server::AppState;
use edge::DirectoryError;

/// Wakes instances for the edge's "waking up" page.
#[derive(Debug, Clone)]
pub struct PhaseWaker(pub AppState);

impl edge::Waker for PhaseWaker {
    async fn wake(&self, slug: &str) -> Result<(), DirectoryError> {
        let unavailable = |e: &dyn std::fmt::Display| DirectoryError(e.to_string());
        let record = self
            .0
            .db
            .instance_by_slug(slug)
            .await
            .map_err(|e| unavailable(&e))?;
        app::server::phases::wake(
            &self.0,
            &record,
            chrono::Utc::now(),
            "a visit to its address",
        )
        .await
        .map(drop)
        .map_err(|e| unavailable(&e))
    }
}
