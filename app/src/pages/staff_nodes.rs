//! The nodes section of the staff overview: each node of the Swarm with its state, size
//! and the instances living on it (refreshed every few seconds, so a drain can be watched),
//! and a "Drain" button that moves a node's instances elsewhere with their data.

use crate::api::staff_nodes::{StaffDrainNode, staff_nodes};
use crate::components::feedback::{FormError, last_error};
use crate::dto::NodeView;
use leptos::prelude::*;

/// How often the table refreshes.
const REFRESH: std::time::Duration = std::time::Duration::from_secs(3);

/// The nodes table with its drain buttons.
#[component]
pub fn Nodes() -> impl IntoView {
    let tick = RwSignal::new(0u64);
    crate::components::live::tick_every(tick, REFRESH);
    let drain = ServerAction::<StaffDrainNode>::new();
    let nodes = Resource::new(
        move || (tick.get(), drain.version().get()),
        |_| staff_nodes(),
    );
    let error = last_error(drain);
    view! {
        <h2 id="nodes-heading">"Nodes"</h2>
        <FormError error fields=&["node"] />
        {move || drain.value().get().and_then(Result::ok).map(|outcome| view! {
            <p class="form-ok" role="status" id="drain-outcome">{outcome.message}</p>
        })}
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match nodes.await {
                    Ok(list) if list.is_empty() => view! { <p id="nodes">"No Swarm is connected."</p> }.into_any(),
                    Ok(list) => view! { <NodeTable list drain /> }.into_any(),
                    Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn NodeTable(list: Vec<NodeView>, drain: ServerAction<StaffDrainNode>) -> impl IntoView {
    view! {
        <table id="nodes" aria-labelledby="nodes-heading">
            <thead>
                <tr>
                    <th scope="col">"Node"</th>
                    <th scope="col">"Role"</th>
                    <th scope="col">"State"</th>
                    <th scope="col">"CPUs"</th>
                    <th scope="col">"Memory"</th>
                    <th scope="col">"Instances"</th>
                    <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                </tr>
            </thead>
            <tbody>
                {list.into_iter().map(|node| {
                    let label = format!("Drain {}", node.hostname);
                    view! {
                        <tr data-node=node.hostname.clone()>
                            <th scope="row">{node.hostname.clone()}</th>
                            <td>{node.role}</td>
                            <td class="node-state">{node.state}</td>
                            <td>{format!("{:.1}", node.resources.cpu_milli as f64 / 1000.0)}</td>
                            <td>{format!("{:.1} GiB", node.resources.memory_mib as f64 / 1024.0)}</td>
                            <td class="node-instances">{node.instances.join(", ")}</td>
                            <td>
                                {node.can_drain.then(|| view! {
                                    <ActionForm action=drain>
                                        <input type="hidden" name="node" value=node.id.clone() />
                                        <button type="submit" aria-label=label>"Drain"</button>
                                    </ActionForm>
                                })}
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}
