//! An organisation's instances, shown on its page, each linking to its console.

use crate::api::instances::org_instances;
use leptos::prelude::*;
use leptos_router::components::A;

/// The instances of organisation `org_id`.
#[component]
pub fn OrgInstances(org_id: i64) -> impl IntoView {
    let instances = Resource::new(|| (), move |_| org_instances(org_id));
    view! {
        <h2>"Instances"</h2>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match instances.await {
                    Ok(list) if list.is_empty() => view! { <p>"No instances yet."</p> }.into_any(),
                    Ok(list) => view! {
                        <table class="table" id="instances">
                            <thead>
                                <tr>
                                    <th scope="col">"Instance"</th>
                                    <th scope="col">"Version"</th>
                                    <th scope="col">"Status"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {list.into_iter().map(|i| {
                                    let class = format!("badge status-{}", i.status.replace(' ', "-"));
                                    view! {
                                        <tr data-instance=i.id>
                                            <td><A href=format!("/instances/{}", i.id)>{i.name.clone()}</A> <br /> <code>{i.slug.clone()}</code></td>
                                            <td>{format!("{} {}", i.template, i.version)}</td>
                                            <td><span class=class>{i.status.clone()}</span></td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                    Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}
