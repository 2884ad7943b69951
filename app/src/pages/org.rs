//! An organisation's page: its members, and for owners (and staff) the means to manage them.

use crate::api::orgs::{AddMember, RemoveMember, SetMemberRole, org_details};
use crate::components::feedback::{FieldError, FormError, last_error};
use crate::dto::{MemberView, OrgDetail};
use crate::pages::home::RequireLogin;
use crate::pages::instances::{InstancesResource, OrgInstances, org_instances_resource};
use crate::pages::orders::{OrdersResource, OrgOrders, org_orders_resource};
use domain::organisation::OrgRole;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

/// The organisation at `/orgs/:id`.
#[component]
pub fn OrgPage() -> impl IntoView {
    view! {
        <RequireLogin>
            <OrgView />
        </RequireLogin>
    }
}

#[component]
fn OrgView() -> impl IntoView {
    let params = use_params_map();
    let org_id = move || {
        params
            .read()
            .get("id")
            .and_then(|id| id.parse::<i64>().ok())
    };
    let add = ServerAction::<AddMember>::new();
    let set_role = ServerAction::<SetMemberRole>::new();
    let remove = ServerAction::<RemoveMember>::new();
    let detail = Resource::new(
        move || {
            (
                org_id(),
                add.version().get(),
                set_role.version().get(),
                remove.version().get(),
            )
        },
        |(id, ..)| async move {
            match id {
                Some(id) => org_details(id).await,
                None => Err(crate::error::AppError::NotFound),
            }
        },
    );
    // Created here, before anything is awaited, so that server and browser number them alike.
    let lists = OrgLists {
        instances: org_instances_resource(org_id),
        orders: org_orders_resource(org_id),
        providers: crate::pages::upstream::UpstreamState::new(Signal::derive(org_id)),
        activity: crate::pages::staff_audit::ActivityState::new(Signal::derive(org_id)),
    };
    let actions = MemberActions {
        add,
        set_role,
        remove,
    };
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(org) => view! { <OrgBody org actions lists /> }.into_any(),
                    Err(e) => view! {
                        <section class="card narrow">
                            <h1>"Organisation"</h1>
                            <p class="form-error" role="alert">{e.to_string()}</p>
                        </section>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[derive(Clone, Copy)]
struct MemberActions {
    add: ServerAction<AddMember>,
    set_role: ServerAction<SetMemberRole>,
    remove: ServerAction<RemoveMember>,
}

/// The organisation's instances and orders.
#[derive(Clone, Copy)]
struct OrgLists {
    instances: InstancesResource,
    orders: OrdersResource,
    /// The organisation's own sign-in providers (owners).
    providers: crate::pages::upstream::UpstreamState,
    /// What was done in the organisation (owners).
    activity: crate::pages::staff_audit::ActivityState,
}

#[component]
fn OrgBody(org: OrgDetail, actions: MemberActions, lists: OrgLists) -> impl IntoView {
    let row_error = Signal::derive(move || {
        last_error(actions.set_role)
            .get()
            .or_else(|| last_error(actions.remove).get())
    });
    let org_id = org.id;
    let can_manage = org.can_manage;
    view! {
        <section>
            <h1>{org.name.clone()}</h1>
            <h2>"Members"</h2>
            <FormError error=row_error fields=&[] />
            <table class="table" id="members">
                <thead>
                    <tr>
                        <th scope="col">"Email"</th>
                        <th scope="col">"Role"</th>
                        {can_manage.then(|| view! { <th scope="col">"Actions"</th> })}
                    </tr>
                </thead>
                <tbody>
                    {org
                        .members
                        .into_iter()
                        .map(|m| view! { <MemberRow org_id member=m can_manage actions /> })
                        .collect_view()}
                </tbody>
            </table>
            {can_manage.then(|| view! { <AddMemberForm org_id action=actions.add /> })}
            {can_manage.then(|| view! { <crate::pages::upstream::UpstreamProviders org_id=Some(org_id) state=lists.providers /> })}
            <OrgInstances instances=lists.instances />
            <OrgOrders org_id can_manage orders=lists.orders />
            {can_manage.then(|| view! { <crate::pages::staff_audit::OrgActivity state=lists.activity /> })}
        </section>
    }
}

#[component]
fn MemberRow(
    org_id: i64,
    member: MemberView,
    can_manage: bool,
    actions: MemberActions,
) -> impl IntoView {
    let other_role = match member.role {
        OrgRole::Owner => OrgRole::Member,
        OrgRole::Member => OrgRole::Owner,
    };
    let role_label = format!("Make {other_role}");
    view! {
        <tr>
            <td>{member.email.clone()}</td>
            <td><span class="badge">{member.role.to_string()}</span></td>
            {can_manage.then(|| view! {
                <td class="row-actions">
                    <ActionForm action=actions.set_role>
                        <input type="hidden" name="org_id" value=org_id />
                        <input type="hidden" name="user_id" value=member.user_id />
                        <input type="hidden" name="role" value=other_role.as_str() />
                        <button type="submit" class="secondary">{role_label}</button>
                    </ActionForm>
                    <ActionForm action=actions.remove>
                        <input type="hidden" name="org_id" value=org_id />
                        <input type="hidden" name="user_id" value=member.user_id />
                        <button type="submit" class="danger">"Remove"</button>
                    </ActionForm>
                </td>
            })}
        </tr>
    }
}

#[component]
fn AddMemberForm(org_id: i64, action: ServerAction<AddMember>) -> impl IntoView {
    let error = last_error(action);
    view! {
        <h2>"Add a member"</h2>
        <ActionForm action=action attr:id="add-member-form" attr:class="inline-form">
            <input type="hidden" name="org_id" value=org_id />
            <div>
                <label for="member-email">"Email of an existing account"</label>
                <input id="member-email" type="email" name="email" required maxlength="254"
                    aria-describedby="email-error" />
                <FieldError error field="email" />
            </div>
            <div>
                <label for="member-role">"Role"</label>
                <select id="member-role" name="role">
                    <option value="member" selected>"member"</option>
                    <option value="owner">"owner"</option>
                </select>
            </div>
            <button type="submit" disabled=move || action.pending().get()>"Add member"</button>
        </ActionForm>
        <FormError error fields=&["email"] />
    }
}
