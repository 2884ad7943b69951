//! The staff overview at `/staff/instances`: every instance, filtered by the query
//! (`status`, `org_id`, `version`, `event_from`, `event_to`), with a live status column
//! (refreshed every few seconds), bulk upgrade of the selected instances with each one's
//! outcome, the Swarm's nodes (drain one), and the event calendar of the next 90 days as a
//! table and a chart.

use std::collections::BTreeSet;

use crate::api::staff_instances::{
    StaffBulkUpgrade, staff_calendar, staff_capacity, staff_instances,
};
use crate::components::calendar_chart::CalendarChart;
use crate::components::capacity_chart::CapacityChart;
use crate::components::feedback::{FormError, last_error};
use crate::components::usage_chart::UsageChart;
use crate::dto::{CalendarDayView, StaffInstanceRow};
use crate::pages::home::RequireLogin;
use crate::pages::staff_nodes::Nodes;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

/// How often the list refreshes its status column.
const REFRESH: std::time::Duration = std::time::Duration::from_secs(5);

/// The filter fields, as query parameters and form inputs.
const FILTERS: [(&str, &str, &str); 5] = [
    ("status", "Status", "text"),
    ("org_id", "Organisation id", "text"),
    ("version", "Version", "text"),
    ("event_from", "Event from", "date"),
    ("event_to", "Event to", "date"),
];

/// The overview (the server refuses everyone but staff).
#[component]
pub fn StaffInstancesPage() -> impl IntoView {
    view! {
        <RequireLogin>
            <section>
                <h1>"Instances"</h1>
                <InstanceList />
                <Nodes />
                <crate::pages::incidents::StaffIncidents />
                <crate::pages::incidents::LogSearch />
                <Calendar />
            </section>
        </RequireLogin>
    }
}

#[component]
fn InstanceList() -> impl IntoView {
    let query = use_query_map();
    let field = move |name: &str| query.read().get(name).unwrap_or_default();
    let tick = RwSignal::new(0u64);
    Effect::new(move |_| {
        if let Ok(handle) = set_interval_with_handle(move || tick.update(|t| *t += 1), REFRESH) {
            on_cleanup(move || handle.clear());
        }
    });
    let bulk = ServerAction::<StaffBulkUpgrade>::new();
    let rows = Resource::new(
        move || {
            (
                FILTERS.map(|(name, _, _)| field(name)),
                tick.get(),
                bulk.version().get(),
            )
        },
        |([status, org_id, version, event_from, event_to], _, _)| {
            staff_instances(status, org_id, version, event_from, event_to)
        },
    );
    let selected = RwSignal::new(BTreeSet::<i64>::new());
    let error = last_error(bulk);
    view! {
        <form method="get" class="filters" aria-label="Filter instances">
            {FILTERS.map(|(name, label, kind)| {
                let id = format!("filter-{name}");
                view! {
                    <label for=id.clone()>{label}</label>
                    <input id=id name=name type=kind value=field(name) />
                }
            }).collect_view()}
            <button type="submit">"Filter"</button>
        </form>
        <ActionForm action=bulk attr:class="bulk-form">
            <input type="hidden" name="ids" prop:value=move || {
                selected.get().iter().map(i64::to_string).collect::<Vec<_>>().join(",")
            } />
            <label for="bulk-version">"Upgrade the selected instances to version"</label>
            <input id="bulk-version" name="version" required />
            <label class="inline">
                <input type="checkbox" name="force" value="true" />
                " Also instances with an event in the next days (update freeze)"
            </label>
            <button type="submit">"Upgrade selected"</button>
        </ActionForm>
        <FormError error fields=&[] />
        {move || bulk.value().get().and_then(Result::ok).map(|outcomes| view! {
            <ul class="bulk-outcomes" role="status">
                {outcomes.into_iter().map(|o| view! {
                    <li class=if o.accepted { "form-ok" } else { "form-error" }>
                        {format!("#{}: {}", o.id, o.message)}
                    </li>
                }).collect_view()}
            </ul>
        })}
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match rows.await {
                    Ok(list) if list.is_empty() => view! { <p id="staff-instances">"No instance matches."</p> }.into_any(),
                    Ok(list) => view! { <InstanceTable list selected /> }.into_any(),
                    Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn InstanceTable(list: Vec<StaffInstanceRow>, selected: RwSignal<BTreeSet<i64>>) -> impl IntoView {
    view! {
        <table class="table" id="staff-instances">
            <thead>
                <tr>
                    <th scope="col">"Select"</th>
                    <th scope="col">"Instance"</th>
                    <th scope="col">"Organisation"</th>
                    <th scope="col">"Version"</th>
                    <th scope="col">"Event days"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col">"Load (last hour)"</th>
                </tr>
            </thead>
            <tbody>
                {list.into_iter().map(|row| {
                    let usage = row.usage;
                    let i = row.instance;
                    let id = i.id;
                    let class = format!("badge status-{}", i.status.replace(' ', "-"));
                    view! {
                        <tr data-instance=id>
                            <td>
                                <input
                                    type="checkbox"
                                    aria-label=format!("Select {}", i.name)
                                    prop:checked=move || selected.read().contains(&id)
                                    on:change=move |_| selected.update(|s| if !s.remove(&id) { s.insert(id); })
                                />
                            </td>
                            <td><A href=format!("/instances/{id}")>{i.name.clone()}</A> <br /> <code>{i.slug.clone()}</code></td>
                            <td>{format!("{} (#{})", row.org_name, i.org_id)}</td>
                            <td>{format!("{} {}", i.template, i.version)}</td>
                            <td>{row.event_days.join(", ")}</td>
                            <td>
                                <span class=class>{i.status.clone()}</span>
                                {i.status_reason.clone().map(|r| view! { <p class="reason">{r}</p> })}
                            </td>
                            <td class="load"><UsageChart usage /></td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn Calendar() -> impl IntoView {
    let days = Resource::new(|| (), |_| staff_calendar());
    let capacity = Resource::new(|| (), |_| staff_capacity());
    view! {
        <h2>"Capacity: demand against the cluster, the next 90 days"</h2>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match capacity.await {
                    Ok(calendar) => view! { <CapacityChart calendar /> }.into_any(),
                    Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
        <h2>"Event calendar: the next 90 days"</h2>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match days.await {
                    Ok(days) => view! {
                        <CalendarChart days=days.clone() />
                        <CalendarTable days />
                    }.into_any(),
                    Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn CalendarTable(days: Vec<CalendarDayView>) -> impl IntoView {
    view! {
        <table class="table" id="event-calendar">
            <caption>"Per day: instances in rental, instances with an event, expected participants"</caption>
            <thead>
                <tr>
                    <th scope="col">"Day"</th>
                    <th scope="col">"In rental"</th>
                    <th scope="col">"With an event"</th>
                    <th scope="col">"Participants"</th>
                </tr>
            </thead>
            <tbody>
                {days.into_iter().map(|d| view! {
                    <tr>
                        <th scope="row">{d.date}</th>
                        <td>{d.in_rental}</td>
                        <td>{d.with_event}</td>
                        <td>{d.participants}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}
