//! The start page: a dashboard of the user's organisations, or a welcome for visitors.

use crate::UserResource;
use crate::api::orgs::my_orgs;
use crate::dto::OrgListItem;
use leptos::prelude::*;
use leptos_router::components::A;

/// Renders `children` for a signed-in user, and a login prompt for anyone else.
#[component]
pub fn RequireLogin(children: ChildrenFn) -> impl IntoView {
    let UserResource(user) = expect_context::<UserResource>();
    let children = StoredValue::new(children);
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match user.await {
                    Ok(Some(_)) => children.read_value()().into_any(),
                    Ok(None) => view! {
                        <section class="card narrow">
                            <h1>"Please log in"</h1>
                            <p>"This page needs an account. " <A href="/login">"Log in"</A> " or " <A href="/signup">"sign up"</A> "."</p>
                        </section>
                    }.into_any(),
                    Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The start page.
#[component]
pub fn Home() -> impl IntoView {
    let UserResource(user) = expect_context::<UserResource>();
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match user.await {
                    Ok(Some(_)) => view! { <Dashboard /> }.into_any(),
                    _ => view! { <Welcome /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Welcome() -> impl IntoView {
    view! {
        <section class="hero">
            <h1>"OpenSlides for your assembly, when you need it"</h1>
            <p class="lead">
                "Rent an isolated OpenSlides instance for your congress: its own database, its own network, "
                "sized for the event days and small in between."
            </p>
            <p class="actions">
                <A href="/signup" attr:class="button">"Create an account"</A>
                <A href="/login" attr:class="button secondary">"Log in"</A>
            </p>
        </section>
    }
}

#[component]
fn Dashboard() -> impl IntoView {
    let orgs = Resource::new(|| (), |_| my_orgs());
    view! {
        <section>
            <h1>"Your organisations"</h1>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match orgs.await {
                        Ok(list) if list.is_empty() => view! {
                            <p>"You belong to no organisation yet. Ask an owner to add you."</p>
                        }.into_any(),
                        Ok(list) => view! { <OrgCards orgs=list /> }.into_any(),
                        Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// Organisations as cards linking to their pages.
#[component]
pub fn OrgCards(orgs: Vec<OrgListItem>) -> impl IntoView {
    view! {
        <ul class="cards" id="org-list">
            {orgs
                .into_iter()
                .map(|org| {
                    let href = format!("/orgs/{}", org.id);
                    let role = org.role.map(|r| r.to_string()).unwrap_or_else(|| "staff view".into());
                    view! {
                        <li class="card">
                            <h2><A href=href>{org.name}</A></h2>
                            <p class="meta">
                                <span class="badge">{role}</span>
                                " · "
                                {format!("{} member{}", org.members, if org.members == 1 { "" } else { "s" })}
                            </p>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}
