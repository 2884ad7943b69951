//! Placing an instance on a node before its services are rendered: a new one from the
//! Swarm's nodes and the bookings of the instances already placed
//! (`domain::capacity::placement`), a running one without a recorded node (made before
//! Plenum placed instances) on the node its tasks run on.

use std::collections::{BTreeMap, BTreeSet};

use chrono::Utc;
use domain::booking::{Booking, PlanSize};
use domain::capacity::placement::{Resident, choose_node, hostname_of};
use domain::instance::Lifecycle;
use domain::order::OrderStatus;
use store::{Db, InstanceRecord, StoreError};

use super::{Context, ReconcileError};

/// The booking an instance's demand follows: its order's, or for an instance made without
/// an order (by staff) a small plan with no event days, from today.
fn booking_or_default(order: Option<Booking>) -> Booking {
    order.unwrap_or_else(|| {
        let today = Utc::now().date_naive();
        Booking {
            start: today,
            end: today,
            event_days: Vec::new(),
            plan: PlanSize::Small,
        }
    })
}

/// Every placed instance that still has its data (running, stopped or moving), with its
/// booking.
pub async fn residents(db: &Db) -> Result<Vec<Resident>, StoreError> {
    let bookings: BTreeMap<i64, Booking> = db
        .orders_with_status(&[OrderStatus::Approved, OrderStatus::Provisioned])
        .await?
        .into_iter()
        .filter_map(|order| Some((order.instance_id?, order.booking)))
        .collect();
    Ok(db
        .all_instances()
        .await?
        .into_iter()
        .filter(|i| matches!(i.lifecycle, Lifecycle::Running | Lifecycle::Stopped))
        .filter_map(|i| {
            let node = i.moving_to.or(i.node_id)?;
            Some(Resident {
                instance: i.id,
                node,
                booking: booking_or_default(bookings.get(&i.id).cloned()),
            })
        })
        .collect())
}

/// The booking of instance `id` (see [`booking_or_default`]).
pub async fn booking(db: &Db, id: i64) -> Result<Booking, StoreError> {
    let order = db.order_of_instance(id).await?;
    Ok(booking_or_default(order.map(|o| o.booking)))
}

/// Places `record` on a node before its services are rendered: a new instance (never
/// applied to Swarm) on the node placement chooses; a running one that has no node recorded
/// (made before Plenum placed instances) on the one node all its running tasks are on, so
/// that a drain moves it rather than leaving it to Swarm, which would restart it on empty
/// volumes. A placed instance keeps its node (its volumes are there). Without a node that
/// takes instances, or with tasks on several nodes, it stays unplaced. The record as it is
/// afterwards.
pub(super) async fn ensure_placed(
    ctx: &Context,
    record: InstanceRecord,
) -> Result<InstanceRecord, ReconcileError> {
    if record.node_id.is_some() || record.lifecycle != Lifecycle::Running {
        return Ok(record);
    }
    let _placing = ctx.placing.lock().await;
    let record = ctx.db.instance(record.id).await?;
    if record.node_id.is_some() {
        return Ok(record);
    }
    let nodes = ctx.docker.nodes().await?;
    let node = if record.observed_generation == 0 {
        let residents = residents(&ctx.db).await?;
        let booking = booking(&ctx.db, record.id).await?;
        choose_node(&nodes, &residents, &booking, &ctx.settings.demand).map(|n| n.id.clone())
    } else {
        running_on(ctx, record.id).await?
    };
    let Some(node) = node else {
        return Ok(record);
    };
    let hostname = hostname_of(&nodes, &node);
    Ok(ctx.db.place_instance(record.id, &node, &hostname).await?)
}

/// The one node every running task of instance `id` is on (None: no task, or several
/// nodes).
async fn running_on(ctx: &Context, id: i64) -> Result<Option<String>, ReconcileError> {
    let observation = ctx
        .docker
        .observe(&ctx.settings.installation_id, id)
        .await?;
    let ids: Vec<String> = observation
        .objects
        .services
        .iter()
        .map(|s| s.id.clone())
        .collect();
    let nodes: BTreeSet<String> = ctx
        .docker
        .tasks(&ids)
        .await?
        .into_iter()
        .filter(|t| t.running)
        .filter_map(|t| t.node_id)
        .collect();
    Ok(match nodes.len() {
        1 => nodes.into_iter().next(),
        _ => None,
    })
}
