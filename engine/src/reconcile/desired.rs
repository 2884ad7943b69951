//! What one instance should have in Swarm: its template rendered with the instance's
//! settings, the objects the plan compares with, and the specs the steps send.

use std::collections::{BTreeMap, HashMap};

use bollard::models::{
    EndpointPortConfig, EndpointPortConfigProtocolEnum, EndpointPortConfigPublishModeEnum,
    NetworkCreateRequest, SecretSpec, ServiceSpec, VolumeCreateRequest,
};
use domain::instance::Lifecycle;
use domain::plan::{DesiredObjects, DesiredService};
use domain::template::{
    MigrationStep, RenderContext, RenderedStack, ResourceAmounts, Template, render,
};
use store::{InstanceRecord, SecretValue};

use super::ReconcileError;
use crate::settings::{EngineSettings, EntryAccess};
use crate::spec::{
    BackupJob, LABEL_MANAGED, LABEL_TAG, MoveJob, SecretRefs, SpecError, SsoJob,
    add_installation_label, backup_job_spec, migration_job_name, migration_job_spec, move_job_spec,
    network_create_request, network_name, secret_name, secret_spec, service_name, service_spec,
    sso_job_spec, tagged_hash, volume_create_request, volume_name,
};

/// The variable that carries the digest of the single sign-on settings written into the
/// instance, on the services that read them only at start.
pub const SSO_SETTINGS_VARIABLE: &str = "PLENUM_SSO_SETTINGS";

/// Sets the phase's reservations per task on the services named in `reservations` (never
/// above a service's limit), recomputing their spec hashes: a new phase's reservations roll
/// the services like any other change of their spec.
fn reserve(stack: &mut RenderedStack, reservations: &BTreeMap<String, ResourceAmounts>) {
    for (short, wanted) in reservations {
        if let Some(service) = stack.services.get_mut(short) {
            let cap = |want: Option<i64>, limit: Option<i64>| match (want, limit) {
                (Some(w), Some(l)) => Some(w.min(l)),
                (w, _) => w,
            };
            service.reservations = ResourceAmounts {
                nano_cpus: cap(wanted.nano_cpus, service.limits.nano_cpus),
                memory_bytes: cap(wanted.memory_bytes, service.limits.memory_bytes),
            }
            .or(service.reservations);
            service.spec_hash = service.compute_spec_hash();
        }
    }
}

/// The placement constraints of every service of `record`: the settings', and the node it
/// lives on once placed (services and volumes stay together).
fn constraints(record: &InstanceRecord, settings: &EngineSettings) -> Vec<String> {
    let mut constraints = settings.placement_constraints.clone();
    if let Some(node) = &record.node_id {
        constraints.push(format!("node.id == {node}"));
    }
    constraints
}

/// One instance's desired Swarm objects and the means to build their specs.
pub struct DesiredStack {
    stack: RenderedStack,
    publish_entry: bool,
    lifecycle: Lifecycle,
    values: BTreeMap<String, SecretValue>,
    installation: String,
    tag: String,
    migration: Option<MigrationStep>,
}

impl DesiredStack {
    /// Renders `template` for `record` with the engine's settings. `values` are the
    /// instance's decrypted secrets, one for each of the template's secrets.
    pub fn build(
        record: &InstanceRecord,
        template: &Template,
        values: BTreeMap<String, SecretValue>,
        settings: &EngineSettings,
    ) -> Result<Self, ReconcileError> {
        let hostname = format!("{}.{}", record.slug, settings.base_domain);
        let ctx = RenderContext {
            instance_id: record.id,
            slug: record.slug.clone(),
            stack: record.stack(),
            public_url: settings.public_url(&hostname),
            oidc_issuer: settings.oidc_issuer.clone(),
            plenum_url: settings.plenum_url.clone(),
            hostname,
            tag: record.version.clone(),
            replicas: record.replicas.clone(),
            limits: record.limits.clone(),
            default_limits: settings.default_limits()?,
            extra_constraints: constraints(record, settings),
            endpoint_mode: settings.endpoint_mode,
            edge_network: settings.edge_network.clone(),
        };
        let mut stack = render(template, &ctx)?;
        reserve(&mut stack, &record.reservations);
        if record.lifecycle == Lifecycle::Stopped {
            // Same spec (and spec hash), no tasks.
            for service in stack.services.values_mut() {
                service.replicas = 0;
            }
        }
        Ok(Self {
            stack,
            publish_entry: settings.entry_access == EntryAccess::NodePort,
            lifecycle: record.lifecycle,
            values,
            installation: settings.installation_id.clone(),
            tag: record.version.clone(),
            migration: template.migration().cloned(),
        })
    }

    /// The rendered stack.
    pub fn stack(&self) -> &RenderedStack {
        &self.stack
    }

    /// The objects the plan should reach for the instance's lifecycle.
    pub fn objects(&self) -> Result<DesiredObjects, SpecError> {
        let name = &self.stack.stack;
        let secrets = || -> Result<BTreeMap<String, String>, SpecError> {
            self.values
                .iter()
                .filter(|(short, _)| self.stack.secrets.contains_key(*short))
                .map(|(short, value)| {
                    Ok((secret_name(name, short, value.expose())?, short.clone()))
                })
                .collect()
        };
        let volumes = || {
            self.stack
                .volumes
                .keys()
                .map(|short| (volume_name(name, short), short.clone()))
                .collect()
        };
        Ok(match self.lifecycle {
            Lifecycle::Running | Lifecycle::Stopped => DesiredObjects {
                services: self
                    .stack
                    .services
                    .iter()
                    .map(|(short, s)| {
                        let want = DesiredService {
                            short: short.clone(),
                            spec_hash: tagged_hash(&s.spec_hash, Some(&self.tag)),
                            replicas: s.replicas,
                        };
                        (service_name(name, short), want)
                    })
                    .collect(),
                networks: self
                    .stack
                    .networks
                    .keys()
                    .map(|short| (network_name(name, short), short.clone()))
                    .collect(),
                volumes: volumes(),
                secrets: secrets()?,
                edge_network: Some(self.stack.edge_network.clone()),
                create_missing: true,
            },
            Lifecycle::Removed => DesiredObjects {
                volumes: volumes(),
                secrets: secrets()?,
                ..Default::default()
            },
            Lifecycle::Erased => DesiredObjects::default(),
        })
    }

    fn labelled(&self, labels: &mut Option<HashMap<String, String>>) {
        add_installation_label(labels.get_or_insert_with(HashMap::new), &self.installation);
    }

    /// Labels the service and its containers with the installation, and the volumes its
    /// mounts create on a node that lacks them (any node but the one Plenum talks to).
    fn labelled_spec(&self, spec: &mut ServiceSpec) {
        self.labelled(&mut spec.labels);
        if let Some(container) = spec
            .task_template
            .as_mut()
            .and_then(|t| t.container_spec.as_mut())
        {
            self.labelled(&mut container.labels);
            for mount in container.mounts.iter_mut().flatten() {
                if let Some(options) = mount.volume_options.as_mut() {
                    self.labelled(&mut options.labels);
                }
            }
        }
    }

    /// The spec creating secret `short`.
    pub fn secret(&self, short: &str) -> Result<SecretSpec, ReconcileError> {
        let value = self
            .values
            .get(short)
            .ok_or_else(|| ReconcileError::MissingSecret(short.to_owned()))?;
        let mut spec = secret_spec(&self.stack, short, value.expose())?;
        self.labelled(&mut spec.labels);
        Ok(spec)
    }

    /// The request creating network `short`.
    pub fn network(&self, short: &str) -> Result<NetworkCreateRequest, SpecError> {
        let mut request = network_create_request(&self.stack, short)?;
        self.labelled(&mut request.labels);
        Ok(request)
    }

    /// The request creating volume `short`.
    pub fn volume(&self, short: &str) -> Result<VolumeCreateRequest, SpecError> {
        let mut request = volume_create_request(&self.stack, short)?;
        self.labelled(&mut request.labels);
        Ok(request)
    }

    /// The spec of service `short`, mounting the secrets in `refs`. Service and container
    /// labels carry the installation (containers so that Docker events can be filtered).
    /// With [`EntryAccess::NodePort`] the entry service publishes its port in host mode.
    pub fn service(&self, short: &str, refs: &SecretRefs) -> Result<ServiceSpec, SpecError> {
        let mut spec = service_spec(&self.stack, short, refs)?;
        self.labelled_spec(&mut spec);
        if self.publish_entry
            && short == self.stack.entry.service
            && let Some(endpoint) = spec.endpoint_spec.as_mut()
        {
            endpoint.ports = Some(vec![EndpointPortConfig {
                target_port: Some(i64::from(self.stack.entry.port)),
                protocol: Some(EndpointPortConfigProtocolEnum::TCP),
                publish_mode: Some(EndpointPortConfigPublishModeEnum::HOST),
                ..Default::default()
            }]);
        }
        if let Some(labels) = spec.labels.as_mut() {
            labels.insert(LABEL_TAG.to_owned(), self.tag.clone());
        }
        Ok(spec)
    }

    /// The tag the instance should run.
    pub fn tag(&self) -> &str {
        &self.tag
    }

    /// Whether the template declares a migration job for upgrades.
    pub fn declares_migration(&self) -> bool {
        self.migration.is_some()
    }

    /// The Swarm name of the job migrating to the desired tag.
    pub fn migration_job_name(&self) -> String {
        migration_job_name(&self.stack.stack, &self.tag)
    }

    /// The spec of the job migrating to the desired tag, mounting the secrets in `refs`;
    /// labelled like the services (installation on the job and its containers).
    pub fn migration_job(&self, refs: &SecretRefs) -> Result<ServiceSpec, ReconcileError> {
        let step = self.migration.as_ref().ok_or(ReconcileError::NoMigration)?;
        let spec = migration_job_spec(&self.stack, step, &self.tag, refs)?;
        Ok(self.labelled_job(spec))
    }

    /// The spec of one end of moving the instance's volumes (see [`move_job_spec`]);
    /// labelled like the migration job.
    pub fn move_job(&self, job: &MoveJob<'_>) -> Result<ServiceSpec, SpecError> {
        Ok(self.labelled_job(move_job_spec(&self.stack, job)?))
    }

    /// The spec of a backup or restore job, mounting the secrets in `refs`; labelled like
    /// the migration job.
    pub fn backup_job(
        &self,
        job: &BackupJob<'_>,
        refs: &SecretRefs,
    ) -> Result<ServiceSpec, SpecError> {
        Ok(self.labelled_job(backup_job_spec(&self.stack, job, refs)?))
    }

    /// Keeps only service `short` running (the others get no tasks, with the same spec):
    /// an instance in maintenance for a restore.
    pub fn keep_only(&mut self, short: &str) {
        for service in self.stack.services.values_mut() {
            if service.name != short {
                service.replicas = 0;
            }
        }
    }

    /// The spec of a SAML configuration job, mounting the secrets in `refs`; labelled like
    /// the migration job.
    pub fn sso_job(&self, job: &SsoJob<'_>, refs: &SecretRefs) -> Result<ServiceSpec, SpecError> {
        Ok(self.labelled_job(sso_job_spec(&self.stack, job, refs)?))
    }

    fn labelled_job(&self, mut spec: ServiceSpec) -> ServiceSpec {
        self.labelled_spec(&mut spec);
        spec
    }

    /// Gives `services` the digest of the single sign-on settings written into the instance
    /// (`PLENUM_SSO_SETTINGS`), so that their specs change, and they restart, when new
    /// settings have been written.
    pub fn carry_sso_settings(&mut self, services: &[String], digest: &str) {
        for short in services {
            if let Some(service) = self.stack.services.get_mut(short) {
                service
                    .environment
                    .insert(SSO_SETTINGS_VARIABLE.to_owned(), digest.to_owned());
                service.spec_hash = service.compute_spec_hash();
            }
        }
    }

    /// The labels of the shared edge network when Plenum creates it: managed by this
    /// installation, but no instance's (so it is never an orphan).
    pub fn edge_labels(&self) -> HashMap<String, String> {
        let mut labels = HashMap::from([(LABEL_MANAGED.to_owned(), "true".to_owned())]);
        add_installation_label(&mut labels, &self.installation);
        labels
    }

    /// The entry service's Swarm name, port and health path.
    pub fn entry(&self) -> (String, u16, &str) {
        let entry = &self.stack.entry;
        (
            service_name(&self.stack.stack, &entry.service),
            entry.port,
            &entry.health_path,
        )
    }
}
