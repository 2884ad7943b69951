//! The staff's order desk at `/staff/orders`: the queue of orders with each pending order's
//! impact on the platform's capacity day by day, approve (over capacity only with a
//! reason) and reject-with-reason, and the catalog of template versions, plan sizings and
//! each plan's backup schedule.

use crate::api::staff_orders::{
    AddCatalogVersion, ApproveOrder, RejectOrder, SetCatalogAvailable, SetPlan,
    SetPlanBackupPolicy, order_impacts, staff_catalog, staff_order_queue,
};
use crate::components::feedback::{Done, FieldError, FormError, last_error};
use crate::components::load_chart::AvailabilityReport;
use crate::dto::{AvailabilityView, OrderView, PlanSizing, StaffCatalog};
use crate::pages::home::RequireLogin;
use leptos::prelude::*;

/// The order desk (the server refuses everyone but staff).
#[component]
pub fn StaffOrdersPage() -> impl IntoView {
    view! {
        <RequireLogin>
            <section>
                <h1>"Orders"</h1>
                <OrderQueue />
                <Catalog />
            </section>
        </RequireLogin>
    }
}

#[derive(Clone, Copy)]
struct Decisions {
    approve: ServerAction<ApproveOrder>,
    reject: ServerAction<RejectOrder>,
}

#[component]
fn OrderQueue() -> impl IntoView {
    let decisions = Decisions {
        approve: ServerAction::<ApproveOrder>::new(),
        reject: ServerAction::<RejectOrder>::new(),
    };
    let queue = Resource::new(
        move || {
            (
                decisions.approve.version().get(),
                decisions.reject.version().get(),
            )
        },
        |_| staff_order_queue(),
    );
    // Made here, with the queue, not per row after it loaded (hydration needs it so).
    let impacts = Resource::new(
        move || {
            (
                decisions.approve.version().get(),
                decisions.reject.version().get(),
            )
        },
        |_| order_impacts(),
    );
    let error = Signal::derive(move || {
        last_error(decisions.approve)
            .get()
            .or_else(|| last_error(decisions.reject).get())
    });
    view! {
        <h2>"Queue"</h2>
        <p>"Pending orders wait for a decision; approved ones become instances when their rental starts."</p>
        <FormError error fields=&[] />
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let impacts = impacts.await.unwrap_or_default();
                let impact_of = move |id: i64| {
                    impacts
                        .iter()
                        .find(|i| i.order_id == id)
                        .map(|i| i.availability.clone())
                };
                match queue.await {
                    Ok(list) if list.is_empty() => view! { <p id="order-queue">"No orders waiting."</p> }.into_any(),
                    Ok(list) => view! {
                        <table class="table" id="order-queue">
                            <thead>
                                <tr>
                                    <th scope="col">"Order"</th>
                                    <th scope="col">"Rental and event days"</th>
                                    <th scope="col">"Contact and note"</th>
                                    <th scope="col">"Status"</th>
                                    <th scope="col">"Decision"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {list.into_iter().map(|order| {
                                    let impact = impact_of(order.id);
                                    view! { <QueueRow order decisions impact /> }
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

#[component]
fn QueueRow(
    order: OrderView,
    decisions: Decisions,
    impact: Option<AvailabilityView>,
) -> impl IntoView {
    let days = order
        .event_days
        .iter()
        .map(|d| format!("{}: {}", d.date, d.participants))
        .collect::<Vec<_>>()
        .join(", ");
    let reason_id = format!("reason-{}", order.id);
    let force_id = format!("force-reason-{}", order.id);
    let pending = order.status.awaits_decision();

    let status = order.status.as_str();
    view! {
        <tr data-order=order.id>
            <td>
                {format!("#{} {} (organisation {})", order.id, order.name, order.org_id)} <br />
                <code>{order.slug.clone()}</code> " · " {format!("{} {} · {}", order.template, order.version, order.plan.as_str())}
            </td>
            <td>
                {format!("{} to {}", order.rental_start, order.rental_end)} <br /> {days}
                {impact.map(|report| view! { <AvailabilityReport report /> })}
            </td>
            <td>{order.contact.clone()} <br /> {order.note.clone()}</td>
            <td><span class=format!("badge status-{status}")>{status}</span></td>
            <td class="row-actions">
                {pending.then(|| view! {
                    <ActionForm action=decisions.approve attr:class="approve-form">
                        <input type="hidden" name="order_id" value=order.id />
                        <button type="submit">"Approve"</button>
                        <details>
                            <summary>"Over capacity"</summary>
                            <label class="inline">
                                <input type="checkbox" name="force" value="true" />
                                " Approve even if it overbooks the platform"
                            </label>
                            <label for=force_id.clone()>"Reason (recorded; the customer sees it)"</label>
                            <input id=force_id name="reason" maxlength="500" />
                        </details>
                    </ActionForm>
                    <ActionForm action=decisions.reject attr:class="reject-form">
                        <input type="hidden" name="order_id" value=order.id />
                        <label for=reason_id.clone()>"Reason (the customer sees it)"</label>
                        <input id=reason_id name="reason" required maxlength="500" />
                        <button type="submit" class="danger">"Reject"</button>
                    </ActionForm>
                })}
            </td>
        </tr>
    }
}

#[derive(Clone, Copy)]
struct CatalogActions {
    add: ServerAction<AddCatalogVersion>,
    available: ServerAction<SetCatalogAvailable>,
    plan: ServerAction<SetPlan>,
    policy: ServerAction<SetPlanBackupPolicy>,
}

#[component]
fn Catalog() -> impl IntoView {
    let actions = CatalogActions {
        add: ServerAction::<AddCatalogVersion>::new(),
        available: ServerAction::<SetCatalogAvailable>::new(),
        plan: ServerAction::<SetPlan>::new(),
        policy: ServerAction::<SetPlanBackupPolicy>::new(),
    };
    let catalog = Resource::new(
        move || {
            (
                actions.add.version().get(),
                actions.available.version().get(),
                actions.plan.version().get(),
                actions.policy.version().get(),
            )
        },
        |_| staff_catalog(),
    );
    view! {
        <h2>"Catalog"</h2>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match catalog.await {
                    Ok(catalog) => view! { <CatalogBody catalog actions /> }.into_any(),
                    Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn CatalogBody(catalog: StaffCatalog, actions: CatalogActions) -> impl IntoView {
    let add_error = last_error(actions.add);
    let toggle_error = last_error(actions.available);
    view! {
        <FormError error=toggle_error fields=&[] />
        <table class="table" id="catalog">
            <thead><tr><th scope="col">"Template"</th><th scope="col">"Version"</th><th scope="col">"Offered"</th><th scope="col">"Change"</th></tr></thead>
            <tbody>
                {catalog.versions.into_iter().map(|v| view! {
                    <tr>
                        <td>{v.template.clone()}</td>
                        <td>{v.version.clone()}</td>
                        <td>{if v.available { "yes" } else { "withdrawn" }}</td>
                        <td>
                            <ActionForm action=actions.available>
                                <input type="hidden" name="id" value=v.id />
                                <input type="hidden" name="available" value=(!v.available).to_string() />
                                <button type="submit" class="secondary">{if v.available { "Withdraw" } else { "Offer again" }}</button>
                            </ActionForm>
                        </td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
        <h3>"Offer a version"</h3>
        <ActionForm action=actions.add attr:id="add-version-form" attr:class="inline-form">
            <div>
                <label for="catalog-template">"Template"</label>
                <select id="catalog-template" name="template" aria-describedby="template-error">
                    {catalog.templates.iter().map(|t| view! { <option value=t.clone()>{t.clone()}</option> }).collect_view()}
                </select>
                <FieldError error=add_error field="template" />
            </div>
            <div>
                <label for="catalog-version">"Version (image tag)"</label>
                <input id="catalog-version" name="version" required maxlength="128" aria-describedby="version-error" />
                <FieldError error=add_error field="version" />
            </div>
            <button type="submit">"Add"</button>
        </ActionForm>
        <FormError error=add_error fields=&["template", "version"] />
        <h3>"Plans"</h3>
        <p class="hint">
            "Replicas and limits per service, as JSON, e.g. {\"web\": {\"replicas\": 2, \"cpus\": \"0.5\", \"memory\": \"256M\"}}. "
            "Services not listed run with the template's defaults."
        </p>
        <FormError error=last_error(actions.plan) fields=&[] />
        <Done action=actions.plan text="Plan saved." />
        {catalog.plans.clone().into_iter().map(|plan| view! { <PlanForm plan action=actions.plan /> }).collect_view()}
        <h3>"Backup schedule by plan"</h3>
        <p class="hint">
            "Hours between backups while quiet and in event mode, how long before the rental ends the final one is taken, "
            "and how many of each kind are kept. Plans without their own follow the installation's [backup_schedule]."
        </p>
        <FormError error=last_error(actions.policy) fields=&[] />
        <Done action=actions.policy text="Backup schedule saved." />
        {catalog.plans.into_iter().map(|plan| view! { <PolicyForm plan action=actions.policy /> }).collect_view()}
    }
}

/// The fields of a backup policy: form name and label.
const POLICY_FIELDS: [(&str, &str); 6] = [
    ("quiet_hours", "Quiet: every (h)"),
    ("event_hours", "Event mode: every (h)"),
    ("final_lead_hours", "Final: hours before the end"),
    ("keep_quiet", "Keep quiet"),
    ("keep_event", "Keep event"),
    ("keep_manual", "Keep manual"),
];

#[component]
fn PolicyForm(plan: PlanSizing, action: ServerAction<SetPlanBackupPolicy>) -> impl IntoView {
    let p = plan.backup_policy;
    let values = [
        p.quiet_hours,
        p.event_hours,
        p.final_lead_hours,
        p.keep_quiet,
        p.keep_event,
        p.keep_manual,
    ];
    let key = format!("{}-{}", plan.template, plan.size.as_str());
    let data_plan = key.clone();
    let whose = if plan.own_backup_policy {
        "its own"
    } else {
        "the installation's"
    };
    view! {
        <ActionForm action=action attr:class="inline-form policy-form" attr:data-plan=data_plan>
            <input type="hidden" name="plan" value=format!("{}/{}", plan.template, plan.size.as_str()) />
            <p class="policy-plan">{format!("{}, {} plan ({whose})", plan.template, plan.size.as_str())}</p>
            {POLICY_FIELDS.into_iter().zip(values).map(|((name, label), value)| {
                let id = format!("policy-{key}-{name}");
                view! {
                    <div>
                        <label for=id.clone()>{label}</label>
                        <input id=id name=name type="number" min="1" required value=value />
                    </div>
                }
            }).collect_view()}
            <button type="submit" class="secondary">"Save schedule"</button>
        </ActionForm>
    }
}

#[component]
fn PlanForm(plan: PlanSizing, action: ServerAction<SetPlan>) -> impl IntoView {
    let id = format!("plan-{}-{}", plan.template, plan.size.as_str());
    view! {
        <ActionForm action=action attr:class="stacked-form plan-form">
            <input type="hidden" name="template" value=plan.template.clone() />
            <input type="hidden" name="size" value=plan.size.as_str() />
            <label for=id.clone()>{format!("{}, {} plan", plan.template, plan.size.as_str())}</label>
            <textarea id=id name="services" rows="3">{plan.services.clone()}</textarea>
            <button type="submit" class="secondary">"Save plan"</button>
        </ActionForm>
    }
}
