//! What every request handler shares: the database, and later the engine.

use store::Db;

/// Shared state, provided to every server function through Leptos' context.
#[derive(Clone, Debug)]
pub struct AppState {
    /// Plenum's database.
    pub db: Db,
    /// The ordering settings (maximum rental length, auto-approval).
    pub orders: super::orders::OrderSettings,
    /// The edge router's reconciler, when Plenum configures one (`edge.enabled`).
    pub edge: Option<edge::EdgeHandle>,
}
