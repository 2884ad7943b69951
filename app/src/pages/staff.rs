//! The staff area: every account and every organisation on the platform.

use crate::api::edge::{EdgeStatusView, staff_edge};
use crate::api::staff::{staff_orgs, staff_users};
use crate::pages::home::{OrgCards, RequireLogin};
use leptos::prelude::*;

/// Lists for platform staff (the server refuses everyone else).
#[component]
pub fn StaffPage() -> impl IntoView {
    view! {
        <RequireLogin>
            <StaffLists />
        </RequireLogin>
    }
}

#[component]
fn StaffLists() -> impl IntoView {
    let users = Resource::new(|| (), |_| staff_users());
    let orgs = Resource::new(|| (), |_| staff_orgs());
    let edge = Resource::new(|| (), |_| staff_edge());
    view! {
        <section>
            <h1>"Staff"</h1>
            <h2>"Edge router"</h2>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match edge.await {
                        Ok(Some(status)) => view! { <EdgeStatusPanel status /> }.into_any(),
                        Ok(None) => view! {
                            <p id="edge-status">"Not configured: Plenum runs without an edge router (setting edge.enabled)."</p>
                        }.into_any(),
                        Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
            <h2>"Organisations"</h2>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match orgs.await {
                        Ok(list) => view! { <OrgCards orgs=list /> }.into_any(),
                        Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
            <h2>"Accounts"</h2>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match users.await {
                        Ok(list) => view! {
                            <table class="table" id="user-list">
                                <thead><tr><th scope="col">"Email"</th><th scope="col">"Role"</th><th scope="col">"Signed up"</th></tr></thead>
                                <tbody>
                                    {list.into_iter().map(|u| view! {
                                        <tr>
                                            <td>{u.email}</td>
                                            <td>{if u.is_staff { "staff" } else { "customer" }}</td>
                                            <td><time datetime=u.created_at.clone()>{u.created_at.chars().take(10).collect::<String>()}</time></td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any(),
                        Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// The edge router's reconcile state: healthy, or what failed and when it is retried.
#[component]
fn EdgeStatusPanel(status: EdgeStatusView) -> impl IntoView {
    let summary = if status.healthy {
        format!("Configured: {} instance routes.", status.routes)
    } else if status.caddy_unreachable {
        format!(
            "Caddy is unreachable ({} failed attempts); retrying in {} s. Instances already routed keep working.",
            status.consecutive_failures, status.next_pass_in_seconds
        )
    } else if status.consecutive_failures > 0 {
        format!(
            "Configuring Caddy failed ({} attempts); retrying in {} s.",
            status.consecutive_failures, status.next_pass_in_seconds
        )
    } else {
        "Starting: the first pass has not finished yet.".to_owned()
    };
    let state = if status.healthy { "healthy" } else { "failing" };
    let row = |label: &'static str, value: Option<String>| {
        view! { <tr><th scope="row">{label}</th><td>{value.unwrap_or_else(|| "—".to_owned())}</td></tr> }
    };
    view! {
        <div id="edge-status" data-state=state>
            <p role="status">{summary}</p>
            <table class="table">
                <tbody>
                    {row("Admin API", Some(status.caddy_admin_url))}
                    {row("Last success", status.last_success)}
                    {row("Last change", status.last_change)}
                    {row("Last error", status.last_error)}
                    {row("Last error at", status.last_error_at)}
                    {row("Left out", (!status.skipped.is_empty()).then(|| status.skipped.join("; ")))}
                </tbody>
            </table>
        </div>
    }
}
