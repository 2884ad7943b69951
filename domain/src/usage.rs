//! What an instance uses: CPU (cores, averaged between two samples) and working-set memory
//! (what the kernel cannot simply drop: usage minus inactive file cache, as `docker stats`
//! and Kubernetes count it), summed over its containers. Pure: the engine reads the
//! cumulative counters, these rules turn them into rates and totals, and the history keeps
//! the last samples for the console's charts.

use std::collections::{BTreeMap, VecDeque};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// How many samples an instance's history keeps (with a 30 s period: the last hour).
pub const HISTORY_LEN: usize = 120;

/// One container's counters at one moment, as the Docker engine reports them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counters {
    /// When they were read.
    pub at: DateTime<Utc>,
    /// CPU time used since the container started, in nanoseconds.
    pub cpu_total_ns: u64,
    /// Memory charged to the container's cgroup, in bytes (page cache included).
    pub memory_usage: u64,
    /// The part of it that is inactive file cache (`inactive_file`; cgroup v1: `total_inactive_file`).
    pub inactive_file: u64,
}

impl Counters {
    /// Working-set memory: usage minus inactive file cache.
    pub fn working_set(&self) -> u64 {
        self.memory_usage.saturating_sub(self.inactive_file)
    }
}

/// CPU cores used on average between `before` and `after` of the same container (None
/// when no time passed or the counter went back, e.g. the container restarted).
pub fn cpu_cores(before: &Counters, after: &Counters) -> Option<f64> {
    let wall = (after.at - before.at).num_nanoseconds()?;
    let used = after.cpu_total_ns.checked_sub(before.cpu_total_ns)?;
    (wall > 0).then(|| used as f64 / wall as f64)
}

/// One instance's use at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct UsageSample {
    /// When it was taken.
    pub at: DateTime<Utc>,
    /// CPU cores in use (None on a container's first sample: a rate needs two).
    pub cpu_cores: Option<f64>,
    /// Working-set memory in bytes.
    pub memory_bytes: u64,
    /// How many of its containers were sampled.
    pub containers: u32,
}

/// Sums the containers' samples of one instance: `now` and, by container id, the
/// counters of the previous round (for the CPU rate).
pub fn instance_sample(
    at: DateTime<Utc>,
    now: &BTreeMap<String, Counters>,
    before: &BTreeMap<String, Counters>,
) -> UsageSample {
    let mut cpu = Some(0.0);
    let mut memory = 0u64;
    for (container, counters) in now {
        memory = memory.saturating_add(counters.working_set());
        let rate = before.get(container).and_then(|b| cpu_cores(b, counters));
        cpu = match (cpu, rate) {
            (Some(sum), Some(rate)) => Some(sum + rate),
            _ => None,
        };
    }
    UsageSample {
        at,
        cpu_cores: cpu.filter(|_| !now.is_empty()),
        memory_bytes: memory,
        containers: u32::try_from(now.len()).unwrap_or(u32::MAX),
    }
}

/// The last [`HISTORY_LEN`] samples of each instance.
#[derive(Debug, Clone, Default)]
pub struct UsageHistory {
    samples: BTreeMap<i64, VecDeque<UsageSample>>,
}

impl UsageHistory {
    /// Adds instance `id`'s newest sample, dropping the oldest beyond the length.
    pub fn push(&mut self, id: i64, sample: UsageSample) {
        let history = self.samples.entry(id).or_default();
        history.push_back(sample);
        while history.len() > HISTORY_LEN {
            history.pop_front();
        }
    }

    /// Forgets every instance not in `alive` (stopped, erased).
    pub fn retain(&mut self, alive: &std::collections::BTreeSet<i64>) {
        self.samples.retain(|id, _| alive.contains(id));
    }

    /// Instance `id`'s samples, oldest first.
    pub fn of(&self, id: i64) -> Vec<UsageSample> {
        self.samples
            .get(&id)
            .map(|h| h.iter().copied().collect())
            .unwrap_or_default()
    }

    /// Each instance's newest sample.
    pub fn latest(&self) -> BTreeMap<i64, UsageSample> {
        self.samples
            .iter()
            .filter_map(|(id, h)| Some((*id, *h.back()?)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn counters(seconds: i64, cpu_ms: u64, usage: u64, inactive: u64) -> Counters {
        let start = DateTime::<Utc>::from_timestamp(1_800_000_000, 0).unwrap_or_default();
        Counters {
            at: start + Duration::seconds(seconds),
            cpu_total_ns: cpu_ms * 1_000_000,
            memory_usage: usage,
            inactive_file: inactive,
        }
    }

    #[test]
    fn working_set_leaves_out_inactive_file_cache() {
        assert_eq!(counters(0, 0, 300, 120).working_set(), 180);
        assert_eq!(counters(0, 0, 100, 120).working_set(), 0, "never negative");
    }

    #[test]
    fn cpu_is_the_counter_rate_and_a_restart_gives_none() {
        let a = counters(0, 1_000, 0, 0);
        let b = counters(10, 6_000, 0, 0);
        assert_eq!(cpu_cores(&a, &b), Some(0.5), "5 s of CPU in 10 s");
        assert_eq!(cpu_cores(&b, &a), None, "time went back");
        let restarted = counters(20, 10, 0, 0);
        assert_eq!(cpu_cores(&b, &restarted), None, "the counter went back");
    }

    #[test]
    fn an_instance_sums_its_containers_and_needs_two_rounds_for_cpu() {
        let first = BTreeMap::from([
            ("web".to_owned(), counters(0, 0, 200, 50)),
            ("db".to_owned(), counters(0, 0, 400, 100)),
        ]);
        let at = first["web"].at;
        let sample = instance_sample(at, &first, &BTreeMap::new());
        assert_eq!(sample.memory_bytes, 450);
        assert_eq!(sample.cpu_cores, None);
        assert_eq!(sample.containers, 2);
        let second = BTreeMap::from([
            ("web".to_owned(), counters(30, 3_000, 210, 50)),
            ("db".to_owned(), counters(30, 12_000, 400, 100)),
        ]);
        let sample = instance_sample(at, &second, &first);
        assert_eq!(sample.cpu_cores, Some(0.5));
        assert_eq!(sample.memory_bytes, 460);
    }

    #[test]
    fn the_history_keeps_the_newest_samples_of_live_instances() {
        let mut history = UsageHistory::default();
        let start = DateTime::<Utc>::from_timestamp(1_800_000_000, 0).unwrap_or_default();
        for i in 0..(HISTORY_LEN as i64 + 5) {
            history.push(
                1,
                UsageSample {
                    at: start + Duration::seconds(i),
                    cpu_cores: Some(0.1),
                    memory_bytes: i as u64,
                    containers: 1,
                },
            );
        }
        history.push(
            2,
            UsageSample {
                at: start,
                cpu_cores: None,
                memory_bytes: 7,
                containers: 1,
            },
        );
        let one = history.of(1);
        assert_eq!(one.len(), HISTORY_LEN);
        assert_eq!(one[0].memory_bytes, 5, "the oldest dropped");
        assert_eq!(history.latest()[&1].memory_bytes, HISTORY_LEN as u64 + 4);
        history.retain(&std::collections::BTreeSet::from([1]));
        assert!(history.of(2).is_empty());
    }
}
