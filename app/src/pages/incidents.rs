//! Incidents on screen: the console's "Problems" section (the instance's failed and killed
//! tasks, grouped and counted) and the staff overview's table of all of them, both
//! refreshed every few seconds.

use crate::api::incidents::{instance_incidents, staff_incidents};
use crate::dto::IncidentView;
use leptos::prelude::*;

/// How often the lists refresh.
const REFRESH: std::time::Duration = std::time::Duration::from_secs(5);

/// The console section's resource, made by the page before anything is awaited.
#[derive(Clone, Copy)]
pub struct ProblemsState {
    tick: RwSignal<u64>,
    list: Resource<Result<Vec<IncidentView>, crate::error::AppError>>,
}

impl ProblemsState {
    /// The state for the instance `id` names (None: not found).
    pub fn new(id: Signal<Option<i64>>) -> Self {
        let tick = RwSignal::new(0u64);
        let list = Resource::new(
            move || (id.get(), tick.get()),
            |(id, _)| async move {
                match id {
                    Some(id) => instance_incidents(id).await,
                    None => Err(crate::error::AppError::NotFound),
                }
            },
        );
        Self { tick, list }
    }
}

/// The instance's problems.
#[component]
pub fn Problems(state: ProblemsState) -> impl IntoView {
    let ProblemsState { tick, list } = state;
    crate::components::live::tick_every(tick, REFRESH);
    view! {
        <h2 id="problems-heading">"Problems"</h2>
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(list) if list.is_empty() => view! { <p id="problems">"None seen."</p> }.into_any(),
                    Ok(list) => view! { <IncidentTable list with_instance=false /> }.into_any(),
                    Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// Every instance's incidents, for the staff overview.
#[component]
pub fn StaffIncidents() -> impl IntoView {
    let tick = RwSignal::new(0u64);
    crate::components::live::tick_every(tick, REFRESH);
    let list = Resource::new(move || tick.get(), |_| staff_incidents());
    view! {
        <h2 id="incidents-heading">"Incidents"</h2>
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(list) if list.is_empty() => view! { <p id="incidents">"None seen."</p> }.into_any(),
                    Ok(list) => view! { <IncidentTable list with_instance=true /> }.into_any(),
                    Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn IncidentTable(list: Vec<IncidentView>, with_instance: bool) -> impl IntoView {
    view! {
        <table class="table incidents">
            <thead>
                <tr>
                    {with_instance.then(|| view! { <th scope="col">"Instance"</th> })}
                    <th scope="col">"Service"</th>
                    <th scope="col">"What"</th>
                    <th scope="col">"Times"</th>
                    <th scope="col">"First seen"</th>
                    <th scope="col">"Last seen"</th>
                </tr>
            </thead>
            <tbody>
                {list.into_iter().map(|i| view! {
                    <tr data-incident-service=i.service.clone()>
                        {with_instance.then(|| view! {
                            <td><a href=format!("/instances/{}", i.instance_id)>{i.slug.clone()}</a></td>
                        })}
                        <td>{i.service.clone()}</td>
                        <td class=format!("incident-{}", i.kind)>{i.message.clone()}</td>
                        <td class="incident-count">{i.count}</td>
                        <td><time datetime=i.first_seen.clone()>{i.first_seen.clone()}</time></td>
                        <td><time datetime=i.last_seen.clone()>{i.last_seen.clone()}</time></td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// Staff's search through every running instance's logs.
#[component]
pub fn LogSearch() -> impl IntoView {
    let search = ServerAction::<crate::api::incidents::StaffLogSearch>::new();
    let error = crate::components::feedback::last_error(search);
    view! {
        <h2 id="log-search-heading">"Search the logs"</h2>
        <ActionForm action=search attr:class="filters">
            <label for="log-search-text">"Lines containing"</label>
            <input id="log-search-text" name="text" required minlength="2" />
            <label for="log-search-minutes">"In the last"</label>
            <select id="log-search-minutes" name="minutes">
                <option value="15">"15 minutes"</option>
                <option value="60" selected>"hour"</option>
                <option value="1440">"day"</option>
            </select>
            <button type="submit">"Search"</button>
        </ActionForm>
        <crate::components::feedback::FormError error fields=&[] />
        {move || search.value().get().and_then(Result::ok).map(|found| {
            if found.is_empty() {
                return view! { <p id="log-matches">"Nothing found."</p> }.into_any();
            }
            view! {
                <table id="log-matches" class="table">
                    <thead><tr>
                        <th scope="col">"When"</th>
                        <th scope="col">"Instance"</th>
                        <th scope="col">"Service"</th>
                        <th scope="col">"Line"</th>
                    </tr></thead>
                    <tbody>
                        {found.into_iter().map(|m| view! {
                            <tr>
                                <td>{m.at.unwrap_or_default()}</td>
                                <td><a href=format!("/instances/{}", m.instance_id)>{m.slug}</a></td>
                                <td>{m.service}</td>
                                <td><code>{m.text}</code></td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        })}
    }
}
