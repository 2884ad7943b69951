//! Incidents as the console and the staff overview show them.

use serde::{Deserialize, Serialize};

/// A group of like failures of one service of an instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentView {
    /// The instance's id.
    pub instance_id: i64,
    /// Its address.
    pub slug: String,
    /// The template's name of the service.
    pub service: String,
    /// `task-failed` or `killed`.
    pub kind: String,
    /// What happened.
    pub message: String,
    /// How often.
    pub count: u64,
    /// When first (RFC 3339).
    pub first_seen: String,
    /// When last (RFC 3339).
    pub last_seen: String,
}
