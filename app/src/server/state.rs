//! What every request handler shares: the database, the edge, the engine and the identity
//! provider.

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
    /// The checked edge settings (instance addresses), when the edge is enabled.
    pub edge_setup: Option<edge::EdgeSetup>,
    /// The Swarm engine's lifecycle operations, when Plenum runs it (`engine.enabled`).
    pub engine: Option<engine::Engine>,
    /// The OpenID Connect provider (clients, tokens, signing keys).
    pub identity: identity::Provider,
    /// Limits on sign-in attempts.
    pub login_throttle: super::throttle::LoginThrottle,
    /// Proxies (such as the edge router) whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Outbound mail (off unless SMTP is configured).
    pub mailer: super::mail::Mailer,
    /// Admission of orders against the cluster's capacity.
    pub admissions: super::capacity::Admissions,
    /// Where instance backups are kept, encrypted.
    pub vault: std::sync::Arc<vault::Vault>,
    /// When instances are backed up and which backups are kept.
    pub backup_policy: domain::backup::schedule::BackupPolicy,
    /// Where staff are told about incidents.
    pub incidents: super::incidents::IncidentSettings,
    /// Outbound HTTP (incident webhooks); no redirects followed.
    pub http: reqwest::Client,
}
