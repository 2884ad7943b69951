//! Sampling what instances use: every round reads the counters of each running task's
//! container on the node whose engine Plenum talks to, sums them per instance
//! (`domain::usage`) and keeps the last hour in memory for the console's charts and
//! `/metrics`. Containers on other nodes of a larger Swarm are not sampled: only a node's
//! own engine reports its containers' counters (the sample says how many were read).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use domain::usage::{Counters, UsageHistory, UsageSample, instance_sample};
use futures::StreamExt;

use crate::Engine;
use crate::docker::DockerError;
use crate::reconcile::Context;

/// How often the engine samples what instances use.
pub const SAMPLE_PERIOD: Duration = Duration::from_secs(30);

/// How many containers are read at once.
const PARALLEL_READS: usize = 8;

/// The samples so far and the counters of the last round (for CPU rates).
#[derive(Debug, Default)]
pub struct Usage {
    history: Mutex<UsageHistory>,
    counters: Mutex<BTreeMap<String, Counters>>,
}

/// One round: reads every local running task's counters and records a sample per
/// instance; instances without running tasks are forgotten. The instances sampled.
pub(crate) async fn sample(ctx: &Context) -> Result<Vec<i64>, DockerError> {
    let docker = &ctx.docker;
    let local = docker.local_node_id().await?;
    let observed = docker.observe_all(&ctx.settings.installation_id).await?;
    let mut instance_of_service = BTreeMap::new();
    for (id, observation) in &observed {
        let services = observation.objects.services.iter().map(|s| &s.id);
        for service in services.chain(observation.one_off_jobs().map(|j| &j.id)) {
            instance_of_service.insert(service.clone(), *id);
        }
    }
    let ids: Vec<String> = instance_of_service.keys().cloned().collect();
    let containers: Vec<(i64, String)> = docker
        .tasks(&ids)
        .await?
        .into_iter()
        .filter(|t| t.running && t.node_id.as_deref() == Some(local.as_str()))
        .filter_map(|t| Some((*instance_of_service.get(&t.service_id)?, t.container_id?)))
        .collect();
    let read: Vec<(i64, String, Option<Counters>)> = futures::stream::iter(containers)
        .map(|(id, container)| async move {
            let counters = docker.counters(&container).await;
            counters.map(|c| (id, container, c))
        })
        .buffer_unordered(PARALLEL_READS)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<Result<_, _>>()?;
    let mut by_instance: BTreeMap<i64, BTreeMap<String, Counters>> = BTreeMap::new();
    for (id, container, counters) in read {
        if let Some(counters) = counters {
            by_instance
                .entry(id)
                .or_default()
                .insert(container, counters);
        }
    }
    let now = chrono::Utc::now();
    let usage = &ctx.usage;
    let mut previous = usage
        .counters
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    let mut history = usage.history.lock().unwrap_or_else(PoisonError::into_inner);
    for (id, counters) in &by_instance {
        history.push(*id, instance_sample(now, counters, &previous));
    }
    let sampled: BTreeSet<i64> = by_instance.keys().copied().collect();
    history.retain(&sampled);
    *previous = by_instance.into_values().flatten().collect();
    Ok(sampled.into_iter().collect())
}

/// The sampling loop; it stops when this is dropped.
#[derive(Debug)]
pub struct SamplerHandle(tokio::task::JoinHandle<()>);

impl Drop for SamplerHandle {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Samples every [`SAMPLE_PERIOD`] until stopped or the engine's context is dropped.
pub(crate) fn spawn_sampler(ctx: std::sync::Weak<Context>) -> SamplerHandle {
    SamplerHandle(tokio::spawn(async move {
        let mut tick = tokio::time::interval(SAMPLE_PERIOD);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            tick.tick().await;
            let Some(ctx) = ctx.upgrade() else { break };
            if let Err(e) = sample(&ctx).await {
                tracing::debug!(error = %e, "sampling instance usage failed");
            }
        }
    }))
}

impl Engine {
    /// Samples what every instance uses now (the sampler does so every
    /// [`SAMPLE_PERIOD`]); the instances sampled.
    pub async fn sample_usage(&self) -> Result<Vec<i64>, DockerError> {
        sample(self.context()).await
    }

    /// Instance `id`'s samples of the last hour, oldest first.
    pub fn usage(&self, id: i64) -> Vec<UsageSample> {
        self.history().of(id)
    }

    /// Each running instance's newest sample.
    pub fn latest_usage(&self) -> BTreeMap<i64, UsageSample> {
        self.history().latest()
    }

    fn history(&self) -> std::sync::MutexGuard<'_, UsageHistory> {
        self.context()
            .usage
            .history
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}
