//! Ordering, as customers see it: what can be ordered, whether an address is free, placing
//! an order, the organisation's orders, and cancelling one.

// `place_order` takes the order form's fields one by one, as the form posts them; the
// function the server macro generates for the browser repeats that argument list.
#![allow(clippy::too_many_arguments)]

use crate::dto::{AvailabilityView, OrderOptions, OrderView, SlugCheck};
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    crate::dto::{CatalogItem, PlanChoice},
    crate::server::{authorize_org, context::store_error, orders, require_actor, respond, state},
    domain::access::OrgAction,
    domain::booking::PlanSize,
    domain::instance::Slug,
    domain::order::OrderForm,
};

/// The template versions on offer, the plans, and the booking limits.
#[server(name = OrderChoices, prefix = "/api", endpoint = "orders/options")]
pub async fn order_options() -> Result<OrderOptions, AppError> {
    respond(
        async {
            let state = state()?;
            require_actor(&state).await?;
            let versions = state.db.catalog(false).await.map_err(store_error)?;
            Ok(OrderOptions {
                versions: versions.into_iter().map(CatalogItem::from).collect(),
                plans: PlanSize::ALL
                    .into_iter()
                    .map(|size| PlanChoice {
                        size,
                        max_participants: size.max_participants(),
                    })
                    .collect(),
                max_rental_days: state.orders.max_rental_days,
                today: orders::today().to_string(),
            })
        }
        .await,
    )
}

/// Whether `slug` is a valid address that no order or instance holds.
#[server(name = CheckSlug, prefix = "/api", endpoint = "orders/slug")]
pub async fn check_slug(slug: String) -> Result<SlugCheck, AppError> {
    respond(
        async {
            let state = state()?;
            require_actor(&state).await?;
            let typed = slug.trim().to_owned();
            let (available, message) = match Slug::parse(&typed) {
                Err(invalid) => (false, invalid.message),
                Ok(slug) => {
                    if state.db.slug_available(&slug).await.map_err(store_error)? {
                        (true, format!("{slug} is available."))
                    } else {
                        (false, format!("{slug} is already taken."))
                    }
                }
            };
            Ok(SlugCheck {
                slug: typed,
                available,
                message,
            })
        }
        .await,
    )
}

/// Places an order for organisation `org_id` (owners and staff).
#[server(name = PlaceOrder, prefix = "/api", endpoint = "orders/place")]
pub async fn place_order(
    org_id: i64,
    name: String,
    slug: String,
    template: String,
    version: String,
    plan: String,
    rental_start: String,
    rental_end: String,
    event_days: String,
    contact: String,
    note: String,
) -> Result<OrderView, AppError> {
    respond(
        async {
            let state = state()?;
            let access = authorize_org(&state, org_id, OrgAction::Manage).await?;
            let form = OrderForm {
                name,
                slug,
                template,
                version,
                plan,
                rental_start,
                rental_end,
                event_days,
                contact,
                note,
            };
            let order = orders::place(&state, org_id, access.actor.user_id, &form).await?;
            orders::provision_soon(&state, &order);
            Ok(OrderView::from(order))
        }
        .await,
    )
}

/// Whether the plan, rental period and event days fit the platform's capacity, day by day,
/// with the nearest dates that fit when they do not (signed-in people; the same check runs
/// again when the order is placed).
#[server(name = CheckAvailability, prefix = "/api", endpoint = "orders/availability")]
pub async fn check_availability(
    plan: String,
    rental_start: String,
    rental_end: String,
    event_days: String,
) -> Result<AvailabilityView, AppError> {
    respond(
        async {
            let state = state()?;
            require_actor(&state).await?;
            let booking = domain::order::check_dates(
                &plan,
                &rental_start,
                &rental_end,
                &event_days,
                orders::booking_rules(state.orders),
            )?;
            let verdict =
                crate::server::capacity::assess(&state, &booking, None, orders::today()).await?;
            Ok(crate::server::capacity::view(verdict.as_ref(), false))
        }
        .await,
    )
}

/// The orders of organisation `org_id`, newest first.
#[server(name = OrgOrders, prefix = "/api", endpoint = "orders/list")]
pub async fn org_orders(org_id: i64) -> Result<Vec<OrderView>, AppError> {
    respond(
        async {
            let state = state()?;
            authorize_org(&state, org_id, OrgAction::View).await?;
            let list = state.db.orders_of_org(org_id).await.map_err(store_error)?;
            Ok(list.into_iter().map(OrderView::from).collect())
        }
        .await,
    )
}

/// Cancels order `order_id` of organisation `org_id` before it is provisioned (owners and
/// staff). An order of another organisation is not found, like a missing one.
#[server(name = CancelOrder, prefix = "/api", endpoint = "orders/cancel")]
pub async fn cancel_order(org_id: i64, order_id: i64) -> Result<OrderView, AppError> {
    respond(
        async {
            let state = state()?;
            authorize_org(&state, org_id, OrgAction::Manage).await?;
            let order = state
                .db
                .cancel_order(org_id, order_id)
                .await
                .map_err(store_error)?;
            tracing::info!(order = order.id, org = org_id, "order cancelled");
            Ok(OrderView::from(order))
        }
        .await,
    )
}

#[cfg(feature = "ssr")]
impl From<store::OrderRecord> for OrderView {
    fn from(o: store::OrderRecord) -> Self {
        Self {
            id: o.id,
            org_id: o.organisation_id,
            name: o.name,
            slug: o.slug,
            template: o.template,
            version: o.version,
            plan: o.booking.plan,
            rental_start: o.booking.start.to_string(),
            rental_end: o.booking.end.to_string(),
            event_days: o.booking.event_days,
            contact: o.contact,
            note: o.note,
            status: o.status,
            reason: o.reason,
            instance_id: o.instance_id,
            created_at: o.created_at.to_rfc3339(),
        }
    }
}

#[cfg(feature = "ssr")]
impl From<store::CatalogEntry> for CatalogItem {
    fn from(c: store::CatalogEntry) -> Self {
        Self {
            id: c.id,
            template: c.template,
            version: c.version,
            available: c.available,
        }
    }
}
