//! What the engine counts for Plenum's `/metrics`: reconcile passes by outcome, their
//! durations, and (through [`crate::docker::Docker::api_calls`]) the Docker API calls made.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};

/// How a pass ended.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct PassOutcome {
    /// `ok` or `error`.
    pub outcome: &'static str,
}

/// The engine's counters (cheap clones sharing the same values).
#[derive(Debug, Clone)]
pub struct EngineMetrics {
    /// Passes by outcome.
    pub passes: Family<PassOutcome, Counter>,
    /// Pass durations in seconds (5 ms to about 20 s).
    pub pass_seconds: Histogram,
}

impl Default for EngineMetrics {
    fn default() -> Self {
        Self {
            passes: Family::default(),
            pass_seconds: Histogram::new(exponential_buckets(0.005, 2.0, 12)),
        }
    }
}

impl EngineMetrics {
    /// Counts one pass that took `seconds`.
    pub fn observe(&self, ok: bool, seconds: f64) {
        let outcome = if ok { "ok" } else { "error" };
        self.passes.get_or_create(&PassOutcome { outcome }).inc();
        self.pass_seconds.observe(seconds);
    }
}
