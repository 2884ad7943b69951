//! Placing an order, and whether an address is still free.

use chrono::Utc;
use domain::instance::Slug;
use domain::order::{OrderRequest, OrderStatus};
use domain::validation::Invalid;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Set,
    TransactionTrait,
};

use super::catalog::check_orderable;
use super::records::{OrderRecord, event_days_json};
use crate::entities::{instance, order, slug_reservation};
use crate::error::is_unique_violation;
use crate::{Db, StoreError};

fn taken() -> StoreError {
    Invalid::new("slug", "This address is already taken.").into()
}

impl Db {
    /// Whether no order or instance holds `slug`.
    pub async fn slug_available(&self, slug: &Slug) -> Result<bool, StoreError> {
        let conn = self.connection();
        let reserved = slug_reservation::Entity::find_by_id(slug.as_str())
            .one(conn)
            .await?
            .is_some();
        Ok(!reserved && !instance_holds(conn, slug).await?)
    }

    /// Places a pending order for `org_id` by `actor`: checks the template version against
    /// the catalog, then stores the order and reserves its address in one transaction. Of
    /// two orders for one address, the second is refused on the field `slug`.
    pub async fn place_order(
        &self,
        org_id: i64,
        actor: i64,
        request: &OrderRequest,
    ) -> Result<OrderRecord, StoreError> {
        check_orderable(self.connection(), &request.template, &request.version).await?;
        let now = Utc::now();
        let txn = self.connection().begin().await?;
        // The first statement writes, so on SQLite the transaction takes the write lock at
        // once (a concurrent one waits for it) rather than failing to upgrade a read.
        let model = order::ActiveModel {
            organisation_id: Set(org_id),
            name: Set(request.name.clone()),
            slug: Set(request.slug.as_str().to_owned()),
            template: Set(request.template.clone()),
            version: Set(request.version.clone()),
            plan: Set(request.booking.plan.as_str().to_owned()),
            rental_start: Set(request.booking.start),
            rental_end: Set(request.booking.end),
            event_days: Set(event_days_json(&request.booking.event_days)),
            contact: Set(request.contact.clone()),
            note: Set(request.note.clone()),
            status: Set(OrderStatus::Pending.as_str().to_owned()),
            reason: Set(None),
            instance_id: Set(None),
            ordered_by: Set(Some(actor)),
            decided_by: Set(None),
            created_at: Set(now),
            decided_at: Set(None),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        let reserved = slug_reservation::ActiveModel {
            slug: Set(request.slug.as_str().to_owned()),
            order_id: Set(model.id),
        }
        .insert(&txn)
        .await;
        match reserved {
            Err(e) if is_unique_violation(&e) => {
                txn.rollback().await?;
                return Err(taken());
            }
            Err(e) => return Err(e.into()),
            Ok(_) => {}
        }
        if instance_holds(&txn, &request.slug).await? {
            txn.rollback().await?;
            return Err(taken());
        }
        txn.commit().await?;
        OrderRecord::try_from(model)
    }
}

async fn instance_holds(conn: &impl ConnectionTrait, slug: &Slug) -> Result<bool, StoreError> {
    Ok(instance::Entity::find()
        .filter(instance::Column::Slug.eq(slug.as_str()))
        .count(conn)
        .await?
        > 0)
}
