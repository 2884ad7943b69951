//! What the edge needs to know about instances, the trait through which it asks (and
//! reports their use), and the one through which it wakes hibernated ones.
//!
//! The store implements [`InstanceDirectory`] ([`crate::store_directory::StoreDirectory`]);
//! tests use an in-memory one.

use std::future::Future;

/// How the edge treats an instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InstanceState {
    /// Routed to its entry service at `upstream` (`host:port` on the edge network).
    Running {
        /// `<stack>_<entry service>:<port>`.
        upstream: String,
    },
    /// Being created or started: the "being prepared" page (503, refreshes itself).
    Preparing,
    /// Stopped on purpose: the "paused" page (503).
    Paused,
    /// Hibernated while unused: the "waking up" page (503, follows the wake), and a
    /// request wakes it.
    Hibernated,
    /// Exists but cannot be served (failed, being removed): the "unavailable" page (503).
    Unavailable,
}

/// One instance as the edge sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EdgeInstance {
    /// Its slug: it answers at `<slug>.<base domain>`.
    pub slug: String,
    /// Whether and where it is routed.
    pub state: InstanceState,
}

/// The instance directory could not answer (e.g. the database is down).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("instance directory unavailable: {0}")]
pub struct DirectoryError(pub String);

/// Where the edge looks instances up. Removed and erased instances are not listed: their
/// host names are unknown to the edge.
pub trait InstanceDirectory: Clone + Send + Sync + 'static {
    /// Every existing instance.
    fn instances(&self) -> impl Future<Output = Result<Vec<EdgeInstance>, DirectoryError>> + Send;

    /// The existing instance with `slug`, if any.
    fn instance(
        &self,
        slug: &str,
    ) -> impl Future<Output = Result<Option<EdgeInstance>, DirectoryError>> + Send;

    /// Records that the instances with `slugs` were in use just now (requests in flight).
    fn record_use(
        &self,
        slugs: &[String],
    ) -> impl Future<Output = Result<(), DirectoryError>> + Send;
}

/// Starts hibernated instances when someone visits them. Plenum's implementation goes
/// through its phase logic and engine.
pub trait Waker: Clone + Send + Sync + 'static {
    /// Wakes the hibernated instance `slug` (nothing when it is not hibernated any more).
    fn wake(&self, slug: &str) -> impl Future<Output = Result<(), DirectoryError>> + Send;
}
