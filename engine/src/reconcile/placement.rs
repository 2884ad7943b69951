//! Placing an instance on a node before anything of it exists in Swarm, from the Swarm's
//! nodes and the bookings of the instances already placed (`domain::capacity::placement`).

use std::collections::{BTreeMap, BTreeSet};

use chrono::Utc;
use domain::booking::{Booking, PlanSize};
use domain::capacity::placement::{Resident, choose_node};
use domain::instance::Lifecycle;
use domain::order::OrderStatus;
use store::{Db, InstanceRecord, StoreError};

use super::desired::DesiredStack;
use super::{Context, ReconcileError};
use crate::docker::Observation;
use crate::spec::service_name;

/// The booking an instance's demand follows: its order's, or for an instance made without
/// an order (by staff) a small plan with no event days, from today.
fn booking_of(bookings: &BTreeMap<i64, Booking>, instance: i64) -> Booking {
    bookings.get(&instance).cloned().unwrap_or_else(|| {
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
                booking: booking_of(&bookings, i.id),
            })
        })
        .collect())
}

/// The booking of instance `id` (see [`booking_of`]).
pub async fn booking(db: &Db, id: i64) -> Result<Booking, StoreError> {
    let order = db.order_of_instance(id).await?;
    let bookings = order
        .map(|o| BTreeMap::from([(id, o.booking)]))
        .unwrap_or_default();
    Ok(booking_of(&bookings, id))
}

/// Places `record` on a node when it has never been applied to Swarm (a placed instance
/// keeps its node: its volumes are there); the record as it is afterwards. Without a node
/// that takes instances it stays unplaced, and Swarm chooses.
pub(super) async fn ensure_placed(
    ctx: &Context,
    record: InstanceRecord,
) -> Result<InstanceRecord, ReconcileError> {
    if record.node_id.is_some()
        || record.lifecycle != Lifecycle::Running
        || record.observed_generation != 0
    {
        return Ok(record);
    }
    let _placing = ctx.placing.lock().await;
    let record = ctx.db.instance(record.id).await?;
    if record.node_id.is_some() {
        return Ok(record);
    }
    let nodes = ctx.docker.nodes().await?;
    let residents = residents(&ctx.db).await?;
    let booking = booking(&ctx.db, record.id).await?;
    match choose_node(&nodes, &residents, &booking, &ctx.settings.demand) {
        Some(node) => Ok(ctx
            .db
            .place_instance(record.id, &node.id, &node.hostname)
            .await?),
        None => Ok(record),
    }
}

/// Records the node of a running instance that was never placed (made before Plenum placed
/// instances): the one node the tasks of its services with volumes run on. From then on its
/// services are held there, and a drain of that node moves it with its data instead of
/// leaving it to Swarm, which would start it elsewhere on empty volumes.
pub(super) async fn adopt(
    ctx: &Context,
    record: &InstanceRecord,
    desired: &DesiredStack,
    observation: &Observation,
) -> Result<(), ReconcileError> {
    if record.node_id.is_some()
        || record.observed_generation == 0
        || record.lifecycle != Lifecycle::Running
    {
        return Ok(());
    }
    let stack = desired.stack();
    let stateful: BTreeSet<String> = stack
        .services
        .values()
        .filter(|s| !s.mounts.is_empty())
        .map(|s| service_name(&stack.stack, &s.name))
        .collect();
    let ids: Vec<String> = observation
        .objects
        .services
        .iter()
        .filter(|s| stateful.contains(&s.name))
        .map(|s| s.id.clone())
        .collect();
    if ids.is_empty() {
        return Ok(());
    }
    let tasks = ctx.docker.tasks(&ids).await?;
    let nodes: BTreeSet<&String> = tasks
        .iter()
        .filter(|t| t.running)
        .filter_map(|t| t.node_id.as_ref())
        .collect();
    if let [node] = nodes.into_iter().collect::<Vec<_>>()[..] {
        let hostname = ctx
            .docker
            .nodes()
            .await?
            .into_iter()
            .find(|n| &n.id == node)
            .map_or_else(|| node.clone(), |n| n.hostname);
        ctx.db.place_instance(record.id, node, &hostname).await?;
    }
    Ok(())
}
