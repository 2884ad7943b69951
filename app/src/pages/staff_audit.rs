//! The audit trail: staff's page at `/staff/audit` (every entry, filtered by who, what and
//! organisation) and the owners' "Activity" section of their organisation's page. Newest
//! first, a page at a time.

use crate::api::audit::{org_audit, staff_audit};
use crate::dto::AuditEntryView;
use crate::pages::home::RequireLogin;
use leptos::prelude::*;

/// What staff filter by.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Filter {
    actor: String,
    action: String,
    org: String,
}

/// The page (the server refuses everyone but staff).
#[component]
pub fn StaffAuditPage() -> impl IntoView {
    let filter = RwSignal::new(Filter::default());
    let before = RwSignal::new(None::<i64>);
    let entries = Resource::new(
        move || (filter.get(), before.get()),
        |(f, before)| {
            let text = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
            staff_audit(
                text(&f.actor),
                text(&f.action),
                f.org.trim().parse().ok(),
                before,
            )
        },
    );
    let (actor, action, org) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
    );
    let apply = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        before.set(None);
        filter.set(Filter {
            actor: actor.get(),
            action: action.get(),
            org: org.get(),
        });
    };
    view! {
        <RequireLogin>
            <section>
                <h1>"Audit trail"</h1>
                <p>"Every request that may change something, who made it, from where, and how it was answered. Values of fields that could hold a secret are never recorded."</p>
                <form class="filters" on:submit=apply>
                    <label for="audit-actor">"Who (email contains)"</label>
                    <input id="audit-actor" bind:value=actor />
                    <label for="audit-action">"What (action contains)"</label>
                    <input id="audit-action" bind:value=action placeholder="instances/" />
                    <label for="audit-org">"Organisation id"</label>
                    <input id="audit-org" bind:value=org inputmode="numeric" />
                    <button type="submit">"Filter"</button>
                </form>
                <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        match entries.await {
                            Ok(list) => view! { <AuditTable list before /> }.into_any(),
                            Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                        }
                    })}
                </Transition>
            </section>
        </RequireLogin>
    }
}

/// An organisation's activity: made by the page before anything is awaited.
#[derive(Clone, Copy)]
pub struct ActivityState {
    before: RwSignal<Option<i64>>,
    entries: Resource<Result<Vec<AuditEntryView>, crate::error::AppError>>,
}

impl ActivityState {
    /// The state for the organisation `org` names (None: not found).
    pub fn new(org: Signal<Option<i64>>) -> Self {
        let before = RwSignal::new(None::<i64>);
        let entries = Resource::new(
            move || (org.get(), before.get()),
            |(org, before)| async move {
                match org {
                    Some(org) => org_audit(org, before).await,
                    None => Err(crate::error::AppError::NotFound),
                }
            },
        );
        Self { before, entries }
    }
}

/// An organisation's activity, for its owners.
#[component]
pub fn OrgActivity(state: ActivityState) -> impl IntoView {
    let ActivityState { before, entries } = state;
    view! {
        <h2>"Activity"</h2>
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match entries.await {
                    Ok(list) => view! { <AuditTable list before /> }.into_any(),
                    Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// A page of entries, and the way to older ones.
#[component]
fn AuditTable(list: Vec<AuditEntryView>, before: RwSignal<Option<i64>>) -> impl IntoView {
    if list.is_empty() {
        return view! { <p id="audit">"Nothing recorded."</p> }.into_any();
    }
    let oldest = list.last().map(|e| e.id);
    let full = list.len() as u64 == crate::api::audit::PAGE;
    view! {
        <table id="audit" class="table">
            <thead>
                <tr>
                    <th scope="col">"When"</th>
                    <th scope="col">"Who"</th>
                    <th scope="col">"From"</th>
                    <th scope="col">"What"</th>
                    <th scope="col">"Organisation"</th>
                    <th scope="col">"Details"</th>
                    <th scope="col">"Answer"</th>
                </tr>
            </thead>
            <tbody>
                {list.into_iter().map(|e| {
                    let refused = e.outcome >= 400;
                    view! {
                    <tr data-audit=e.id class:refused=refused>
                        <td><time datetime=e.at.clone()>{e.at.clone()}</time></td>
                        <td>{e.who}</td>
                        <td>{e.address}</td>
                        <td><code>{e.action}</code></td>
                        <td>{e.organisation_id.map(|o| o.to_string()).unwrap_or_default()}</td>
                        <td><code class="details">{e.details}</code></td>
                        <td>{e.outcome}</td>
                    </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
        {full.then(|| view! {
            <button type="button" on:click=move |_| before.set(oldest)>"Older entries"</button>
        })}
        {move || before.get().is_some().then(|| view! {
            <button type="button" on:click=move |_| before.set(None)>"Newest entries"</button>
        })}
    }
    .into_any()
}
