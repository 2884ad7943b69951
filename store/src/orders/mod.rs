//! Ordering: the catalog of template versions, the plans that size them, customers' orders
//! and their way from pending to provisioned.
//!
//! An address is held by a row in `slug_reservations` (primary key: the slug) from the moment
//! an order is placed until it is rejected or cancelled; placing an order also checks the
//! instances, so an address is unique across orders *and* instances. Every status change is
//! a conditional update (`WHERE status = …`), so two racing decisions cannot both apply.

mod catalog;
mod decide;
mod place;
mod plans;
mod provision;
mod records;

pub use catalog::CatalogEntry;
pub use plans::PlanRecord;
pub use records::OrderRecord;

use domain::order::OrderStatus;
use domain::validation::Invalid;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder,
};

use crate::entities::order;
use crate::{Db, StoreError};

impl Db {
    /// The order with this id.
    pub async fn order(&self, id: i64) -> Result<OrderRecord, StoreError> {
        find(self.connection(), id).await
    }

    /// The order that instance `instance_id` was provisioned from, if it came from one.
    pub async fn order_of_instance(
        &self,
        instance_id: i64,
    ) -> Result<Option<OrderRecord>, StoreError> {
        order::Entity::find()
            .filter(order::Column::InstanceId.eq(instance_id))
            .one(self.connection())
            .await?
            .map(OrderRecord::try_from)
            .transpose()
    }

    /// An organisation's orders, newest first.
    pub async fn orders_of_org(&self, org_id: i64) -> Result<Vec<OrderRecord>, StoreError> {
        let rows = order::Entity::find()
            .filter(order::Column::OrganisationId.eq(org_id))
            .order_by_desc(order::Column::Id)
            .all(self.connection())
            .await?;
        rows.into_iter().map(OrderRecord::try_from).collect()
    }

    /// Every order with one of `statuses`, oldest first (the staff queue).
    pub async fn orders_with_status(
        &self,
        statuses: &[OrderStatus],
    ) -> Result<Vec<OrderRecord>, StoreError> {
        let rows = order::Entity::find()
            .filter(order::Column::Status.is_in(statuses.iter().map(|s| s.as_str())))
            .order_by_asc(order::Column::Id)
            .all(self.connection())
            .await?;
        rows.into_iter().map(OrderRecord::try_from).collect()
    }
}

/// Takes the write lock on order `id` with a no-op update, as a transaction's first
/// statement: SQLite then waits for a concurrent writer instead of failing to upgrade a read
/// lock, and PostgreSQL holds the row until the transaction ends, so decisions on one order
/// run one after the other. [`StoreError::NotFound`] if there is no such order.
async fn lock(txn: &DatabaseTransaction, id: i64) -> Result<(), StoreError> {
    let touched = order::Entity::update_many()
        .col_expr(order::Column::Id, Expr::col(order::Column::Id).into())
        .filter(order::Column::Id.eq(id))
        .exec(txn)
        .await?;
    if touched.rows_affected == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

async fn find(conn: &impl ConnectionTrait, id: i64) -> Result<OrderRecord, StoreError> {
    order::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound)
        .and_then(OrderRecord::try_from)
}

/// The refusal when an order has moved on since it was read.
fn no_longer(status: OrderStatus, what: &str) -> StoreError {
    Invalid::new(
        "status",
        format!("This order is {status} and can no longer be {what}."),
    )
    .into()
}
