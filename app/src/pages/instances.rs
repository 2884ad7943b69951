//! An organisation's instances, shown on its page, each linking to its console.

use crate::api::instances::org_instances;
use crate::dto::InstanceView;
use crate::error::AppError;
use leptos::prelude::*;
use leptos_router::components::A;

/// The instances of an organisation, loaded by [`org_instances_resource`].
pub type InstancesResource = Resource<Result<Vec<InstanceView>, AppError>>;

/// Loads the instances of the organisation `org_id()` (none: not found). The organisation
/// page creates it next to its other resources, before any of them is awaited: a resource
/// created inside a resolved `Suspense` gets another id on the server than in the hydrating
/// browser, which then misses its data and fails to hydrate the page.
pub fn org_instances_resource(
    org_id: impl Fn() -> Option<i64> + Send + Sync + 'static,
) -> InstancesResource {
    Resource::new(org_id, |id| async move {
        match id {
            Some(id) => org_instances(id).await,
            None => Err(AppError::NotFound),
        }
    })
}

/// The instances of an organisation.
#[component]
pub fn OrgInstances(instances: InstancesResource) -> impl IntoView {
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
