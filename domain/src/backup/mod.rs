//! Backups of an instance: why one was taken, how far it got, and the names of its objects
//! in the vault.

pub mod restore_test;
pub mod schedule;

use std::fmt;

/// How far a backup got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackupState {
    /// Asked for; its job starts once the instance runs.
    Requested,
    /// Its job runs (or is about to): the dump is on its way.
    Running,
    /// The encrypted dump is in the vault.
    Stored,
    /// It failed (the reason is kept with it).
    Failed,
}

/// How a backup's latest restore test went (a scratch copy brought up from it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RestoreTestState {
    /// The scratch copy is being restored and started.
    Running,
    /// The copy came up restored and answered its health check.
    Passed,
    /// The restore failed, or the copy did not answer in time (the detail says which).
    Failed,
}

/// Why a backup was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackupReason {
    /// Someone asked for it.
    Manual,
    /// The schedule of the instance's phase.
    Scheduled,
    /// The last one, when the rental ends.
    Final,
}

macro_rules! stored_names {
    ($ty:ident { $($variant:ident => $name:literal),* $(,)? }) => {
        impl $ty {
            /// The stored name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($ty::$variant => $name),*
                }
            }

            /// Parses a stored name.
            pub fn parse(stored: &str) -> Option<Self> {
                match stored {
                    $($name => Some($ty::$variant),)*
                    _ => None,
                }
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

stored_names!(BackupState {
    Requested => "requested",
    Running => "running",
    Stored => "stored",
    Failed => "failed",
});

stored_names!(RestoreTestState {
    Running => "running",
    Passed => "passed",
    Failed => "failed",
});

stored_names!(BackupReason {
    Manual => "manual",
    Scheduled => "scheduled",
    Final => "final",
});

impl BackupState {
    /// Whether the backup is still under way.
    pub fn pending(self) -> bool {
        matches!(self, BackupState::Requested | BackupState::Running)
    }
}

/// The vault object holding backup `backup` of instance `instance`: its encrypted dump.
pub fn dump_key(instance: i64, backup: i64) -> String {
    format!("instances/{instance}/backups/{backup}/dump.age")
}

/// The vault object holding the instance's secrets at the time of backup `backup`
/// (encrypted like the dump): with the dump, all an instance is made of.
pub fn secrets_key(instance: i64, backup: i64) -> String {
    format!("instances/{instance}/backups/{backup}/secrets.age")
}

/// The path under Plenum's URL where the jobs of backup `backup` send or read its dump.
pub fn data_path(backup: i64) -> String {
    format!("/internal/backups/{backup}/data")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for state in [
            BackupState::Requested,
            BackupState::Running,
            BackupState::Stored,
            BackupState::Failed,
        ] {
            assert_eq!(BackupState::parse(state.as_str()), Some(state));
        }
        for reason in [
            BackupReason::Manual,
            BackupReason::Scheduled,
            BackupReason::Final,
        ] {
            assert_eq!(BackupReason::parse(reason.as_str()), Some(reason));
        }
        assert_eq!(BackupState::parse("done"), None);
        assert!(BackupState::Running.pending() && !BackupState::Stored.pending());
        assert_ne!(dump_key(1, 2), secrets_key(1, 2));
    }
}
