//! Copies of a backup: new instances created already restoring from it, in one
//! transaction (so a crash cannot leave an empty copy that starts without its data), and
//! the restore tests that use such a copy as their scratch instance.

use std::collections::BTreeMap;

use chrono::Utc;
use domain::backup::{BackupReason, BackupState, RestoreTestState};
use domain::instance::{EventKind, Lifecycle};
use domain::validation::Invalid;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionTrait,
};

use crate::backups::{begin_restore, find};
use crate::entities::{backup, instance};
use crate::instances::{events, insert_with_secrets};
use crate::{BackupRecord, Db, InstanceRecord, NewInstance, SecretKey, SecretValue, StoreError};

/// What a copy of a backup is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CopyPurpose {
    /// A rehearsal copy that stays.
    Rehearsal,
    /// The scratch instance of the backup's restore test (erased once it is judged).
    RestoreTest,
}

impl Db {
    /// Creates instance `new` (with its `secrets`) restoring from backup `backup_id` of
    /// the same organisation; for a restore test it becomes the backup's running test
    /// (refused, field `backup`, while another test of it runs).
    #[allow(clippy::too_many_arguments)]
    pub async fn create_copy(
        &self,
        new: &NewInstance,
        secrets: &BTreeMap<String, SecretValue>,
        key: &SecretKey,
        actor: Option<i64>,
        message: &str,
        backup_id: i64,
        purpose: CopyPurpose,
    ) -> Result<InstanceRecord, StoreError> {
        let txn = self.connection().begin().await?;
        let model = insert_with_secrets(&txn, new, secrets, key, actor, message).await?;
        begin_restore(&txn, model.id, backup_id, actor).await?;
        if purpose == CopyPurpose::RestoreTest {
            let started = backup::Entity::update_many()
                .col_expr(
                    backup::Column::TestState,
                    Expr::value(RestoreTestState::Running.as_str()),
                )
                .col_expr(backup::Column::TestDetail, Expr::value(None::<String>))
                .col_expr(backup::Column::TestInstanceId, Expr::value(model.id))
                .col_expr(backup::Column::TestedAt, Expr::value(Utc::now()))
                .filter(backup::Column::Id.eq(backup_id))
                .filter(
                    backup::Column::TestState
                        .ne(RestoreTestState::Running.as_str())
                        .or(backup::Column::TestState.is_null()),
                )
                .exec(&txn)
                .await?;
            if started.rows_affected != 1 {
                return Err(Invalid::new(
                    "backup",
                    format!("a restore test of backup {backup_id} is under way"),
                )
                .into());
            }
            let b = find(&txn, backup_id).await?;
            let message = format!(
                "restore test of backup {backup_id} started (scratch instance {})",
                model.id
            );
            events::insert(&txn, b.instance_id, actor, EventKind::Requested, &message).await?;
        }
        txn.commit().await?;
        InstanceRecord::try_from(model)
    }

    /// The backups whose restore test runs.
    pub async fn running_restore_tests(&self) -> Result<Vec<BackupRecord>, StoreError> {
        backup::Entity::find()
            .filter(backup::Column::TestState.eq(RestoreTestState::Running.as_str()))
            .order_by_asc(backup::Column::Id)
            .all(self.connection())
            .await?
            .into_iter()
            .map(BackupRecord::try_from)
            .collect()
    }

    /// Stored final backups never tested, oldest first (at most `limit`).
    pub async fn untested_final_backups(
        &self,
        limit: u64,
    ) -> Result<Vec<BackupRecord>, StoreError> {
        backup::Entity::find()
            .filter(backup::Column::Reason.eq(BackupReason::Final.as_str()))
            .filter(backup::Column::State.eq(BackupState::Stored.as_str()))
            .filter(backup::Column::TestState.is_null())
            .order_by_asc(backup::Column::Id)
            .limit(limit)
            .all(self.connection())
            .await?
            .into_iter()
            .map(BackupRecord::try_from)
            .collect()
    }

    /// The scratch instances of ended restore tests that are not erased yet.
    pub async fn ended_test_copies(&self) -> Result<Vec<i64>, StoreError> {
        let ended = [
            RestoreTestState::Passed.as_str(),
            RestoreTestState::Failed.as_str(),
        ];
        let copies: Vec<Option<i64>> = backup::Entity::find()
            .select_only()
            .column(backup::Column::TestInstanceId)
            .filter(backup::Column::TestState.is_in(ended))
            .filter(backup::Column::TestInstanceId.is_not_null())
            .into_tuple()
            .all(self.connection())
            .await?;
        let copies: Vec<i64> = copies.into_iter().flatten().collect();
        Ok(instance::Entity::find()
            .select_only()
            .column(instance::Column::Id)
            .filter(instance::Column::Id.is_in(copies))
            .filter(instance::Column::Lifecycle.ne(Lifecycle::Erased.as_str()))
            .into_tuple()
            .all(self.connection())
            .await?)
    }

    /// Records how the running restore test of backup `backup_id` (scratch instance
    /// `copy`) ended; false when it was not running with that copy (nothing changes).
    pub async fn end_restore_test(
        &self,
        backup_id: i64,
        copy: i64,
        outcome: Result<(), &str>,
    ) -> Result<bool, StoreError> {
        let txn = self.connection().begin().await?;
        let ended = end_test(&txn, backup_id, copy, outcome).await?;
        txn.commit().await?;
        Ok(ended)
    }
}

/// Ends the running restore test of `backup_id` whose scratch instance is `copy`, with
/// the verdict in the backed-up instance's log; false when there is no such test.
pub(crate) async fn end_test(
    txn: &DatabaseTransaction,
    backup_id: i64,
    copy: i64,
    outcome: Result<(), &str>,
) -> Result<bool, StoreError> {
    let (state, detail) = match outcome {
        Ok(()) => (RestoreTestState::Passed, None),
        Err(why) => (RestoreTestState::Failed, Some(why.to_owned())),
    };
    let updated = backup::Entity::update_many()
        .col_expr(backup::Column::TestState, Expr::value(state.as_str()))
        .col_expr(backup::Column::TestDetail, Expr::value(detail))
        .col_expr(backup::Column::TestedAt, Expr::value(Utc::now()))
        .filter(backup::Column::Id.eq(backup_id))
        .filter(backup::Column::TestInstanceId.eq(copy))
        .filter(backup::Column::TestState.eq(RestoreTestState::Running.as_str()))
        .exec(txn)
        .await?;
    if updated.rows_affected != 1 {
        return Ok(false);
    }
    let b = find(txn, backup_id).await?;
    let (kind, message) = match outcome {
        Ok(()) => (
            EventKind::Step,
            format!("restore test of backup {backup_id} passed: its copy came up and answered"),
        ),
        Err(why) => (
            EventKind::Error,
            format!("restore test of backup {backup_id} failed: {why}"),
        ),
    };
    events::insert(txn, b.instance_id, None, kind, &message).await?;
    Ok(true)
}
