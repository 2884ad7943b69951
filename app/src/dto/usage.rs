//! What an instance uses, sampled by the engine, for the console's and the overview's
//! charts.

use serde::{Deserialize, Serialize};

/// One sample.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UsagePoint {
    /// When it was taken (RFC 3339).
    pub at: String,
    /// CPU cores in use (None on the first sample of a container).
    pub cpu: Option<f64>,
    /// Working-set memory in MB.
    pub memory_mb: f64,
}

/// An instance's samples of the last hour, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UsageView {
    /// The samples.
    pub points: Vec<UsagePoint>,
    /// How many of its containers the newest sample read.
    pub containers: u32,
}

#[cfg(feature = "ssr")]
impl From<Vec<domain::usage::UsageSample>> for UsageView {
    fn from(samples: Vec<domain::usage::UsageSample>) -> Self {
        Self {
            containers: samples.last().map_or(0, |s| s.containers),
            points: samples
                .into_iter()
                .map(|s| UsagePoint {
                    at: s.at.to_rfc3339(),
                    cpu: s.cpu_cores,
                    memory_mb: s.memory_bytes as f64 / 1_000_000.0,
                })
                .collect(),
        }
    }
}
