//! Backups as the instance console shows them.

use serde::{Deserialize, Serialize};

/// One backup of an instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupView {
    /// Its id.
    pub id: i64,
    /// When it was asked for (RFC 3339).
    pub requested_at: String,
    /// `manual`, `scheduled` or `final`.
    pub reason: String,
    /// The instance's phase then, if it had one.
    pub phase: Option<String>,
    /// `requested`, `running`, `stored` or `failed`.
    pub state: String,
    /// The dump's size in words, once stored.
    pub size: Option<String>,
    /// Why it failed.
    pub error: Option<String>,
    /// Whether the viewer may restore the instance from it now.
    pub restorable: bool,
    /// Its latest restore test: `running`, `passed` or `failed`.
    pub test: Option<String>,
    /// Why that test failed, or when it ended (RFC 3339).
    pub test_detail: Option<String>,
    /// Whether the viewer may start a restore test of it now.
    pub testable: bool,
}

/// An instance's backups and what the viewer may do with them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupsView {
    /// Whether the instance's template declares backups at all.
    pub declared: bool,
    /// Whether the viewer may take a backup now (an owner or staff, none under way).
    pub can_back_up: bool,
    /// Whether a backup or restore is under way (the list then refreshes).
    pub busy: bool,
    /// Whether the viewer may copy a backup into a new instance (staff).
    pub can_clone: bool,
    /// Newest first.
    pub backups: Vec<BackupView>,
}
