//! A thin client of Caddy's admin API: read the running configuration, load a new one,
//! read one object by `@id`, read the requests in flight per upstream.
//!
//! Errors separate "Caddy could not be reached" (retry later) from "Caddy answered no"
//! (the configuration is wrong; retrying the same one will not help).

use std::time::Duration;

use serde_json::Value;

/// How long to wait for a TCP connection to the admin API.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// How long one admin request may take (a load provisions every app before it answers).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Why an admin API call failed.
#[derive(Debug, thiserror::Error)]
pub enum CaddyError {
    /// No answer: Caddy is down, restarting, or the address is wrong.
    #[error("Caddy's admin API at {url} is unreachable: {reason}")]
    Unreachable {
        /// The admin API's base URL.
        url: String,
        /// What the connection attempt said.
        reason: String,
    },
    /// Caddy answered with an error status, e.g. it refused a configuration.
    #[error("Caddy refused {what} with status {status}: {message}")]
    Rejected {
        /// The request, e.g. `POST /load`.
        what: String,
        /// The HTTP status.
        status: u16,
        /// Caddy's message.
        message: String,
    },
    /// Caddy answered with something that is not what the API promises.
    #[error("unexpected answer from Caddy to {what}: {reason}")]
    Invalid {
        /// The request.
        what: String,
        /// What was wrong with the answer.
        reason: String,
    },
}

impl CaddyError {
    /// Whether Caddy could not be reached at all.
    pub fn is_unreachable(&self) -> bool {
        matches!(self, CaddyError::Unreachable { .. })
    }
}

/// One upstream of Caddy's reverse proxy and the requests it has in flight.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct UpstreamLoad {
    /// The dial address, `host:port`.
    pub address: String,
    /// Requests in flight now (an open OpenSlides client holds its autoupdate stream).
    pub num_requests: u64,
}

/// A client of one Caddy admin API.
#[derive(Debug, Clone)]
pub struct CaddyAdmin {
    base: String,
    http: reqwest::Client,
}

impl CaddyAdmin {
    /// A client for the admin API at `base_url` (`http://host:port`).
    pub fn new(base_url: &str) -> Result<Self, CaddyError> {
        let http = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| CaddyError::Invalid {
                what: "client set-up".to_owned(),
                reason: e.to_string(),
            })?;
        Ok(Self {
            base: base_url.trim_end_matches('/').to_owned(),
            http,
        })
    }

    /// The admin API's base URL.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// The running configuration (`GET /config/`); `null` when Caddy has none.
    pub async fn config(&self) -> Result<Value, CaddyError> {
        self.get_json("/config/").await
    }

    /// The configuration object with `@id` `id` (`GET /id/<id>`), or `None` if there is none.
    pub async fn by_id(&self, id: &str) -> Result<Option<Value>, CaddyError> {
        match self.get_json(&format!("/id/{id}")).await {
            Ok(value) => Ok(Some(value)),
            Err(CaddyError::Rejected { status: 404, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The reverse proxy's upstreams with the requests each has in flight
    /// (`GET /reverse_proxy/upstreams`).
    pub async fn upstreams(&self) -> Result<Vec<UpstreamLoad>, CaddyError> {
        let what = "GET /reverse_proxy/upstreams";
        let value = self.get_json("/reverse_proxy/upstreams").await?;
        serde_json::from_value(value).map_err(|e| CaddyError::Invalid {
            what: what.to_owned(),
            reason: e.to_string(),
        })
    }

    /// Replaces the whole configuration (`POST /load`). Caddy applies it atomically (the old
    /// one keeps running if the new one fails) and does nothing if it is unchanged.
    pub async fn load(&self, config: &Value) -> Result<(), CaddyError> {
        let what = "POST /load";
        let response = self
            .http
            .post(format!("{}/load", self.base))
            .json(config)
            .send()
            .await
            .map_err(|e| self.unreachable(&e))?;
        Self::check(what, response).await.map(drop)
    }

    async fn get_json(&self, path: &str) -> Result<Value, CaddyError> {
        let what = format!("GET {path}");
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .map_err(|e| self.unreachable(&e))?;
        let response = Self::check(&what, response).await?;
        response.json().await.map_err(|e| CaddyError::Invalid {
            what,
            reason: e.to_string(),
        })
    }

    async fn check(
        what: &str,
        response: reqwest::Response,
    ) -> Result<reqwest::Response, CaddyError> {
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let body = response.text().await.unwrap_or_default();
        // Caddy's errors are `{"error": "..."}`.
        let message = serde_json::from_str::<Value>(&body)
            .ok()
            .and_then(|v| v.get("error").and_then(Value::as_str).map(str::to_owned))
            .unwrap_or(body);
        Err(CaddyError::Rejected {
            what: what.to_owned(),
            status: status.as_u16(),
            message: message.trim().to_owned(),
        })
    }

    fn unreachable(&self, error: &reqwest::Error) -> CaddyError {
        let reason = if error.is_timeout() {
            "timed out".to_owned()
        } else if error.is_connect() {
            format!("cannot connect ({})", root_cause(error))
        } else {
            root_cause(error)
        };
        CaddyError::Unreachable {
            url: self.base.clone(),
            reason,
        }
    }
}

fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = error;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}
