//! Tasks of services, what they say about each service, and the addresses at which the
//! host reaches task containers.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;

use bollard::models::TaskState;
use bollard::query_parameters::ListTasksOptions;
use domain::instance::ServiceTasks;
use domain::plan::migration::{JobState, ObservedJob, lost};

use super::{Docker, DockerError, JobObject, ServiceUpdate, classify};

/// One task, reduced to what the status needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskInfo {
    /// The task's id.
    pub id: String,
    /// The service's id.
    pub service_id: String,
    /// Swarm's version index of the task (later tasks have higher ones).
    pub version: u64,
    /// Running, and meant to run.
    pub running: bool,
    /// Its container still runs though Swarm has told it to shut down (its stop grace
    /// period): it may still answer requests.
    pub stopping: bool,
    /// Failed or rejected.
    pub failed: bool,
    /// Exited with status 0 (a job's task).
    pub completed: bool,
    /// The task's error message.
    pub error: Option<String>,
    /// The container's id, once it has one.
    pub container_id: Option<String>,
    /// The node it was placed on.
    pub node_id: Option<String>,
    /// Ports published in host mode on its node: (container port, node port).
    pub host_ports: Vec<(u16, u16)>,
    /// When its state last changed.
    pub at: Option<chrono::DateTime<chrono::Utc>>,
    /// Its container's exit status, once it exited.
    pub exit_code: Option<i64>,
}

/// The network through which a node's host reaches its task containers.
const GWBRIDGE: &str = "docker_gwbridge";

impl Docker {
    /// The tasks of these services (one call; none when `service_ids` is empty).
    pub async fn tasks(&self, service_ids: &[String]) -> Result<Vec<TaskInfo>, DockerError> {
        if service_ids.is_empty() {
            return Ok(Vec::new());
        }
        self.count();
        let tasks = self
            .client
            .list_tasks(Some(ListTasksOptions {
                filters: Some(HashMap::from([(
                    "service".to_owned(),
                    service_ids.to_vec(),
                )])),
            }))
            .await
            .map_err(|e| classify("list tasks", e))?;
        Ok(tasks
            .into_iter()
            .filter_map(|task| {
                let status = task.status.unwrap_or_default();
                let state = status.state;
                let host_ports = status
                    .port_status
                    .and_then(|p| p.ports)
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(|p| {
                        let target = u16::try_from(p.target_port?).ok()?;
                        let published = u16::try_from(p.published_port?).ok()?;
                        Some((target, published))
                    })
                    .collect();
                let at = status
                    .timestamp
                    .as_deref()
                    .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                    .map(|t| t.with_timezone(&chrono::Utc));
                let container = status.container_status.unwrap_or_default();
                Some(TaskInfo {
                    id: task.id?,
                    service_id: task.service_id?,
                    version: task.version.and_then(|v| v.index).unwrap_or(0),
                    running: state == Some(TaskState::RUNNING)
                        && task.desired_state == Some(TaskState::RUNNING),
                    stopping: state == Some(TaskState::RUNNING)
                        && task.desired_state != Some(TaskState::RUNNING),
                    failed: matches!(state, Some(TaskState::FAILED | TaskState::REJECTED)),
                    completed: state == Some(TaskState::COMPLETE),
                    error: status.err,
                    container_id: container.container_id,
                    node_id: task.node_id,
                    host_ports,
                    at,
                    exit_code: container.exit_code,
                })
            })
            .collect())
    }

    /// Container id → address on this node's `docker_gwbridge` network.
    pub async fn bridge_addresses(&self) -> Result<HashMap<String, IpAddr>, DockerError> {
        self.count();
        let network = self
            .client
            .inspect_network(GWBRIDGE, None)
            .await
            .map_err(|e| classify(format!("inspect network {GWBRIDGE}"), e))?;
        Ok(network
            .containers
            .unwrap_or_default()
            .into_iter()
            .filter_map(|(id, endpoint)| {
                let cidr = endpoint.ipv4_address?;
                let address = cidr.split('/').next()?.parse().ok()?;
                Some((id, address))
            })
            .collect())
    }
}

/// What the tasks say about each desired service. `desired` maps Swarm service names to
/// (short name, replicas wanted); `ids` Swarm names to ids of services that exist.
pub fn service_tasks(
    desired: &BTreeMap<String, (String, u64)>,
    ids: &BTreeMap<String, String>,
    updates: &BTreeMap<String, ServiceUpdate>,
    rolled_back: &BTreeMap<String, String>,
    tasks: &[TaskInfo],
) -> Vec<ServiceTasks> {
    desired
        .iter()
        .map(|(name, (short, replicas))| {
            let id = ids.get(name);
            let mine: Vec<&TaskInfo> = tasks.iter().filter(|t| Some(&t.service_id) == id).collect();
            let failed = mine.iter().filter(|t| t.failed).count();
            let last_error = mine
                .iter()
                .filter(|t| t.failed && t.error.is_some())
                .max_by_key(|t| t.version)
                .and_then(|t| t.error.clone());
            ServiceTasks {
                name: short.clone(),
                desired: *replicas,
                running: mine.iter().filter(|t| t.running).count() as u64,
                stopping: mine.iter().filter(|t| t.stopping).count() as u64,
                failed: u32::try_from(failed).unwrap_or(u32::MAX),
                last_error,
                updating: updates.get(name).is_some_and(|u| u.updating),
                rolled_back: rolled_back.get(name).cloned(),
            }
        })
        .collect()
}

/// How far each migration job got, from its tasks: completed when a task exited 0, failed
/// (with the latest task error) when a task failed, running otherwise.
pub fn job_states(jobs: &[JobObject], tasks: &[TaskInfo]) -> Vec<ObservedJob> {
    jobs.iter()
        .map(|job| {
            let mine: Vec<&TaskInfo> = tasks.iter().filter(|t| t.service_id == job.id).collect();
            let latest_failed = mine.iter().filter(|t| t.failed).max_by_key(|t| t.version);
            let state = if mine.iter().any(|t| t.completed) {
                JobState::Completed
            } else if let Some(failed) = latest_failed {
                JobState::Failed(
                    failed
                        .error
                        .clone()
                        .unwrap_or_else(|| "its task failed".to_owned()),
                )
            } else {
                JobState::Running
            };
            ObservedJob {
                name: job.name.clone(),
                id: job.id.clone(),
                tag: job.tag.clone(),
                state,
                lost: latest_failed.is_some_and(|t| lost(t.exit_code)),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(service: &str, version: u64, running: bool, error: Option<&str>) -> TaskInfo {
        TaskInfo {
            id: format!("{service}.{version}"),
            service_id: service.to_owned(),
            version,
            running,
            stopping: false,
            failed: error.is_some(),
            completed: false,
            error: error.map(str::to_owned),
            container_id: None,
            node_id: None,
            host_ports: Vec::new(),
            at: None,
            exit_code: None,
        }
    }

    #[test]
    fn job_states_follow_their_tasks() {
        let job = |id: &str| JobObject {
            name: format!("p1_migrate-{id}"),
            id: id.to_owned(),
            tag: "1.1".to_owned(),
        };
        let mut done = task("a", 2, false, None);
        done.completed = true;
        let tasks = [done, task("b", 4, false, Some("task: non-zero exit (1)"))];
        let states: Vec<JobState> = job_states(&[job("a"), job("b"), job("c")], &tasks)
            .into_iter()
            .map(|j| j.state)
            .collect();
        assert_eq!(
            states,
            [
                JobState::Completed,
                JobState::Failed("task: non-zero exit (1)".to_owned()),
                JobState::Running
            ]
        );
    }

    #[test]
    fn tasks_are_counted_per_service() {
        let desired = BTreeMap::from([
            ("p1_web".to_owned(), ("web".to_owned(), 2)),
            ("p1_db".to_owned(), ("db".to_owned(), 1)),
        ]);
        let ids = BTreeMap::from([("p1_web".to_owned(), "w".to_owned())]);
        let tasks = [
            task("w", 1, true, None),
            task("w", 2, false, Some("exit 1")),
            task("w", 5, false, Some("exit 2")),
            task("other", 3, true, None),
        ];
        let rolled = BTreeMap::from([("p1_web".to_owned(), "update failed".to_owned())]);
        let out = service_tasks(&desired, &ids, &BTreeMap::new(), &rolled, &tasks);
        let db = &out[0];
        assert_eq!((db.name.as_str(), db.desired, db.running), ("db", 1, 0));
        let web = &out[1];
        assert_eq!((web.running, web.failed), (1, 2));
        assert_eq!(web.last_error.as_deref(), Some("exit 2"));
        assert_eq!(web.rolled_back.as_deref(), Some("update failed"));
    }
}
