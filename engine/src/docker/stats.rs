//! A container's resource counters (CPU time, memory and its inactive file cache), read
//! once from the engine of the node it runs on, and which node that engine is.

use bollard::query_parameters::StatsOptions;
use domain::usage::Counters;
use futures::StreamExt;

use super::{Docker, DockerError, classify};

impl Docker {
    /// Container `id`'s counters now (one reading, no stream); None when it is gone.
    pub async fn counters(&self, id: &str) -> Result<Option<Counters>, DockerError> {
        self.count();
        let options = StatsOptions {
            stream: false,
            one_shot: true,
        };
        let read = self.client.stats(id, Some(options)).next().await;
        let stats = match read {
            None => return Ok(None),
            Some(Err(e)) => {
                return match classify("read container stats", e) {
                    DockerError::Api { status: 404, .. } => Ok(None),
                    e => Err(e),
                };
            }
            Some(Ok(stats)) => stats,
        };
        let memory = stats.memory_stats.unwrap_or_default();
        let breakdown = memory.stats.unwrap_or_default();
        // cgroup v2 names it inactive_file; cgroup v1 total_inactive_file.
        let inactive_file = breakdown
            .get("inactive_file")
            .or_else(|| breakdown.get("total_inactive_file"))
            .copied()
            .unwrap_or(0);
        let cpu_total_ns = stats
            .cpu_stats
            .and_then(|c| c.cpu_usage)
            .and_then(|u| u.total_usage)
            .unwrap_or(0);
        Ok(Some(Counters {
            at: stats
                .read
                .and_then(|read| chrono::DateTime::parse_from_rfc3339(&read).ok())
                .map_or_else(chrono::Utc::now, |at| at.with_timezone(&chrono::Utc)),
            cpu_total_ns,
            memory_usage: memory.usage.unwrap_or(0),
            inactive_file,
        }))
    }

    /// The Swarm id of the node this engine runs on (its containers are the ones whose
    /// counters it can read).
    pub async fn local_node_id(&self) -> Result<String, DockerError> {
        self.count();
        let info = self
            .client
            .info()
            .await
            .map_err(|e| classify("read the engine's info", e))?;
        Ok(info.swarm.and_then(|s| s.node_id).unwrap_or_default())
    }
}
