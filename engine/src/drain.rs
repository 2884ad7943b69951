//! Draining a node: Plenum marks it (label `org.plenum.drain`), so nothing is placed there,
//! gives each instance living there a new node (`domain::capacity::placement::plan_drain`)
//! and moves it there with its data; once the last one has left, Swarm drains the node.

use domain::capacity::placement::{DRAIN_LABEL, hostname_of, plan_drain};
use domain::validation::Invalid;

use crate::docker::NodeChange;
use crate::lifecycle::{Engine, EngineError};
use crate::reconcile::{ReconcileError, moving, placement};

/// What a drain set in motion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DrainReport {
    /// The drained node's host name.
    pub node: String,
    /// The instances moving away, each with the host name of its new node.
    pub moves: Vec<(i64, String)>,
}

impl Engine {
    /// Drains node `id` for `actor`: every instance living there moves to the node placement
    /// picks. Refused, changing nothing, when the node does not exist or some instance would
    /// have nowhere to go.
    pub async fn drain_node(
        &self,
        id: &str,
        actor: Option<i64>,
    ) -> Result<DrainReport, EngineError> {
        let ctx = self.context();
        let nodes = ctx.docker.nodes().await.map_err(ReconcileError::from)?;
        let node = nodes
            .iter()
            .find(|n| n.id == id)
            .ok_or_else(|| Invalid::new("node", "There is no such node in the Swarm."))?;
        let residents = placement::residents(&ctx.db).await?;
        let plan = plan_drain(&nodes, &residents, id, &ctx.settings.demand);
        let homeless = plan.iter().filter(|(_, to)| to.is_none()).count();
        if homeless > 0 {
            return Err(Invalid::new(
                "node",
                format!(
                    "No other node can take {homeless} of the instances on {}: add a node or resume one first.",
                    node.hostname
                ),
            )
            .into());
        }
        ctx.docker
            .change_node(id, NodeChange::Label(DRAIN_LABEL, "true"))
            .await
            .map_err(ReconcileError::from)?;
        let why = format!("node {} is drained", node.hostname);
        let mut moves = Vec::new();
        for (instance, to) in plan {
            let Some(to) = to else { continue };
            let target = hostname_of(&nodes, &to);
            if ctx
                .db
                .start_move(instance, &to, &target, &why, actor)
                .await?
            {
                self.reconcile_soon(instance);
                moves.push((instance, target));
            }
        }
        // Read again: the label set above is what lets it finish.
        let labelled = ctx.docker.nodes().await.map_err(ReconcileError::from)?;
        moving::finish_drain(ctx, &labelled, id).await?;
        Ok(DrainReport {
            node: node.hostname.clone(),
            moves,
        })
    }
}
