//! An organisation's orders, shown on its page: status, the reason of a rejection, and a
//! cancel button until the instance exists.

use crate::api::orders::{CancelOrder, org_orders};
use crate::components::feedback::{FormError, last_error};
use crate::dto::OrderView;
use crate::error::AppError;
use leptos::prelude::*;
use leptos_router::components::A;

/// The orders of an organisation, loaded by [`org_orders_resource`], and the action that
/// cancels one (the list reloads after each).
#[derive(Clone, Copy)]
pub struct OrdersResource {
    orders: Resource<Result<Vec<OrderView>, AppError>>,
    cancel: ServerAction<CancelOrder>,
}

/// Loads the orders of the organisation `org_id()` (none: not found). Created by the
/// organisation page before any resource is awaited, like
/// [`crate::pages::instances::org_instances_resource`] (same reason).
pub fn org_orders_resource(
    org_id: impl Fn() -> Option<i64> + Send + Sync + 'static,
) -> OrdersResource {
    let cancel = ServerAction::<CancelOrder>::new();
    let orders = Resource::new(
        move || (org_id(), cancel.version().get()),
        |(id, _)| async move {
            match id {
                Some(id) => org_orders(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    OrdersResource { orders, cancel }
}

/// The orders of organisation `org_id`; owners (and staff) may order and cancel.
#[component]
pub fn OrgOrders(org_id: i64, can_manage: bool, orders: OrdersResource) -> impl IntoView {
    let OrdersResource { orders, cancel } = orders;
    let error = last_error(cancel);
    view! {
        <h2>"Orders"</h2>
        {can_manage.then(|| view! {
            <p><A href=format!("/orgs/{org_id}/order") attr:class="button">"Order an instance"</A></p>
        })}
        <FormError error fields=&[] />
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match orders.await {
                    Ok(list) if list.is_empty() => view! { <p>"No orders yet."</p> }.into_any(),
                    Ok(list) => view! {
                        <table class="table" id="orders">
                            <thead>
                                <tr>
                                    <th scope="col">"Instance"</th>
                                    <th scope="col">"Rental"</th>
                                    <th scope="col">"Plan"</th>
                                    <th scope="col">"Status"</th>
                                    {can_manage.then(|| view! { <th scope="col">"Actions"</th> })}
                                </tr>
                            </thead>
                            <tbody>
                                {list.into_iter().map(|order| view! { <OrderRow order can_manage cancel /> }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                    Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn OrderRow(
    order: OrderView,
    can_manage: bool,
    cancel: ServerAction<CancelOrder>,
) -> impl IntoView {
    let may_cancel = can_manage && order.status.may_cancel();
    let status = order.status.as_str();
    view! {
        <tr data-order=order.id>
            <td>{order.name.clone()} <br /> <code>{order.slug.clone()}</code></td>
            <td>{format!("{} to {}", order.rental_start, order.rental_end)}</td>
            <td>{order.plan.as_str()}</td>
            <td>
                <span class=format!("badge status-{status}")>{status}</span>
                {order.reason.clone().map(|reason| view! { <p class="reason">{reason}</p> })}
            </td>
            {can_manage.then(|| view! {
                <td class="row-actions">
                    {may_cancel.then(|| view! {
                        <ActionForm action=cancel>
                            <input type="hidden" name="org_id" value=order.org_id />
                            <input type="hidden" name="order_id" value=order.id />
                            <button type="submit" class="danger">"Cancel order"</button>
                        </ActionForm>
                    })}
                </td>
            })}
        </tr>
    }
}
