//! Turning approved orders into instance records: at approval when the rental has begun,
//! otherwise when the scheduler finds them due.

use chrono::{NaiveDate, Utc};
use domain::instance::{Lifecycle, Slug};
use domain::order::{OrderStatus, limits_of, replicas_of};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, TransactionTrait,
};

use super::plans::sizing_of;
use super::{find, lock, no_longer};
use crate::entities::order;
use crate::instances::insert_instance;
use crate::{Db, NewInstance, StoreError};

impl Db {
    /// Provisions every approved order whose rental period includes `today`, each in its own
    /// transaction. Returns the ids of the orders provisioned; an order that fails is logged
    /// and stays approved (it is tried again next time). One whose rental ended before it
    /// was provisioned (Plenum was down throughout) stays approved for staff to see.
    pub async fn provision_due_orders(&self, today: NaiveDate) -> Result<Vec<i64>, StoreError> {
        let due: Vec<i64> = order::Entity::find()
            .filter(order::Column::Status.eq(OrderStatus::Approved.as_str()))
            .filter(order::Column::RentalStart.lte(today))
            .filter(order::Column::RentalEnd.gte(today))
            .order_by_asc(order::Column::Id)
            .all(self.connection())
            .await?
            .into_iter()
            .map(|o| o.id)
            .collect();
        let mut done = Vec::new();
        for id in due {
            let result = async {
                let txn = self.connection().begin().await?;
                provision(&txn, id, None).await?;
                txn.commit().await?;
                Ok::<_, StoreError>(())
            }
            .await;
            match result {
                Ok(()) => done.push(id),
                // Another scheduler or a cancellation got there first: nothing to do.
                Err(StoreError::Rejected(_)) => {}
                Err(e) => tracing::warn!(order = id, error = %e, "provisioning an order failed"),
            }
        }
        Ok(done)
    }
}

/// Creates the instance of approved order `id` (running, replicas and limits from its plan)
/// and marks the order provisioned, inside `txn`. Refused if the order is no longer approved.
pub(super) async fn provision(
    txn: &DatabaseTransaction,
    id: i64,
    actor: Option<i64>,
) -> Result<(), StoreError> {
    lock(txn, id).await?;
    let current = find(txn, id).await?;
    if current.status != OrderStatus::Approved {
        return Err(no_longer(current.status, "provisioned"));
    }
    let sizing = sizing_of(txn, &current.template, current.booking.plan).await?;
    let slug = Slug::parse(&current.slug)?;
    let new = NewInstance {
        organisation_id: current.organisation_id,
        name: current.name.clone(),
        slug,
        template: current.template.clone(),
        version: current.version.clone(),
        replicas: replicas_of(&sizing),
        // Plans are checked when staff set them: an amount that does not parse is corrupt.
        limits: limits_of(&sizing).map_err(|e| {
            StoreError::Database(sea_orm::DbErr::Custom(format!(
                "plan {}/{}: stored limits are not valid: {}",
                current.template, current.booking.plan, e.message
            )))
        })?,
        lifecycle: Lifecycle::Running,
    };
    let mut message = format!(
        "created from order {id} ({} plan, rental {} to {})",
        current.booking.plan, current.booking.start, current.booking.end
    );
    if let Some(note) = &current.reason {
        message.push_str("; ");
        message.push_str(note);
    }
    let instance = insert_instance(txn, &new, actor, &message).await?;
    let applied = order::Entity::update_many()
        .col_expr(
            order::Column::Status,
            Expr::value(OrderStatus::Provisioned.as_str()),
        )
        .col_expr(order::Column::InstanceId, Expr::value(Some(instance.id)))
        .col_expr(order::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(order::Column::Id.eq(id))
        .filter(order::Column::Status.eq(OrderStatus::Approved.as_str()))
        .exec(txn)
        .await?;
    if applied.rows_affected == 0 {
        let moved = find(txn, id).await?;
        return Err(no_longer(moved.status, "provisioned"));
    }
    Ok(())
}
