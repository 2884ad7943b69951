//! The bollard adapter: a thin typed newtype over [`bollard::Docker`].
//!
//! It finds Plenum's objects by label only (one list call per object kind), converts them
//! into [`domain::plan`]'s observed types, creates, updates and removes single objects
//! (404 on removal = already absent, 409 on creation of the shared edge network = already
//! there), and counts every API call it makes ([`Docker::api_calls`]). Every error names
//! the action and the object it concerns; no error carries a secret's value.

mod events;
mod logs;
mod nodes;
mod objects;
mod observe;
mod stats;
mod tasks;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bollard::ClientVersion;
use thiserror::Error;

use crate::settings::{DockerEndpoint, EngineSettings};

pub use logs::{LogLine, LogWindow};
pub use nodes::NodeChange;
pub use observe::{JobObject, Observation, ServiceUpdate};
pub use tasks::{TaskInfo, job_states, service_tasks};

/// A failed Docker API call.
#[derive(Debug, Error)]
pub enum DockerError {
    /// The client could not be set up (bad endpoint or TLS files).
    #[error("cannot use Docker endpoint {endpoint}: {message}")]
    Connect {
        /// The endpoint as configured.
        endpoint: String,
        /// Why.
        message: String,
    },
    /// The engine did not answer (down, socket missing, timeout, connection cut).
    #[error("Docker engine unreachable while trying to {action}: {message}")]
    Unreachable {
        /// What was attempted, with the object's name.
        action: String,
        /// The transport error.
        message: String,
    },
    /// The engine answered with an error status.
    #[error("Docker refused to {action} (HTTP {status}): {message}")]
    Api {
        /// What was attempted, with the object's name.
        action: String,
        /// The HTTP status.
        status: u16,
        /// Docker's message.
        message: String,
    },
}

impl DockerError {
    /// Whether the engine could not be reached at all.
    pub fn is_unreachable(&self) -> bool {
        matches!(self, DockerError::Unreachable { .. })
    }

    /// Whether Docker refused because the object is still in use (a network with endpoints,
    /// a volume mounted by a container that is being removed): worth retrying shortly.
    pub fn is_in_use(&self) -> bool {
        match self {
            DockerError::Api {
                status, message, ..
            } => *status == 409 || (*status >= 400 && message.contains("in use")),
            _ => false,
        }
    }
}

/// Converts a bollard error for `action`.
pub(crate) fn classify(action: impl Into<String>, error: bollard::errors::Error) -> DockerError {
    use bollard::errors::Error as B;
    let action = action.into();
    match error {
        B::DockerResponseServerError {
            status_code,
            message,
        } => DockerError::Api {
            action,
            status: status_code,
            message,
        },
        other => DockerError::Unreachable {
            action,
            message: other.to_string(),
        },
    }
}

/// The API version spoken before [`Docker::negotiate`]: 1.41 (Docker 20.10, Debian 12's),
/// which has every Swarm call the engine makes and which newer engines still accept.
const API_VERSION: &ClientVersion = &ClientVersion {
    major_version: 1,
    minor_version: 41,
};

/// The Docker engine, with a counter of API calls made through this handle and its clones.
#[derive(Debug, Clone)]
pub struct Docker {
    client: bollard::Docker,
    calls: Arc<AtomicU64>,
}

impl Docker {
    /// A client for the configured endpoint. Connecting is lazy: nothing is sent until the
    /// first call, so Plenum starts while the engine is down.
    pub fn connect(settings: &EngineSettings) -> Result<Self, DockerError> {
        let timeout = settings.docker_timeout_seconds;
        let parsed = settings
            .docker_endpoint()
            .map_err(|e| DockerError::Connect {
                endpoint: settings.docker_host.clone(),
                message: e.to_string(),
            })?;
        let client = match &parsed {
            DockerEndpoint::Socket(path) => bollard::Docker::connect_with_socket(
                &path.display().to_string(),
                timeout,
                API_VERSION,
            ),
            DockerEndpoint::Tcp { address, tls: None } => {
                bollard::Docker::connect_with_http(address, timeout, API_VERSION)
            }
            DockerEndpoint::Tcp {
                address,
                tls: Some(files),
            } => bollard::Docker::connect_with_ssl(
                address,
                &files.key,
                &files.cert,
                &files.ca,
                timeout,
                API_VERSION,
            ),
        };
        let endpoint = settings.docker_host.clone();
        let client = client.map_err(|e| DockerError::Connect {
            endpoint,
            message: e.to_string(),
        })?;
        Ok(Self {
            client,
            calls: Arc::new(AtomicU64::new(0)),
        })
    }

    /// Agrees on the API version with the engine (Debian's Docker 20.10 speaks 1.41), and
    /// checks that it is a Swarm manager.
    pub async fn negotiate(self) -> Result<Self, DockerError> {
        self.count();
        let client = self
            .client
            .clone()
            .negotiate_version()
            .await
            .map_err(|e| classify("negotiate the API version", e))?;
        let docker = Self {
            client,
            calls: self.calls,
        };
        docker.count();
        let info = docker
            .client
            .info()
            .await
            .map_err(|e| classify("read the engine's info", e))?;
        let manager = info
            .swarm
            .and_then(|s| s.control_available)
            .unwrap_or(false);
        if !manager {
            return Err(DockerError::Api {
                action: "use Swarm".to_owned(),
                status: 503,
                message: "the engine is not a Swarm manager (run `docker swarm init`)".to_owned(),
            });
        }
        Ok(docker)
    }

    /// API calls made so far through this handle and its clones.
    pub fn api_calls(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }

    fn count(&self) {
        self.calls.fetch_add(1, Ordering::Relaxed);
    }

    /// The bollard client (for the events stream).
    pub(crate) fn client(&self) -> &bollard::Docker {
        self.count();
        &self.client
    }
}
