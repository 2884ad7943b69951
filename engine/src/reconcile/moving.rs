//! A pass for an instance that is moving to another node (its node is drained): its
//! services are kept at zero tasks, a sending and a receiving job copy its volumes, and
//! only when the receiver has checked and unpacked everything does the instance live on
//! the new node (`domain::plan::moving` decides each step). A pass that is cut short
//! (Plenum or Docker gone) loses nothing: the old volumes are untouched, and the next pass
//! carries on from what it observes.

use domain::plan::moving::{MoveStep, next_move_step};
use domain::plan::plan;
use store::InstanceRecord;

use super::desired::DesiredStack;
use super::{Context, Outcome, ReconcileError, apply, in_maintenance, remove_jobs};
use crate::docker::{JobObject, NodeChange, Observation, job_states};
use crate::spec::{MoveEnd, MoveJob, move_job_name};
use domain::capacity::Node;
use domain::capacity::placement::{DRAIN_LABEL, hostname_of};

/// One pass moving `record` (whose services `desired` renders stopped) to node `to`.
pub(super) async fn pass(
    ctx: &Context,
    record: &InstanceRecord,
    to: &str,
    desired: &DesiredStack,
    observation: &Observation,
) -> Result<Outcome, ReconcileError> {
    let objects = desired.objects()?;
    let steps = plan(&objects, &observation.objects, false);
    let applied = apply::apply(ctx, record.id, desired, &objects, observation, &steps).await?;

    // Jobs of an earlier move elsewhere go first.
    let (current, stale): (Vec<&JobObject>, Vec<&JobObject>) =
        observation.move_jobs.iter().partition(|j| j.tag == to);
    for job in stale {
        ctx.docker.remove_service(&job.name, &job.id).await?;
    }
    let service_ids: Vec<String> = observation
        .objects
        .services
        .iter()
        .map(|s| s.id.clone())
        .collect();
    let job_ids: Vec<String> = current.iter().map(|j| j.id.clone()).collect();
    let tasks = ctx
        .docker
        .tasks(&[service_ids.clone(), job_ids].concat())
        .await?;
    let stopped = applied.done + applied.waiting == 0
        && !tasks
            .iter()
            .any(|t| service_ids.contains(&t.service_id) && (t.running || t.stopping));
    let current: Vec<JobObject> = current.into_iter().cloned().collect();
    let states = job_states(&current, &tasks);
    let stack = record.stack();
    let state_of = |end| {
        let name = move_job_name(&stack, end);
        states.iter().find(|j| j.name == name).map(|j| &j.state)
    };
    let step = next_move_step(stopped, state_of(MoveEnd::Send), state_of(MoveEnd::Receive));

    let nodes = ctx.docker.nodes().await?;
    let host = |id: &str| hostname_of(&nodes, id);
    let from = record.node_id.clone().unwrap_or_default();
    let doing = |what: &str| format!("moving to node {}: {what}", host(to));
    let reason = match step {
        MoveStep::StopServices => doing("stopping its services"),
        MoveStep::StartCopy => {
            for (end, node) in [(MoveEnd::Receive, to), (MoveEnd::Send, from.as_str())] {
                if state_of(end).is_none() {
                    let job = MoveJob {
                        end,
                        node,
                        to,
                        image: &ctx.settings.mover_image,
                    };
                    ctx.docker.create_service(desired.move_job(&job)?).await?;
                }
            }
            doing("copying its data")
        }
        MoveStep::Copying => doing("copying its data"),
        MoveStep::Arrived => {
            let message = format!("moved from node {} to node {}", host(&from), host(to));
            ctx.db.finish_move(record.id, to, &message).await?;
            remove_jobs(ctx, &current).await?;
            finish_drain(ctx, &nodes, &from).await?;
            format!("moved to node {}; starting", host(to))
        }
        MoveStep::Failed(why) => {
            let message = format!(
                "moving to node {} failed ({why}); it stays on node {}",
                host(to),
                host(&from)
            );
            ctx.db.cancel_move(record.id, to, &message).await?;
            remove_jobs(ctx, &current).await?;
            message
        }
    };
    in_maintenance(ctx, record.id, reason, applied).await
}

/// Once no instance lives on node `id` any more and Plenum drains it, Swarm drains it as
/// well (its remaining tasks, none of them an instance's, move away); `nodes` as just read.
pub(crate) async fn finish_drain(
    ctx: &Context,
    nodes: &[Node],
    id: &str,
) -> Result<(), ReconcileError> {
    let Some(node) = nodes.iter().find(|n| n.id == id) else {
        return Ok(());
    };
    let plenum_drains = node.labels.get(DRAIN_LABEL).map(String::as_str) == Some("true");
    if plenum_drains
        && node.availability != "drain"
        && ctx.db.instances_on_node(id).await?.is_empty()
    {
        ctx.docker.change_node(id, NodeChange::Drain).await?;
    }
    Ok(())
}
