//! Decisions on an order: staff approve or reject it, the customer cancels it.

use chrono::{NaiveDate, Utc};
use domain::order::OrderStatus;
use domain::validation::Invalid;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter, TransactionTrait,
};

use super::provision::provision;
use super::records::OrderRecord;
use super::{find, lock, no_longer};
use crate::entities::{order, slug_reservation};
use crate::{Db, StoreError};

impl Db {
    /// Approves pending order `id` (by `actor`; `None` for auto-approval), with `note` kept
    /// as its reason (e.g. why staff approved it over capacity; it reaches the instance's
    /// log). When its rental period has begun by `today`, its instance is created in the
    /// same transaction. An order whose rental has already ended is refused on the field
    /// `status`.
    pub async fn approve_order(
        &self,
        id: i64,
        actor: Option<i64>,
        today: NaiveDate,
        note: Option<&str>,
    ) -> Result<OrderRecord, StoreError> {
        let txn = self.connection().begin().await?;
        lock(&txn, id).await?;
        let current = find(&txn, id).await?;
        if current.status.awaits_decision() && current.booking.end < today {
            return Err(Invalid::new(
                "status",
                format!(
                    "The rental ended on {}; reject the order instead.",
                    current.booking.end
                ),
            )
            .into());
        }
        move_status(
            &txn,
            &current,
            OrderStatus::Pending,
            OrderStatus::Approved,
            actor,
            note,
            "approved",
        )
        .await?;
        if current.booking.start <= today {
            provision(&txn, id, actor).await?;
        }
        let done = find(&txn, id).await?;
        txn.commit().await?;
        Ok(done)
    }

    /// Rejects pending order `id` with `reason` (checked by the caller), freeing its address.
    pub async fn reject_order(
        &self,
        id: i64,
        actor: i64,
        reason: &str,
    ) -> Result<OrderRecord, StoreError> {
        let txn = self.connection().begin().await?;
        lock(&txn, id).await?;
        let current = find(&txn, id).await?;
        move_status(
            &txn,
            &current,
            OrderStatus::Pending,
            OrderStatus::Rejected,
            Some(actor),
            Some(reason),
            "rejected",
        )
        .await?;
        release_slug(&txn, id).await?;
        let done = find(&txn, id).await?;
        txn.commit().await?;
        Ok(done)
    }

    /// Cancels order `id` of organisation `org_id` before it is provisioned, freeing its
    /// address. An order of another organisation is [`StoreError::NotFound`], like a
    /// missing one.
    pub async fn cancel_order(&self, org_id: i64, id: i64) -> Result<OrderRecord, StoreError> {
        let txn = self.connection().begin().await?;
        lock(&txn, id).await?;
        let current = find(&txn, id).await?;
        if current.organisation_id != org_id {
            return Err(StoreError::NotFound);
        }
        if !current.status.may_cancel() {
            return Err(no_longer(current.status, "cancelled"));
        }
        let applied = order::Entity::update_many()
            .col_expr(
                order::Column::Status,
                Expr::value(OrderStatus::Cancelled.as_str()),
            )
            .col_expr(order::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(order::Column::Id.eq(id))
            .filter(order::Column::Status.eq(current.status.as_str()))
            .exec(&txn)
            .await?;
        if applied.rows_affected == 0 {
            let now = find(&txn, id).await?;
            txn.rollback().await?;
            return Err(no_longer(now.status, "cancelled"));
        }
        release_slug(&txn, id).await?;
        let done = find(&txn, id).await?;
        txn.commit().await?;
        Ok(done)
    }
}

/// Moves `current` from `from` to `to` if nobody moved it first, recording the decision.
async fn move_status(
    txn: &DatabaseTransaction,
    current: &OrderRecord,
    from: OrderStatus,
    to: OrderStatus,
    actor: Option<i64>,
    reason: Option<&str>,
    what: &str,
) -> Result<(), StoreError> {
    if current.status != from {
        return Err(no_longer(current.status, what));
    }
    let now = Utc::now();
    let applied = order::Entity::update_many()
        .col_expr(order::Column::Status, Expr::value(to.as_str()))
        .col_expr(
            order::Column::Reason,
            Expr::value(reason.map(str::to_owned)),
        )
        .col_expr(order::Column::DecidedBy, Expr::value(actor))
        .col_expr(order::Column::DecidedAt, Expr::value(Some(now)))
        .col_expr(order::Column::UpdatedAt, Expr::value(now))
        .filter(order::Column::Id.eq(current.id))
        .filter(order::Column::Status.eq(from.as_str()))
        .exec(txn)
        .await?;
    if applied.rows_affected == 0 {
        let moved = find(txn, current.id).await?;
        return Err(no_longer(moved.status, what));
    }
    Ok(())
}

async fn release_slug(conn: &impl ConnectionTrait, order_id: i64) -> Result<(), StoreError> {
    slug_reservation::Entity::delete_many()
        .filter(slug_reservation::Column::OrderId.eq(order_id))
        .exec(conn)
        .await?;
    Ok(())
}
