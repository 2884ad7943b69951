//! An instance's log lines as the console streams them.

use serde::{Deserialize, Serialize};

/// One line a service of the instance wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogLineView {
    /// The template's name of the service.
    pub service: String,
    /// When Docker received it (RFC 3339), if known.
    pub at: Option<String>,
    /// Whether it went to standard error.
    pub stderr: bool,
    /// The line.
    pub text: String,
}

/// A line found by staff's search across instances.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogMatchView {
    /// The instance's id.
    pub instance_id: i64,
    /// Its address.
    pub slug: String,
    /// The template's name of the service.
    pub service: String,
    /// When (RFC 3339), if known.
    pub at: Option<String>,
    /// The line.
    pub text: String,
}
