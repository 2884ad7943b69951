//! Placement: which Swarm node an instance lives on, and moving it to another one when its
//! node is drained. Every change is one conditional write plus an event, so two callers
//! cannot both place or move the same instance.

use domain::instance::{EventKind, Lifecycle};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, TransactionTrait};

use super::records::InstanceRecord;
use super::{events, record};
use crate::entities::instance;
use crate::{Db, StoreError};

impl Db {
    /// Places instance `id` on `node` (shown as `hostname` in its log) unless it is placed
    /// already; the instance as it is afterwards.
    pub async fn place_instance(
        &self,
        id: i64,
        node: &str,
        hostname: &str,
    ) -> Result<InstanceRecord, StoreError> {
        let txn = self.connection().begin().await?;
        let updated = instance::Entity::update_many()
            .col_expr(instance::Column::NodeId, Expr::value(node))
            .filter(instance::Column::Id.eq(id))
            .filter(instance::Column::NodeId.is_null())
            .exec(&txn)
            .await?;
        if updated.rows_affected == 1 {
            // A change of its desired state (where it lives), not of a Swarm object.
            let message = format!("placed on node {hostname}");
            events::insert(&txn, id, None, EventKind::Requested, &message).await?;
        }
        let stored = record(&txn, id).await?;
        txn.commit().await?;
        Ok(stored)
    }

    /// Starts moving placed instance `id` to `node` (`hostname`), because of `why`; false
    /// when it is not placed or already moving.
    pub async fn start_move(
        &self,
        id: i64,
        node: &str,
        hostname: &str,
        why: &str,
        actor: Option<i64>,
    ) -> Result<bool, StoreError> {
        let txn = self.connection().begin().await?;
        let updated = instance::Entity::update_many()
            .col_expr(instance::Column::MovingTo, Expr::value(node))
            .filter(instance::Column::Id.eq(id))
            .filter(instance::Column::NodeId.is_not_null())
            .filter(instance::Column::NodeId.ne(node))
            .filter(instance::Column::MovingTo.is_null())
            .exec(&txn)
            .await?;
        let started = updated.rows_affected == 1;
        if started {
            let message = format!("moving to node {hostname}: {why}");
            events::insert(&txn, id, actor, EventKind::Requested, &message).await?;
        }
        txn.commit().await?;
        Ok(started)
    }

    /// Ends the move of instance `id` to `node`: it lives there now (`message` in its log).
    pub async fn finish_move(
        &self,
        id: i64,
        node: &str,
        message: &str,
    ) -> Result<InstanceRecord, StoreError> {
        self.end_move(id, node, true, EventKind::Requested, message)
            .await
    }

    /// Gives up the move of instance `id` to `node`: it stays where it is (`reason`, an
    /// error in its log).
    pub async fn cancel_move(
        &self,
        id: i64,
        node: &str,
        reason: &str,
    ) -> Result<InstanceRecord, StoreError> {
        self.end_move(id, node, false, EventKind::Error, reason)
            .await
    }

    async fn end_move(
        &self,
        id: i64,
        node: &str,
        arrived: bool,
        kind: EventKind,
        message: &str,
    ) -> Result<InstanceRecord, StoreError> {
        let txn = self.connection().begin().await?;
        let mut update = instance::Entity::update_many()
            .col_expr(instance::Column::MovingTo, Expr::value(None::<String>));
        if arrived {
            update = update.col_expr(instance::Column::NodeId, Expr::value(node));
        }
        let updated = update
            .filter(instance::Column::Id.eq(id))
            .filter(instance::Column::MovingTo.eq(node))
            .exec(&txn)
            .await?;
        if updated.rows_affected == 1 {
            events::insert(&txn, id, None, kind, message).await?;
        }
        let stored = record(&txn, id).await?;
        txn.commit().await?;
        Ok(stored)
    }

    /// The running or stopped instances placed on `node` (moving away or not), by id:
    /// those whose data a drain of the node moves.
    pub async fn instances_on_node(&self, node: &str) -> Result<Vec<InstanceRecord>, StoreError> {
        let kept = [Lifecycle::Running.as_str(), Lifecycle::Stopped.as_str()];
        instance::Entity::find()
            .filter(instance::Column::NodeId.eq(node))
            .filter(instance::Column::Lifecycle.is_in(kept))
            .order_by_asc(instance::Column::Id)
            .all(self.connection())
            .await?
            .into_iter()
            .map(InstanceRecord::try_from)
            .collect()
    }
}
