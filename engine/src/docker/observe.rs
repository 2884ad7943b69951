//! Finding Plenum's objects: one list call per object kind, filtered by label, grouped by
//! instance and converted into [`ObservedObjects`].

use std::collections::{BTreeMap, HashMap};

use bollard::models::ServiceUpdateStatusStateEnum;
use bollard::query_parameters::{
    ListNetworksOptions, ListSecretsOptions, ListServicesOptions, ListVolumesOptions,
};
use domain::plan::{ObservedObject, ObservedObjects, ObservedService};

use super::{Docker, DockerError, classify};
use crate::spec::{
    LABEL_BACKUP, LABEL_INSTALLATION, LABEL_INSTANCE, LABEL_MANAGED, LABEL_MIGRATION, LABEL_MOVE,
    LABEL_RESTORE, LABEL_SPEC_HASH, LABEL_SSO_SETTINGS, LABEL_TAG, tagged_hash,
};

/// The state of a service's rolling update, as Swarm reports it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceUpdate {
    /// An update or its rollback is in progress.
    pub updating: bool,
    /// Swarm's message about the last update (why it rolled back).
    pub message: Option<String>,
}

/// An upgrade's migration job (a `replicated-job` service), before its tasks are read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobObject {
    /// Swarm name.
    pub name: String,
    /// Swarm id.
    pub id: String,
    /// Its label's value: the tag a migration job migrates to, or the digest of the
    /// settings a SAML configuration job writes.
    pub tag: String,
}

/// What one instance has in Swarm.
#[derive(Debug, Clone, Default)]
pub struct Observation {
    /// Its objects, for the plan (migration jobs are not among its services).
    pub objects: ObservedObjects,
    /// Update state by service name.
    pub updates: BTreeMap<String, ServiceUpdate>,
    /// The tag label of each service that has one, by service name.
    pub tags: BTreeMap<String, String>,
    /// Its migration jobs.
    pub jobs: Vec<JobObject>,
    /// Its SAML configuration jobs.
    pub sso_jobs: Vec<JobObject>,
    /// The jobs moving its volumes to another node (the label's value: that node's id).
    pub move_jobs: Vec<JobObject>,
    /// Its backup jobs (the label's value: the backup's id).
    pub backup_jobs: Vec<JobObject>,
    /// Its restore jobs (the label's value: the id of the backup they restore).
    pub restore_jobs: Vec<JobObject>,
}

impl Observation {
    /// Every one-off job of the instance, of every kind.
    pub fn one_off_jobs(&self) -> impl Iterator<Item = &JobObject> {
        [
            &self.jobs,
            &self.sso_jobs,
            &self.move_jobs,
            &self.backup_jobs,
            &self.restore_jobs,
        ]
        .into_iter()
        .flatten()
    }
}

type Filters = HashMap<String, Vec<String>>;

fn filters(installation: &str, instance: Option<i64>) -> Filters {
    let mut labels = vec![
        format!("{LABEL_MANAGED}=true"),
        format!("{LABEL_INSTALLATION}={installation}"),
    ];
    if let Some(id) = instance {
        labels.push(format!("{LABEL_INSTANCE}={id}"));
    }
    HashMap::from([("label".to_owned(), labels)])
}

fn instance_of(labels: Option<&HashMap<String, String>>) -> Option<i64> {
    labels?.get(LABEL_INSTANCE)?.parse().ok()
}

impl Docker {
    /// The objects of one instance of this installation.
    pub async fn observe(&self, installation: &str, id: i64) -> Result<Observation, DockerError> {
        let mut all = self.observe_scoped(installation, Some(id)).await?;
        Ok(all.remove(&id).unwrap_or_default())
    }

    /// Every instance's objects of this installation, by instance id (for orphans).
    pub async fn observe_all(
        &self,
        installation: &str,
    ) -> Result<BTreeMap<i64, Observation>, DockerError> {
        self.observe_scoped(installation, None).await
    }

    async fn observe_scoped(
        &self,
        installation: &str,
        instance: Option<i64>,
    ) -> Result<BTreeMap<i64, Observation>, DockerError> {
        let filters = filters(installation, instance);
        let mut out: BTreeMap<i64, Observation> = BTreeMap::new();

        self.count();
        let services = self
            .client
            .list_services(Some(ListServicesOptions {
                filters: Some(filters.clone()),
                status: None,
            }))
            .await
            .map_err(|e| classify("list services", e))?;
        for service in services {
            let spec = service.spec.unwrap_or_default();
            let labels = spec.labels.unwrap_or_default();
            let (Some(id), Some(name), Some(instance)) =
                (service.id, spec.name, instance_of(Some(&labels)))
            else {
                continue;
            };
            let entry = out.entry(instance).or_default();
            // One-off jobs, by the label that marks their kind (its value: their tag).
            let job = [
                (LABEL_MIGRATION, &mut entry.jobs),
                (LABEL_MOVE, &mut entry.move_jobs),
                (LABEL_SSO_SETTINGS, &mut entry.sso_jobs),
                (LABEL_BACKUP, &mut entry.backup_jobs),
                (LABEL_RESTORE, &mut entry.restore_jobs),
            ]
            .into_iter()
            .find_map(|(label, jobs)| labels.get(label).map(|tag| (tag.clone(), jobs)));
            if let Some((tag, jobs)) = job {
                jobs.push(JobObject { name, id, tag });
                continue;
            }
            if let Some(tag) = labels.get(LABEL_TAG) {
                entry.tags.insert(name.clone(), tag.clone());
            }
            let state = service.update_status.as_ref().and_then(|u| u.state);
            entry.updates.insert(
                name.clone(),
                ServiceUpdate {
                    updating: matches!(
                        state,
                        Some(
                            ServiceUpdateStatusStateEnum::UPDATING
                                | ServiceUpdateStatusStateEnum::ROLLBACK_STARTED
                        )
                    ),
                    message: service.update_status.and_then(|u| u.message),
                },
            );
            entry.objects.services.push(ObservedService {
                name,
                id,
                version: service.version.and_then(|v| v.index).unwrap_or(0),
                spec_hash: labels
                    .get(LABEL_SPEC_HASH)
                    .map(|hash| tagged_hash(hash, labels.get(LABEL_TAG).map(String::as_str))),
                replicas: spec
                    .mode
                    .and_then(|m| m.replicated)
                    .and_then(|r| r.replicas.and_then(|n| u64::try_from(n).ok())),
                // Swarm reverts the spec when a rollback starts, not when it completes.
                rolled_back: matches!(
                    state,
                    Some(
                        ServiceUpdateStatusStateEnum::ROLLBACK_STARTED
                            | ServiceUpdateStatusStateEnum::ROLLBACK_PAUSED
                            | ServiceUpdateStatusStateEnum::ROLLBACK_COMPLETED
                    )
                ),
            });
        }

        self.count();
        let networks = self
            .client
            .list_networks(Some(ListNetworksOptions {
                filters: Some(filters.clone()),
            }))
            .await
            .map_err(|e| classify("list networks", e))?;
        for network in networks {
            if let (Some(id), Some(name), Some(instance)) = (
                network.id,
                network.name,
                instance_of(network.labels.as_ref()),
            ) {
                let objects = &mut out.entry(instance).or_default().objects;
                objects.networks.push(ObservedObject { name, id });
            }
        }

        self.count();
        let volumes = self
            .client
            .list_volumes(Some(ListVolumesOptions {
                filters: Some(filters.clone()),
            }))
            .await
            .map_err(|e| classify("list volumes", e))?;
        for volume in volumes.volumes.unwrap_or_default() {
            if let Some(instance) = instance_of(Some(&volume.labels)) {
                let objects = &mut out.entry(instance).or_default().objects;
                objects.volumes.push(ObservedObject {
                    id: volume.name.clone(),
                    name: volume.name,
                });
            }
        }

        self.count();
        let secrets = self
            .client
            .list_secrets(Some(ListSecretsOptions {
                filters: Some(filters),
            }))
            .await
            .map_err(|e| classify("list secrets", e))?;
        for secret in secrets {
            let spec = secret.spec.unwrap_or_default();
            if let (Some(id), Some(name), Some(instance)) =
                (secret.id, spec.name, instance_of(spec.labels.as_ref()))
            {
                let objects = &mut out.entry(instance).or_default().objects;
                objects.secrets.push(ObservedObject { name, id });
            }
        }
        for observation in out.values_mut() {
            let objects = &mut observation.objects;
            objects.services.sort_by(|a, b| a.name.cmp(&b.name));
            objects.networks.sort_by(|a, b| a.name.cmp(&b.name));
            objects.volumes.sort_by(|a, b| a.name.cmp(&b.name));
            objects.secrets.sort_by(|a, b| a.name.cmp(&b.name));
            for jobs in [
                &mut observation.jobs,
                &mut observation.sso_jobs,
                &mut observation.move_jobs,
                &mut observation.backup_jobs,
                &mut observation.restore_jobs,
            ] {
                jobs.sort_by(|a, b| a.name.cmp(&b.name));
            }
        }
        Ok(out)
    }

    /// Whether a network of this name exists (the shared edge network).
    pub async fn network_exists(&self, name: &str) -> Result<bool, DockerError> {
        self.count();
        match self.client.inspect_network(name, None).await {
            Ok(_) => Ok(true),
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            }) => Ok(false),
            Err(e) => Err(classify(format!("inspect network {name}"), e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_scope_by_installation_and_instance() {
        let f = filters("test-1", Some(7));
        assert_eq!(
            f["label"],
            vec![
                "org.plenum.managed=true",
                "org.plenum.installation=test-1",
                "org.plenum.instance=7"
            ]
        );
        assert_eq!(filters("x", None)["label"].len(), 2);
    }

    #[test]
    fn instance_labels_parse() {
        let labels = HashMap::from([(LABEL_INSTANCE.to_owned(), "12".to_owned())]);
        assert_eq!(instance_of(Some(&labels)), Some(12));
        let bad = HashMap::from([(LABEL_INSTANCE.to_owned(), "x".to_owned())]);
        assert_eq!(instance_of(Some(&bad)), None);
        assert_eq!(instance_of(None), None);
    }
}
