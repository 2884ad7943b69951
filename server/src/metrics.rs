//! `/metrics` in the OpenMetrics text format Prometheus scrapes, for the bearer of the token
//! in `metrics.token_file` (without one the endpoint does not exist): HTTP request
//! durations (by method, route and status class), the engine's reconcile passes and their
//! durations, its Docker API calls, instances by status and phase, the edge's state, the
//! age of each instance's newest backup, and each running instance's CPU and working-set
//! memory (the engine's latest sample). What comes from the database is read at scrape
//! time, so a scrape costs two queries; usage comes from memory.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use serde::{Deserialize, Serialize};

use crate::router::ServerState;

/// The `[metrics]` settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsSettings {
    /// A file holding the token scrapers present (`Authorization: Bearer`); without it
    /// `/metrics` answers 404.
    pub token_file: Option<PathBuf>,
}

/// The labels of an HTTP request.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    /// The route's pattern (`/api/{*fn}` style), never the raw path.
    route: String,
    /// `2xx`, `3xx`, `4xx` or `5xx`.
    status: String,
}

/// What the server counts between scrapes, and the token.
#[derive(Debug, Clone)]
pub struct Metrics {
    requests: Family<RequestLabels, Histogram>,
    token: Option<Arc<str>>,
}

impl Metrics {
    /// Reads the token file, if one is set.
    pub fn new(settings: &MetricsSettings) -> Result<Self, std::io::Error> {
        let token = match &settings.token_file {
            Some(path) => {
                let token = std::fs::read_to_string(path)?.trim().to_owned();
                if token.is_empty() {
                    return Err(std::io::Error::other(format!(
                        "metrics.token_file {} is empty",
                        path.display()
                    )));
                }
                Some(Arc::from(token))
            }
            None => None,
        };
        Ok(Self {
            requests: Family::new_with_constructor(|| {
                Histogram::new(exponential_buckets(0.001, 2.0, 14))
            }),
            token,
        })
    }
}

/// Times every request (the middleware).
pub async fn track(State(metrics): State<Metrics>, request: Request, next: Next) -> Response {
    let method = request.method().as_str().to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "(other)".to_owned(), |p| p.as_str().to_owned());
    let started = Instant::now();
    let response = next.run(request).await;
    let status = format!("{}xx", response.status().as_u16() / 100);
    metrics
        .requests
        .get_or_create(&RequestLabels {
            method,
            route,
            status,
        })
        .observe(started.elapsed().as_secs_f64());
    response
}

fn presents(headers: &HeaderMap, token: &str) -> bool {
    crate::bearer::bearer(headers).is_some_and(|presented| {
        identity::secrets::token_hash(presented) == identity::secrets::token_hash(token)
    })
}

/// `GET /metrics`.
pub async fn scrape(State(server): State<ServerState>, headers: HeaderMap) -> Response {
    let metrics = &server.metrics;
    let Some(token) = &metrics.token else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if !presents(&headers, token) {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"))],
            "Present the metrics token.",
        )
            .into_response();
    }
    match render(&server.app, metrics).await {
        Ok(text) => (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static(
                    "application/openmetrics-text; version=1.0.0; charset=utf-8",
                ),
            )],
            text,
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "metrics could not be gathered");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Metrics could not be gathered.",
            )
                .into_response()
        }
    }
}

/// Why a scrape failed.
#[derive(Debug, thiserror::Error)]
enum ScrapeError {
    #[error(transparent)]
    Store(#[from] store::StoreError),
    #[error("encoding: {0}")]
    Encode(#[from] std::fmt::Error),
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct InstanceLabels {
    status: String,
    phase: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct SlugLabel {
    instance: String,
}

async fn render(state: &app::server::AppState, metrics: &Metrics) -> Result<String, ScrapeError> {
    let mut registry = Registry::with_prefix("plenum");
    registry.register(
        "http_request_duration_seconds",
        "HTTP requests by method, route and status class",
        metrics.requests.clone(),
    );
    if let Some(engine) = &state.engine {
        let (engine, docker_calls) = engine.metrics();
        registry.register(
            "reconcile_passes",
            "Reconcile passes by outcome",
            engine.passes,
        );
        registry.register(
            "reconcile_pass_duration_seconds",
            "Durations of reconcile passes",
            engine.pass_seconds,
        );
        let calls = Counter::<u64>::default();
        calls.inc_by(docker_calls);
        registry.register(
            "docker_api_calls",
            "Docker API calls made by the engine",
            calls,
        );
    }
    let instances = state.db.all_instances().await?;
    let by_status = Family::<InstanceLabels, Gauge>::default();
    let slugs: std::collections::BTreeMap<i64, String> =
        instances.iter().map(|i| (i.id, i.slug.clone())).collect();
    for instance in &instances {
        by_status
            .get_or_create(&InstanceLabels {
                status: instance.status.to_string(),
                phase: instance
                    .phase
                    .map_or_else(|| "none".to_owned(), |p| p.as_str().to_owned()),
            })
            .inc();
    }
    registry.register(
        "instances",
        "Instances by observed status and phase",
        by_status,
    );
    let backup_age = Family::<SlugLabel, Gauge<f64, std::sync::atomic::AtomicU64>>::default();
    let now = Utc::now();
    for backup in state.db.newest_stored_backups().await? {
        let (Some(slug), Some(at)) = (slugs.get(&backup.instance_id), backup.finished_at) else {
            continue;
        };
        let age = (now - at).num_milliseconds() as f64 / 1000.0;
        backup_age
            .get_or_create(&SlugLabel {
                instance: slug.clone(),
            })
            .set(age);
    }
    registry.register(
        "backup_age_seconds",
        "Seconds since each instance's newest stored backup finished",
        backup_age,
    );
    if let Some(engine) = &state.engine {
        let cpu = Family::<SlugLabel, Gauge<f64, std::sync::atomic::AtomicU64>>::default();
        let memory = Family::<SlugLabel, Gauge>::default();
        for (id, sample) in engine.latest_usage() {
            let Some(slug) = slugs.get(&id) else { continue };
            let label = SlugLabel {
                instance: slug.clone(),
            };
            if let Some(cores) = sample.cpu_cores {
                cpu.get_or_create(&label).set(cores);
            }
            memory
                .get_or_create(&label)
                .set(i64::try_from(sample.memory_bytes).unwrap_or(i64::MAX));
        }
        registry.register(
            "instance_cpu_cores",
            "CPU cores each running instance used between the last two samples",
            cpu,
        );
        registry.register(
            "instance_memory_working_set_bytes",
            "Each running instance's working-set memory (usage minus inactive file cache)",
            memory,
        );
    }
    if let Some(edge) = &state.edge {
        let status = edge.status();
        let routes = Gauge::<i64>::default();
        routes.set(i64::try_from(status.routes).unwrap_or(i64::MAX));
        registry.register("edge_routes", "Instance routes in Caddy", routes);
        let failures = Gauge::<i64>::default();
        failures.set(i64::from(status.consecutive_failures));
        registry.register(
            "edge_consecutive_failures",
            "Failed edge passes since the last success",
            failures,
        );
    }
    let mut text = String::new();
    encode(&mut text, &registry)?;
    Ok(text)
}
