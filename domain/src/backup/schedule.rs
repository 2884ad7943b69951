//! When a rented instance is backed up, and which of its backups are kept: the backup
//! schedule by phase. Pure: the caller reads the instance's timeline and backups.
//!
//! * **quiet** (preparation and follow-up): one every `quiet_hours` (a day by default);
//! * **event mode**: one every `event_hours` (an hour by default); event mode begins
//!   `phases.event_lead_hours` before each event day, so the first one is taken before the
//!   day starts;
//! * **final**: one in the last `final_lead_hours` of the rental, kept until the archive
//!   period ends;
//! * hibernated and archived instances run nothing that could change their data, and are
//!   not backed up.
//!
//! Retention keeps the newest `keep_quiet` scheduled backups taken in quiet phases, the
//! newest `keep_event` taken in event mode, and the newest `keep_manual` taken by hand.

use chrono::{Duration, NaiveDateTime};
use serde::{Deserialize, Serialize};

use super::{BackupReason, BackupState};
use crate::capacity::{Phase, PhaseSpan, SettingError, check_ranges, phase_at};

/// The backup schedule and retention (the `[backup_schedule]` settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BackupPolicy {
    /// Hours between two backups in quiet phases (1–168).
    pub quiet_hours: u32,
    /// Hours between two backups in event mode (1–24).
    pub event_hours: u32,
    /// Hours before the rental ends that the final backup is taken (1–48).
    pub final_lead_hours: u32,
    /// Scheduled backups from quiet phases that are kept (1–1000).
    pub keep_quiet: u32,
    /// Scheduled backups from event mode that are kept (1–1000).
    pub keep_event: u32,
    /// Backups taken by hand that are kept (1–1000).
    pub keep_manual: u32,
}

impl Default for BackupPolicy {
    fn default() -> Self {
        Self {
            quiet_hours: 24,
            event_hours: 1,
            final_lead_hours: 2,
            keep_quiet: 7,
            keep_event: 48,
            keep_manual: 10,
        }
    }
}

impl BackupPolicy {
    /// The first setting out of range, with its value and what it accepts.
    pub fn check(&self) -> Result<(), SettingError> {
        check_ranges([
            (
                "backup_schedule.quiet_hours",
                self.quiet_hours,
                1..=168,
                "1 to 168 hours",
            ),
            (
                "backup_schedule.event_hours",
                self.event_hours,
                1..=24,
                "1 to 24 hours",
            ),
            (
                "backup_schedule.final_lead_hours",
                self.final_lead_hours,
                1..=48,
                "1 to 48 hours",
            ),
            (
                "backup_schedule.keep_quiet",
                self.keep_quiet,
                1..=1000,
                "1 to 1000",
            ),
            (
                "backup_schedule.keep_event",
                self.keep_event,
                1..=1000,
                "1 to 1000",
            ),
            (
                "backup_schedule.keep_manual",
                self.keep_manual,
                1..=1000,
                "1 to 1000",
            ),
        ])
    }
}

/// A backup as the schedule sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Taken {
    /// Its id.
    pub id: i64,
    /// Why it was taken.
    pub reason: BackupReason,
    /// The instance's phase then.
    pub phase: Option<Phase>,
    /// When it was asked for.
    pub at: NaiveDateTime,
    /// How far it got.
    pub state: BackupState,
}

/// The backup due at `now` for an instance with timeline `spans` and backups `taken`, when
/// it `runs` (running, answering, not being restored): the final one, a scheduled one, or
/// none.
pub fn due(
    policy: &BackupPolicy,
    spans: &[PhaseSpan],
    now: NaiveDateTime,
    runs: bool,
    taken: &[Taken],
) -> Option<BackupReason> {
    if !runs || taken.iter().any(|b| b.state.pending()) {
        return None;
    }
    let phase = phase_at(spans, now)?;
    if !matches!(phase, Phase::Quiet | Phase::Event) {
        return None;
    }
    let rental_end = spans
        .iter()
        .find(|s| s.phase == Phase::Archived)
        .map(|s| s.from);
    let final_taken = taken
        .iter()
        .any(|b| b.reason == BackupReason::Final && b.state == BackupState::Stored);
    let lead = Duration::hours(i64::from(policy.final_lead_hours));
    if rental_end.is_some_and(|end| now >= end - lead) && !final_taken {
        return Some(BackupReason::Final);
    }
    let hours = match phase {
        Phase::Event => policy.event_hours,
        _ => policy.quiet_hours,
    };
    let last = taken.iter().map(|b| b.at).max();
    last.is_none_or(|at| now - at >= Duration::hours(i64::from(hours)))
        .then_some(BackupReason::Scheduled)
}

/// The stored backups in `taken` that retention lets go at `now`: beyond the newest kept of
/// their kind, or a final one once the archive period (`archive_end`) is over.
pub fn expired(
    policy: &BackupPolicy,
    taken: &[Taken],
    archive_end: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> Vec<i64> {
    let mut stored: Vec<&Taken> = taken
        .iter()
        .filter(|b| b.state == BackupState::Stored)
        .collect();
    stored.sort_by(|a, b| b.at.cmp(&a.at).then(b.id.cmp(&a.id)));
    let mut seen = [0u32; 3];
    let mut out = Vec::new();
    for backup in stored {
        let (kind, keep) = match (backup.reason, backup.phase) {
            (BackupReason::Final, _) => {
                if archive_end.is_some_and(|end| now >= end) {
                    out.push(backup.id);
                }
                continue;
            }
            (BackupReason::Manual, _) => (0, policy.keep_manual),
            (BackupReason::Scheduled, Some(Phase::Event)) => (1, policy.keep_event),
            (BackupReason::Scheduled, _) => (2, policy.keep_quiet),
        };
        seen[kind] += 1;
        if seen[kind] > keep {
            out.push(backup.id);
        }
    }
    out.sort_unstable();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(day: u32, hour: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2027, 3, day)
            .and_then(|d| d.and_hms_opt(hour, 0, 0))
            .unwrap_or_default()
    }

    /// Quiet 1st–9th 12:00, event 9th 12:00 – 11th 00:00, quiet to the 20th, archived after.
    fn spans() -> Vec<PhaseSpan> {
        let span = |phase, from, until| PhaseSpan { phase, from, until };
        vec![
            span(Phase::Quiet, at(1, 0), at(9, 12)),
            span(Phase::Event, at(9, 12), at(11, 0)),
            span(Phase::Quiet, at(11, 0), at(20, 0)),
            span(Phase::Archived, at(20, 0), at(30, 0)),
        ]
    }

    fn taken(id: i64, reason: BackupReason, phase: Phase, when: NaiveDateTime) -> Taken {
        Taken {
            id,
            reason,
            phase: Some(phase),
            at: when,
            state: BackupState::Stored,
        }
    }

    #[test]
    fn backups_are_daily_when_quiet_hourly_in_event_mode_and_final_at_the_end() {
        let p = BackupPolicy::default();
        let s = spans();
        let scheduled = Some(BackupReason::Scheduled);
        assert_eq!(due(&p, &s, at(2, 3), true, &[]), scheduled);
        assert_eq!(due(&p, &s, at(2, 3), false, &[]), None, "not running");
        let daily = [taken(1, BackupReason::Scheduled, Phase::Quiet, at(2, 3))];
        assert_eq!(due(&p, &s, at(2, 20), true, &daily), None);
        assert_eq!(due(&p, &s, at(3, 3), true, &daily), scheduled);
        // Event mode starts at noon before the event day: hourly from then.
        let before = [taken(2, BackupReason::Scheduled, Phase::Quiet, at(9, 12))];
        assert_eq!(due(&p, &s, at(9, 12), true, &before), None);
        assert_eq!(due(&p, &s, at(9, 13), true, &before), scheduled);
        // A backup under way holds the next one back.
        let pending = [Taken {
            state: BackupState::Running,
            ..taken(3, BackupReason::Manual, Phase::Event, at(9, 10))
        }];
        assert_eq!(due(&p, &s, at(10, 3), true, &pending), None);
        // The final one in the last two hours, once.
        let recent = [taken(4, BackupReason::Scheduled, Phase::Quiet, at(19, 21))];
        assert_eq!(
            due(&p, &s, at(19, 22), true, &recent),
            Some(BackupReason::Final)
        );
        let done = [
            recent[0],
            taken(5, BackupReason::Final, Phase::Quiet, at(19, 22)),
        ];
        assert_eq!(due(&p, &s, at(19, 23), true, &done), None);
        // Archived: nothing.
        assert_eq!(due(&p, &s, at(21, 0), true, &[]), None);
    }

    #[test]
    fn retention_keeps_the_newest_of_each_kind_and_the_final_one_through_the_archive() {
        let p = BackupPolicy {
            keep_quiet: 2,
            keep_event: 1,
            keep_manual: 1,
            ..BackupPolicy::default()
        };
        let list = [
            taken(1, BackupReason::Scheduled, Phase::Quiet, at(1, 0)),
            taken(2, BackupReason::Scheduled, Phase::Quiet, at(2, 0)),
            taken(3, BackupReason::Scheduled, Phase::Quiet, at(3, 0)),
            taken(4, BackupReason::Scheduled, Phase::Event, at(9, 13)),
            taken(5, BackupReason::Scheduled, Phase::Event, at(9, 14)),
            taken(6, BackupReason::Manual, Phase::Event, at(9, 15)),
            taken(7, BackupReason::Manual, Phase::Quiet, at(12, 0)),
            taken(8, BackupReason::Final, Phase::Quiet, at(19, 22)),
            Taken {
                state: BackupState::Failed,
                ..taken(9, BackupReason::Scheduled, Phase::Quiet, at(1, 1))
            },
        ];
        assert_eq!(expired(&p, &list, Some(at(30, 0)), at(21, 0)), [1, 4, 6]);
        assert_eq!(expired(&p, &list, Some(at(30, 0)), at(30, 0)), [1, 4, 6, 8]);
        assert!(BackupPolicy::default().check().is_ok());
        let bad = BackupPolicy {
            event_hours: 0,
            ..BackupPolicy::default()
        };
        assert_eq!(
            bad.check().unwrap_err().setting,
            "backup_schedule.event_hours"
        );
    }
}
