//! The staff area: every account and every organisation on the platform.

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
    view! {
        <section>
            <h1>"Staff"</h1>
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
