//! Backups and restores: each backup's row from request to stored (or failed), and the
//! backup an instance is being restored from. Every change is one conditional write with
//! its event in the instance's log, so two callers cannot both start or finish the same one.

use chrono::{DateTime, Utc};
use domain::backup::{BackupReason, BackupState, RestoreTestState};
use domain::capacity::Phase;
use domain::instance::{EventKind, Lifecycle};
use domain::validation::Invalid;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, TransactionTrait,
};

use crate::InstanceRecord;
use crate::entities::{backup, instance};
use crate::instances::{events, record};
use crate::{Db, StoreError};

/// One backup as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupRecord {
    /// Its id.
    pub id: i64,
    /// The instance it is of.
    pub instance_id: i64,
    /// Why it was taken.
    pub reason: BackupReason,
    /// The instance's phase when it was asked for.
    pub phase: Option<Phase>,
    /// How far it got.
    pub state: BackupState,
    /// The dump's size in bytes, once stored.
    pub size_bytes: Option<u64>,
    /// The encrypted objects' size in the vault, once stored.
    pub stored_bytes: Option<u64>,
    /// Why it failed.
    pub error: Option<String>,
    /// Who asked for it (None: Plenum's schedule).
    pub requested_by: Option<i64>,
    /// When it was asked for.
    pub requested_at: DateTime<Utc>,
    /// When it was stored or failed.
    pub finished_at: Option<DateTime<Utc>>,
    /// Its latest restore test, if it had one.
    pub test: Option<RestoreTest>,
}

/// A backup's latest restore test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestoreTest {
    /// How it went.
    pub state: RestoreTestState,
    /// Why it failed.
    pub detail: Option<String>,
    /// Its scratch instance.
    pub instance_id: Option<i64>,
    /// When it started, or ended once it has.
    pub at: Option<DateTime<Utc>>,
}

impl TryFrom<backup::Model> for BackupRecord {
    type Error = StoreError;

    fn try_from(m: backup::Model) -> Result<Self, StoreError> {
        let corrupt = |what: &str, value: &str| {
            StoreError::Database(sea_orm::DbErr::Custom(format!(
                "backup {}: unknown {what} {value:?}",
                m.id
            )))
        };
        Ok(Self {
            id: m.id,
            instance_id: m.instance_id,
            reason: BackupReason::parse(&m.reason).ok_or_else(|| corrupt("reason", &m.reason))?,
            phase: match &m.phase {
                Some(p) => Some(Phase::parse(p).ok_or_else(|| corrupt("phase", p))?),
                None => None,
            },
            state: BackupState::parse(&m.state).ok_or_else(|| corrupt("state", &m.state))?,
            size_bytes: m.size_bytes.and_then(|n| u64::try_from(n).ok()),
            stored_bytes: m.stored_bytes.and_then(|n| u64::try_from(n).ok()),
            error: m.error,
            requested_by: m.requested_by,
            requested_at: m.requested_at,
            finished_at: m.finished_at,
            test: match &m.test_state {
                Some(t) => Some(RestoreTest {
                    state: RestoreTestState::parse(t).ok_or_else(|| corrupt("test state", t))?,
                    detail: m.test_detail.clone(),
                    instance_id: m.test_instance_id,
                    at: m.tested_at,
                }),
                None => None,
            },
        })
    }
}

/// Sizes in words: `12.3 MB`.
pub fn size_in_words(bytes: u64) -> String {
    let mb = bytes as f64 / 1_000_000.0;
    if mb >= 0.1 {
        format!("{mb:.1} MB")
    } else {
        format!("{:.1} kB", bytes as f64 / 1_000.0)
    }
}

pub(crate) async fn find<C: ConnectionTrait>(db: &C, id: i64) -> Result<BackupRecord, StoreError> {
    backup::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(StoreError::NotFound)
        .and_then(BackupRecord::try_from)
}

impl Db {
    /// Asks for a backup of running or stopped instance `instance_id`; refused (field
    /// `backup`) while another one is under way.
    pub async fn request_backup(
        &self,
        instance_id: i64,
        reason: BackupReason,
        actor: Option<i64>,
    ) -> Result<BackupRecord, StoreError> {
        let txn = self.connection().begin().await?;
        let instance = record(&txn, instance_id).await?;
        if !matches!(instance.lifecycle, Lifecycle::Running | Lifecycle::Stopped) {
            return Err(Invalid::new("backup", "a removed instance is not backed up").into());
        }
        let pending = [
            BackupState::Requested.as_str(),
            BackupState::Running.as_str(),
        ];
        let under_way = backup::Entity::find()
            .filter(backup::Column::InstanceId.eq(instance_id))
            .filter(backup::Column::State.is_in(pending))
            .one(&txn)
            .await?;
        if let Some(other) = under_way {
            return Err(Invalid::new(
                "backup",
                format!("backup {} of this instance is under way", other.id),
            )
            .into());
        }
        let model = backup::ActiveModel {
            instance_id: Set(instance_id),
            reason: Set(reason.as_str().to_owned()),
            phase: Set(instance.phase.map(|p| p.as_str().to_owned())),
            state: Set(BackupState::Requested.as_str().to_owned()),
            requested_by: Set(actor),
            requested_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        let message = format!("backup {} asked for ({reason})", model.id);
        events::insert(&txn, instance_id, actor, EventKind::Requested, &message).await?;
        txn.commit().await?;
        BackupRecord::try_from(model)
    }

    /// Backup `id`.
    pub async fn backup(&self, id: i64) -> Result<BackupRecord, StoreError> {
        find(self.connection(), id).await
    }

    /// The backups of instance `instance_id`, newest first (at most `limit`).
    pub async fn backups(
        &self,
        instance_id: i64,
        limit: u64,
    ) -> Result<Vec<BackupRecord>, StoreError> {
        backup::Entity::find()
            .filter(backup::Column::InstanceId.eq(instance_id))
            .order_by_desc(backup::Column::Id)
            .limit(limit)
            .all(self.connection())
            .await?
            .into_iter()
            .map(BackupRecord::try_from)
            .collect()
    }

    /// The backup of instance `instance_id` that is under way, if any.
    pub async fn pending_backup(
        &self,
        instance_id: i64,
    ) -> Result<Option<BackupRecord>, StoreError> {
        let pending = [
            BackupState::Requested.as_str(),
            BackupState::Running.as_str(),
        ];
        backup::Entity::find()
            .filter(backup::Column::InstanceId.eq(instance_id))
            .filter(backup::Column::State.is_in(pending))
            .order_by_asc(backup::Column::Id)
            .one(self.connection())
            .await?
            .map(BackupRecord::try_from)
            .transpose()
    }

    /// Each instance's newest stored backup (by instance id).
    pub async fn newest_stored_backups(&self) -> Result<Vec<BackupRecord>, StoreError> {
        let newest: Vec<(i64, i64)> = backup::Entity::find()
            .select_only()
            .column(backup::Column::InstanceId)
            .column_as(backup::Column::Id.max(), "newest")
            .filter(backup::Column::State.eq(BackupState::Stored.as_str()))
            .group_by(backup::Column::InstanceId)
            .into_tuple()
            .all(self.connection())
            .await?;
        backup::Entity::find()
            .filter(backup::Column::Id.is_in(newest.into_iter().map(|(_, id)| id)))
            .order_by_asc(backup::Column::InstanceId)
            .all(self.connection())
            .await?
            .into_iter()
            .map(BackupRecord::try_from)
            .collect()
    }

    /// Records that backup `id`'s job was created (`message` in the log), once.
    pub async fn start_backup(&self, id: i64, message: &str) -> Result<(), StoreError> {
        self.move_backup(
            id,
            BackupState::Requested,
            BackupState::Running,
            None,
            |_| (EventKind::Step, message.to_owned()),
        )
        .await
    }

    /// Records that backup `id` is in the vault: `size` bytes of dump, `stored` bytes
    /// encrypted. False when it was not running (nothing changes then).
    pub async fn finish_backup(&self, id: i64, size: u64, stored: u64) -> Result<bool, StoreError> {
        let txn = self.connection().begin().await?;
        let updated = backup::Entity::update_many()
            .col_expr(
                backup::Column::State,
                Expr::value(BackupState::Stored.as_str()),
            )
            .col_expr(
                backup::Column::SizeBytes,
                Expr::value(i64::try_from(size).unwrap_or(i64::MAX)),
            )
            .col_expr(
                backup::Column::StoredBytes,
                Expr::value(i64::try_from(stored).unwrap_or(i64::MAX)),
            )
            .col_expr(backup::Column::FinishedAt, Expr::value(Utc::now()))
            .filter(backup::Column::Id.eq(id))
            .filter(backup::Column::State.eq(BackupState::Running.as_str()))
            .exec(&txn)
            .await?;
        let done = updated.rows_affected == 1;
        if done {
            let b = find(&txn, id).await?;
            let message = format!("backup {id} stored ({} of data)", size_in_words(size));
            events::insert(&txn, b.instance_id, None, EventKind::Step, &message).await?;
        }
        txn.commit().await?;
        Ok(done)
    }

    /// Records that backup `id` failed because of `why` (an error in the log), unless it
    /// was stored or had failed already.
    pub async fn fail_backup(&self, id: i64, why: &str) -> Result<(), StoreError> {
        for from in [BackupState::Requested, BackupState::Running] {
            self.move_backup(id, from, BackupState::Failed, Some(why), |id| {
                (EventKind::Error, format!("backup {id} failed: {why}"))
            })
            .await?;
        }
        Ok(())
    }

    async fn move_backup(
        &self,
        id: i64,
        from: BackupState,
        to: BackupState,
        error: Option<&str>,
        event: impl FnOnce(i64) -> (EventKind, String),
    ) -> Result<(), StoreError> {
        let txn = self.connection().begin().await?;
        let mut update =
            backup::Entity::update_many().col_expr(backup::Column::State, Expr::value(to.as_str()));
        if let Some(error) = error {
            update = update
                .col_expr(backup::Column::Error, Expr::value(error))
                .col_expr(backup::Column::FinishedAt, Expr::value(Utc::now()));
        }
        let updated = update
            .filter(backup::Column::Id.eq(id))
            .filter(backup::Column::State.eq(from.as_str()))
            .exec(&txn)
            .await?;
        if updated.rows_affected == 1 {
            let b = find(&txn, id).await?;
            let (kind, message) = event(id);
            events::insert(&txn, b.instance_id, None, kind, &message).await?;
        }
        txn.commit().await.map_err(StoreError::from)
    }

    /// Forgets backup `id`, whose objects are gone (`message` in its instance's log).
    pub async fn delete_backup(&self, id: i64, message: &str) -> Result<(), StoreError> {
        let txn = self.connection().begin().await?;
        let b = find(&txn, id).await?;
        backup::Entity::delete_by_id(id).exec(&txn).await?;
        events::insert(&txn, b.instance_id, None, EventKind::Step, message).await?;
        txn.commit().await?;
        Ok(())
    }

    /// Starts restoring running instance `instance_id` from the stored backup `backup_id`
    /// of an instance of the same organisation (itself, or the one it is a copy of);
    /// refused (field `backup`) when there is no such backup or the instance is being
    /// restored, moved or is not running.
    pub async fn start_restore(
        &self,
        instance_id: i64,
        backup_id: i64,
        actor: Option<i64>,
    ) -> Result<(), StoreError> {
        let txn = self.connection().begin().await?;
        begin_restore(&txn, instance_id, backup_id, actor).await?;
        txn.commit().await?;
        Ok(())
    }

    /// Counts a restore job started for instance `instance_id`'s current restore; how many
    /// were started.
    pub async fn count_restore_attempt(&self, instance_id: i64) -> Result<u32, StoreError> {
        instance::Entity::update_many()
            .col_expr(
                instance::Column::RestoreAttempts,
                Expr::col(instance::Column::RestoreAttempts).add(1),
            )
            .filter(instance::Column::Id.eq(instance_id))
            .exec(self.connection())
            .await?;
        self.restore_attempts(instance_id).await
    }

    /// How many restore jobs instance `instance_id`'s current restore started.
    pub async fn restore_attempts(&self, instance_id: i64) -> Result<u32, StoreError> {
        let attempts: Option<i32> = instance::Entity::find_by_id(instance_id)
            .select_only()
            .column(instance::Column::RestoreAttempts)
            .into_tuple()
            .one(self.connection())
            .await?;
        let attempts = attempts.ok_or(StoreError::NotFound)?;
        Ok(u32::try_from(attempts).unwrap_or(0))
    }

    /// The instances being restored from backup `backup_id`.
    pub async fn instances_restoring_from(
        &self,
        backup_id: i64,
    ) -> Result<Vec<InstanceRecord>, StoreError> {
        instance::Entity::find()
            .filter(instance::Column::RestoringFrom.eq(backup_id))
            .all(self.connection())
            .await?
            .into_iter()
            .map(InstanceRecord::try_from)
            .collect()
    }

    /// Ends the restore of instance `instance_id` from `backup_id`: restored, or failed
    /// with the reason (an error in the log; the data is what it was).
    pub async fn end_restore(
        &self,
        instance_id: i64,
        backup_id: i64,
        outcome: Result<(), &str>,
    ) -> Result<(), StoreError> {
        let txn = self.connection().begin().await?;
        let updated = instance::Entity::update_many()
            .col_expr(instance::Column::RestoringFrom, Expr::value(None::<i64>))
            .filter(instance::Column::Id.eq(instance_id))
            .filter(instance::Column::RestoringFrom.eq(backup_id))
            .exec(&txn)
            .await?;
        if updated.rows_affected == 1 {
            let (kind, message) = match outcome {
                Ok(()) => (
                    EventKind::Step,
                    format!("restored backup {backup_id}; starting"),
                ),
                Err(why) => (
                    EventKind::Error,
                    format!(
                        "restoring backup {backup_id} failed ({why}); it starts with the data it had"
                    ),
                ),
            };
            events::insert(&txn, instance_id, None, kind, &message).await?;
            if let Err(why) = outcome {
                let why = format!("the restore failed ({why})");
                crate::copies::end_test(&txn, backup_id, instance_id, Err(&why)).await?;
            }
        }
        txn.commit().await?;
        Ok(())
    }
}

/// Starts restoring `instance_id` from `backup_id` within the caller's transaction (see
/// [`Db::start_restore`]).
pub(crate) async fn begin_restore(
    txn: &DatabaseTransaction,
    instance_id: i64,
    backup_id: i64,
    actor: Option<i64>,
) -> Result<(), StoreError> {
    let target = record(txn, instance_id).await?;
    let no_such = || Invalid::new("backup", "no such backup of this organisation").into();
    let b = match find(txn, backup_id).await {
        Ok(b) => b,
        Err(StoreError::NotFound) => return Err(no_such()),
        Err(e) => return Err(e),
    };
    if b.instance_id != instance_id
        && record(txn, b.instance_id).await?.organisation_id != target.organisation_id
    {
        return Err(no_such());
    }
    if b.state != BackupState::Stored {
        return Err(Invalid::new("backup", format!("backup {backup_id} is not stored")).into());
    }
    let updated = instance::Entity::update_many()
        .col_expr(instance::Column::RestoringFrom, Expr::value(backup_id))
        .filter(instance::Column::Id.eq(instance_id))
        .filter(instance::Column::Lifecycle.eq(Lifecycle::Running.as_str()))
        .filter(instance::Column::RestoringFrom.is_null())
        .filter(instance::Column::MovingTo.is_null())
        .exec(txn)
        .await?;
    if updated.rows_affected != 1 {
        return Err(Invalid::new(
            "backup",
            "only a running instance that is not being restored or moved can be restored",
        )
        .into());
    }
    let taken = b.requested_at.format("%Y-%m-%d %H:%M UTC");
    let message = format!("restoring backup {backup_id} (taken {taken}): maintenance");
    events::insert(txn, instance_id, actor, EventKind::Requested, &message).await?;
    Ok(())
}
