//! Wiring: database, sessions, guards and the Leptos app into one axum router, and serving it.

use crate::config::{Settings, redact_url};
use crate::sessions::{self, DbSessionStore};
use crate::{csrf, health};
use app::server::AppState;
use app::{App, shell};
use axum::Router;
use axum::extract::FromRef;
use axum::http::{HeaderName, HeaderValue, Request};
use axum::routing::get;
use edge::StoreDirectory;
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes, generate_route_list};
use std::time::Duration;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

/// What the router's handlers share.
#[derive(Clone, Debug)]
pub struct ServerState {
    /// Leptos' rendering options.
    pub leptos: LeptosOptions,
    /// The app's shared state.
    pub app: AppState,
    /// The request counters and the token of `/metrics`.
    pub metrics: crate::metrics::Metrics,
}

impl FromRef<ServerState> for LeptosOptions {
    fn from_ref(state: &ServerState) -> Self {
        state.leptos.clone()
    }
}

/// Why Plenum could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The data directory could not be created.
    #[error("cannot create data directory {path}: {source}")]
    DataDir {
        /// The directory.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The database could not be opened or migrated.
    #[error("database {url}: {source}")]
    Database {
        /// The database URL, password redacted.
        url: String,
        /// The cause.
        source: store::StoreError,
    },
    /// The session table could not be created.
    #[error(transparent)]
    Sessions(#[from] sessions::SessionTableError),
    /// An `edge.*` setting cannot be used.
    #[error(transparent)]
    EdgeSettings(#[from] edge::SettingsError),
    /// The client of Caddy's admin API could not be set up.
    #[error(transparent)]
    EdgeClient(#[from] edge::caddy::CaddyError),
    /// The Swarm engine could not start (a setting or the key file).
    #[error(transparent)]
    Engine(#[from] engine::StartError),
    /// The key that encrypts secrets in the database could not be had.
    #[error(transparent)]
    SecretKey(#[from] crate::secret_key::KeyError),
    /// The OpenID Connect provider could not load or make its signing keys.
    #[error("identity provider: {0}")]
    Identity(#[from] identity::IdentityError),
    /// A `mail.*` setting cannot be used (e.g. the password file is missing).
    #[error(transparent)]
    Mail(#[from] app::server::mail::MailSettingsError),
    /// A `capacity.*` setting is out of range.
    #[error(transparent)]
    Capacity(#[from] domain::capacity::SettingError),
    /// The backup storage or its key could not be opened.
    #[error(transparent)]
    Vault(#[from] vault::VaultError),
    /// The outbound HTTP client could not be built.
    #[error("HTTP client: {0}")]
    Http(String),
    /// The metrics token file could not be read.
    #[error("metrics.token_file: {0}")]
    Metrics(std::io::Error),
}

/// How often the incident notifier looks for incidents to tell staff about.
const INCIDENT_NOTIFIER_PERIOD: Duration = Duration::from_secs(20);

/// How often the log scanner reads what running instances wrote (one call per service).
const LOG_SCANNER_PERIOD: Duration = Duration::from_secs(60);

/// How often the restore tester judges running restore tests and starts new ones.
const RESTORE_TESTER_PERIOD: Duration = Duration::from_secs(15);

/// How often the identity provider checks whether its signing key is due for rotation.
const IDENTITY_MAINTENANCE_PERIOD: Duration = Duration::from_secs(3600);

/// A started Plenum: its router and state, ready to serve.
pub struct Plenum {
    /// The complete router.
    pub router: Router,
    /// The shared state (tests use its database).
    pub state: AppState,
    /// The loop that provisions approved orders when their rental begins; it stops when
    /// this is dropped.
    pub order_scheduler: crate::scheduler::OrderScheduler,
    /// With `engine.enabled`: the Swarm engine (its controller stops when this is dropped).
    pub engine: Option<engine::RunningEngine>,
    /// The loop that rotates the provider's signing keys; it stops when this is dropped.
    pub identity_maintenance: crate::scheduler::Periodic,
    /// The loop that moves instances through their phases; it stops when this is dropped.
    pub phase_scheduler: crate::scheduler::Periodic,
    /// The loop that tells staff about incidents; it stops when this is dropped.
    pub incident_notifier: crate::scheduler::Periodic,
    /// The loop that runs and judges restore tests; it stops when this is dropped.
    pub restore_tester: crate::scheduler::Periodic,
    /// The loop that counts error lines in instances' logs; it stops when this is dropped.
    pub log_scanner: crate::scheduler::Periodic,
}

/// Opens the database (migrating it), the session store, and builds the router.
pub async fn start(settings: &Settings) -> Result<Plenum, StartError> {
    let db = open_database(settings).await?;
    let session_store = DbSessionStore::open(&db).await?;
    session_store
        .clone()
        .spawn_cleanup(Duration::from_secs(600));
    let secret_key = crate::secret_key::load(settings)?;
    let identity = identity::Provider::start(
        db.clone(),
        secret_key,
        &settings.public_url,
        settings.identity,
    )
    .await?;
    let mailer = app::server::mail::Mailer::new(&settings.mail)?;
    let vault = std::sync::Arc::new(vault::Vault::open(
        &settings.backup.under(&settings.data_dir),
    )?);
    let edge = start_edge(settings, &db)?;
    let engine = engine::start(db.clone(), &engine_settings(settings, &identity))?;
    if engine.is_some() {
        tracing::info!(installation = %settings.engine.installation_id, "Swarm engine started");
    }
    let state = AppState {
        db,
        orders: settings.orders,
        edge: edge.as_ref().map(|(_, handle)| handle.clone()),
        edge_setup: edge.as_ref().map(|(setup, _)| setup.clone()),
        engine: engine.as_ref().map(|running| running.engine.clone()),
        identity: identity.clone(),
        login_throttle: app::server::throttle::LoginThrottle::new(settings.login),
        trusted_proxies: settings.trusted_proxies.clone(),
        mailer,
        admissions: app::server::capacity::Admissions {
            rules: settings.capacity.rules().map_err(StartError::Capacity)?,
            phases: settings.phases,
            model: settings.capacity.model().map_err(StartError::Capacity)?,
            search_days: settings.capacity.search_days,
            node_lead_days: settings.capacity.node_lead_days,
        },
        vault,
        backup_policy: settings.backup_schedule,
        incidents: settings.incidents.clone(),
        http: reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| StartError::Http(e.to_string()))?,
    };
    let edge_routes = match edge {
        Some((setup, handle)) => edge::http::router(
            setup,
            StoreDirectory::new(state.db.clone()),
            crate::wake::PhaseWaker(state.clone()),
            handle,
        ),
        None => Router::new(),
    };
    let metrics = crate::metrics::Metrics::new(&settings.metrics).map_err(StartError::Metrics)?;
    let router = build_router(settings, state.clone(), metrics, session_store, edge_routes);
    let order_scheduler = crate::scheduler::spawn_order_scheduler(
        state.db.clone(),
        crate::scheduler::ORDER_SCHEDULER_PERIOD,
        app::server::orders::today,
    );
    let identity_maintenance =
        crate::scheduler::spawn_identity_maintenance(identity, IDENTITY_MAINTENANCE_PERIOD);
    let phase_scheduler = crate::scheduler::spawn_phase_scheduler(
        state.clone(),
        Duration::from_secs(u64::from(settings.phases.check_minutes) * 60),
        || chrono::Utc::now().naive_utc(),
    );
    let incident_notifier =
        crate::scheduler::spawn_incident_notifier(state.clone(), INCIDENT_NOTIFIER_PERIOD);
    let restore_tester =
        crate::scheduler::spawn_restore_tester(state.clone(), RESTORE_TESTER_PERIOD);
    let log_scanner = crate::scheduler::spawn_log_scanner(state.clone(), LOG_SCANNER_PERIOD);
    Ok(Plenum {
        incident_notifier,
        restore_tester,
        log_scanner,
        router,
        state,
        order_scheduler,
        engine,
        identity_maintenance,
        phase_scheduler,
    })
}

/// The engine's settings with what Plenum knows beyond `[engine]`: the OpenID Connect issuer
/// (`{{ oidc_issuer }}`) and, with the edge enabled, the HTTPS port instances are reached on.
fn engine_settings(settings: &Settings, identity: &identity::Provider) -> engine::EngineSettings {
    let mut engine = settings.engine.clone();
    engine.oidc_issuer = identity.issuer().to_owned();
    if settings.edge.enabled {
        engine.public_port = settings.edge.https_port;
    }
    engine
}

/// With `edge.enabled`: the checked edge settings and the running edge reconciler (it keeps
/// retrying while Caddy is unreachable; Plenum serves regardless).
fn start_edge(
    settings: &Settings,
    db: &store::Db,
) -> Result<Option<(edge::EdgeSetup, edge::EdgeHandle)>, StartError> {
    if !settings.edge.enabled {
        return Ok(None);
    }
    let setup = settings.edge.check()?;
    let reconciler = edge::Reconciler::new(setup.clone(), StoreDirectory::new(db.clone()))?;
    tracing::info!(
        caddy = %setup.caddy_admin_url,
        base_domain = %setup.base_domain,
        "edge reconciler started"
    );
    Ok(Some((setup, reconciler.spawn())))
}

/// Opens and migrates the database named by the settings.
pub async fn open_database(settings: &Settings) -> Result<store::Db, StartError> {
    if settings.database_url.as_deref().is_none_or(str::is_empty) {
        std::fs::create_dir_all(&settings.data_dir).map_err(|source| StartError::DataDir {
            path: settings.data_dir.display().to_string(),
            source,
        })?;
    }
    let url = settings.database_url();
    let database_error = |source| StartError::Database {
        url: redact_url(&url),
        source,
    };
    let db = store::Db::connect(&url).await.map_err(database_error)?;
    db.migrate().await.map_err(database_error)?;
    tracing::info!(database = %redact_url(&url), "database ready");
    Ok(db)
}

fn leptos_options(settings: &Settings) -> LeptosOptions {
    LeptosOptions::builder()
        .output_name("plenum")
        .site_root(settings.site_dir.display().to_string())
        .site_pkg_dir("pkg")
        .site_addr(settings.listen)
        .build()
}

fn build_router(
    settings: &Settings,
    state: AppState,
    metrics: crate::metrics::Metrics,
    session_store: DbSessionStore,
    edge_routes: Router<ServerState>,
) -> Router {
    let leptos = leptos_options(settings);
    let routes = generate_route_list(App);
    let context_state = state.clone();
    let audit_state = state.clone();
    let provide_state = move || provide_context(context_state.clone());
    let server_state = ServerState {
        leptos: leptos.clone(),
        app: state,
        metrics: metrics.clone(),
    };
    let x_request_id = HeaderName::from_static("x-request-id");
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(crate::metrics::scrape))
        .merge(edge_routes)
        .merge(crate::instance_stream::router())
        .merge(crate::instance_logs::router())
        .merge(crate::oidc::router())
        .merge(crate::upstream::router())
        .merge(crate::saml::router())
        .merge(crate::backups::router())
        .leptos_routes_with_context(&server_state, routes, provide_state.clone(), {
            let leptos = leptos.clone();
            move || shell(leptos.clone())
        })
        // The not-found page renders the whole app, whose navigation asks who is signed in.
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            ServerState,
            _,
        >(provide_state, shell))
        .with_state(server_state)
        // Runs after routing (the route's pattern is known), around every route.
        .layer(axum::middleware::from_fn_with_state(
            metrics,
            crate::metrics::track,
        ))
        .layer(axum::middleware::from_fn_with_state(
            audit_state,
            crate::audit::record,
        ))
        .layer(axum::middleware::from_fn(csrf::guard))
        .layer(sessions::layer(session_store, settings))
        .layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static("x-content-type-options"),
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static("x-frame-options"),
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static("referrer-policy"),
            HeaderValue::from_static("same-origin"),
        ))
        .layer(
            TraceLayer::new_for_http().make_span_with(|request: &Request<_>| {
                let request_id = request
                    .headers()
                    .get("x-request-id")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("-");
                // The path only: query strings may carry tokens.
                tracing::info_span!(
                    "http",
                    method = %request.method(),
                    path = %request.uri().path(),
                    request_id = %request_id,
                )
            }),
        )
        .layer(PropagateRequestIdLayer::new(x_request_id.clone()))
        .layer(SetRequestIdLayer::new(x_request_id, MakeRequestUuid))
}

/// Serves `router` on `listener` until the process is told to stop (Ctrl-C or SIGTERM).
pub async fn serve(listener: tokio::net::TcpListener, router: Router) -> std::io::Result<()> {
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
