//! Creating, updating and removing single Swarm objects.

use std::collections::HashMap;

use bollard::models::{NetworkCreateRequest, SecretSpec, ServiceSpec, VolumeCreateRequest};
use bollard::query_parameters::UpdateServiceOptions;
use domain::plan::Step;

use super::{Docker, DockerError, classify};

/// Treats "not found" as done (the object is already absent).
fn absent_is_ok(result: Result<(), bollard::errors::Error>) -> Result<(), bollard::errors::Error> {
    match result {
        Err(bollard::errors::Error::DockerResponseServerError {
            status_code: 404, ..
        }) => Ok(()),
        other => other,
    }
}

impl Docker {
    /// Creates a secret; returns its id. The error names the secret, never its value.
    pub async fn create_secret(&self, spec: SecretSpec) -> Result<String, DockerError> {
        let name = spec.name.clone().unwrap_or_default();
        self.count();
        self.client
            .create_secret(spec)
            .await
            .map(|r| r.id)
            .map_err(|e| classify(format!("create secret {name}"), e))
    }

    /// Creates a network; returns its id.
    pub async fn create_network(
        &self,
        request: NetworkCreateRequest,
    ) -> Result<String, DockerError> {
        let name = request.name.clone();
        self.count();
        self.client
            .create_network(request)
            .await
            .map(|r| r.id)
            .map_err(|e| classify(format!("create network {name}"), e))
    }

    /// Creates the shared edge network (an attachable overlay network, so the edge proxy
    /// can join it as a plain container) unless it exists.
    pub async fn ensure_edge_network(
        &self,
        name: &str,
        labels: HashMap<String, String>,
    ) -> Result<(), DockerError> {
        let request = NetworkCreateRequest {
            name: name.to_owned(),
            driver: Some("overlay".to_owned()),
            scope: Some("swarm".to_owned()),
            attachable: Some(true),
            labels: Some(labels),
            ..Default::default()
        };
        match self.create_network(request).await {
            Err(DockerError::Api { status: 409, .. }) => Ok(()),
            other => other.map(|_| ()),
        }
    }

    /// Creates a volume (Docker answers with the existing one if the name is taken).
    pub async fn create_volume(&self, request: VolumeCreateRequest) -> Result<(), DockerError> {
        let name = request.name.clone().unwrap_or_default();
        self.count();
        self.client
            .create_volume(request)
            .await
            .map(|_| ())
            .map_err(|e| classify(format!("create volume {name}"), e))
    }

    /// Creates a service; returns its id.
    pub async fn create_service(&self, spec: ServiceSpec) -> Result<String, DockerError> {
        let name = spec.name.clone().unwrap_or_default();
        self.count();
        self.client
            .create_service(spec, None)
            .await
            .map(|r| r.id.unwrap_or_default())
            .map_err(|e| classify(format!("create service {name}"), e))
    }

    /// Updates service `name` from `version` to `spec`. When Swarm answers that the
    /// version is out of date (someone changed the service since it was listed), the
    /// service is inspected for its current version index and the update sent once more.
    pub async fn update_service(
        &self,
        name: &str,
        version: u64,
        spec: ServiceSpec,
    ) -> Result<(), DockerError> {
        let action = format!("update service {name}");
        match self.update_service_at(name, version, spec.clone()).await {
            Err(DockerError::Api { message, .. }) if message.contains("out of sequence") => {
                self.count();
                let current = self
                    .client
                    .inspect_service(name, None)
                    .await
                    .map_err(|e| classify(format!("inspect service {name}"), e))?;
                let version = current.version.and_then(|v| v.index).unwrap_or(0);
                self.update_service_at(name, version, spec).await
            }
            other => other,
        }
        .map_err(|e| match e {
            DockerError::Api {
                status, message, ..
            } => DockerError::Api {
                action,
                status,
                message,
            },
            other => other,
        })
    }

    async fn update_service_at(
        &self,
        name: &str,
        version: u64,
        spec: ServiceSpec,
    ) -> Result<(), DockerError> {
        let version = i32::try_from(version).map_err(|_| DockerError::Api {
            action: format!("update service {name}"),
            status: 400,
            message: format!("version index {version} is out of range"),
        })?;
        self.count();
        self.client
            .update_service(
                name,
                spec,
                UpdateServiceOptions {
                    version,
                    ..Default::default()
                },
                None,
            )
            .await
            .map(|_| ())
            .map_err(|e| classify(format!("update service {name}"), e))
    }

    /// Applies a removal step; `Ok(false)` when `step` removes nothing.
    pub async fn remove(&self, step: &Step) -> Result<bool, DockerError> {
        match step {
            Step::RemoveService { name, id } | Step::RemoveMigrationJob { name, id } => {
                self.remove_service(name, id).await?
            }
            Step::RemoveSecret { name, id } => self.remove_secret(name, id).await?,
            Step::RemoveNetwork { name, id } => self.remove_network(name, id).await?,
            Step::RemoveVolume { name } => self.remove_volume(name).await?,
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Removes a service (absent is fine).
    pub async fn remove_service(&self, name: &str, id: &str) -> Result<(), DockerError> {
        self.count();
        absent_is_ok(self.client.delete_service(id).await)
            .map_err(|e| classify(format!("remove service {name}"), e))
    }

    /// Removes a secret (absent is fine).
    pub async fn remove_secret(&self, name: &str, id: &str) -> Result<(), DockerError> {
        self.count();
        absent_is_ok(self.client.delete_secret(id).await)
            .map_err(|e| classify(format!("remove secret {name}"), e))
    }

    /// Removes a network (absent is fine).
    pub async fn remove_network(&self, name: &str, id: &str) -> Result<(), DockerError> {
        self.count();
        absent_is_ok(self.client.remove_network(id).await)
            .map_err(|e| classify(format!("remove network {name}"), e))
    }

    /// Removes a volume (absent is fine).
    pub async fn remove_volume(&self, name: &str) -> Result<(), DockerError> {
        self.count();
        absent_is_ok(
            self.client
                .remove_volume(name, None::<bollard::query_parameters::RemoveVolumeOptions>)
                .await,
        )
        .map_err(|e| classify(format!("remove volume {name}"), e))
    }
}
