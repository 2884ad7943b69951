//! The order form at `/orgs/:id/order`: name, address (checked live), template version, plan,
//! rental period, event days (checked live against the platform's capacity, with the nearest
//! dates that fit), contact and note. Every rule is checked again on the server, whose
//! message is shown at the field it names.

use crate::api::orders::{PlaceOrder, check_availability, check_slug, order_options};
use crate::components::feedback::{FieldError, FormError, last_error};
use crate::components::load_chart::AvailabilityReport;
use crate::dto::{OrderOptions, SuggestedDates};
use crate::pages::home::RequireLogin;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

/// The fields the server names in its messages; anything else is shown for the whole form.
const FIELDS: &[&str] = &[
    "name",
    "slug",
    "template",
    "version",
    "plan",
    "rental_start",
    "rental_end",
    "event_days",
    "contact",
    "note",
];

/// The order page of organisation `:id`.
#[component]
pub fn OrderPage() -> impl IntoView {
    view! {
        <RequireLogin>
            <OrderView />
        </RequireLogin>
    }
}

#[component]
fn OrderView() -> impl IntoView {
    let params = use_params_map();
    let org_id = move || {
        params
            .read()
            .get("id")
            .and_then(|id| id.parse::<i64>().ok())
    };
    let options = Resource::new(|| (), |_| order_options());
    view! {
        <section class="card order-page">
            <h1>"Order an instance"</h1>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match (options.await, org_id()) {
                        (Ok(options), Some(org_id)) => {
                            view! { <OrderForm org_id options /> }.into_any()
                        }
                        (Err(e), _) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                        (_, None) => view! { <p class="form-error" role="alert">"Not found."</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn OrderForm(org_id: i64, options: OrderOptions) -> impl IntoView {
    let action = ServerAction::<PlaceOrder>::new();
    let error = last_error(action);
    let mut templates: Vec<String> = options
        .versions
        .iter()
        .map(|v| v.template.clone())
        .collect();
    templates.dedup();
    let template = RwSignal::new(templates.first().cloned().unwrap_or_default());
    let versions = StoredValue::new(options.versions.clone());
    let org_href = format!("/orgs/{org_id}");
    let placed = move || action.value().get().and_then(Result::ok);
    let first_plan = options
        .plans
        .first()
        .map(|p| p.size.as_str().to_owned())
        .unwrap_or_default();
    let dates = Dates {
        plan: RwSignal::new(first_plan),
        start: RwSignal::new(String::new()),
        end: RwSignal::new(String::new()),
        event_days: RwSignal::new(String::new()),
    };
    view! {
        <p>
            "The rental period is at most " {options.max_rental_days} " days. Your order is checked by our staff; "
            "you can cancel it until the instance has been set up."
        </p>
        <ActionForm action=action attr:id="order-form" attr:class="stacked-form">
            <input type="hidden" name="org_id" value=org_id />
            <div>
                <label for="order-name">"Instance name"</label>
                <input id="order-name" name="name" required maxlength="100" aria-describedby="name-error" />
                <FieldError error field="name" />
            </div>
            <SlugInput error />
            <div>
                <label for="order-template">"Template"</label>
                <select id="order-template" name="template" aria-describedby="template-error"
                    on:change=move |ev| template.set(event_target_value(&ev))>
                    {templates.iter().map(|t| view! { <option value=t.clone()>{t.clone()}</option> }).collect_view()}
                </select>
                <FieldError error field="template" />
            </div>
            <div>
                <label for="order-version">"Version"</label>
                <select id="order-version" name="version" aria-describedby="version-error">
                    {move || versions.read_value().iter()
                        .filter(|v| v.template == template.get())
                        .map(|v| view! { <option value=v.version.clone()>{v.version.clone()}</option> })
                        .collect_view()}
                </select>
                <FieldError error field="version" />
            </div>
            <div>
                <label for="order-plan">"Plan (expected concurrent participants)"</label>
                <select id="order-plan" name="plan" aria-describedby="plan-error"
                    on:change=move |ev| dates.plan.set(event_target_value(&ev))>
                    {options.plans.iter().map(|p| view! {
                        <option value=p.size.as_str()>{format!("{}: up to {} participants", p.size, p.max_participants)}</option>
                    }).collect_view()}
                </select>
                <FieldError error field="plan" />
            </div>
            <div class="field-pair">
                <div>
                    <label for="order-start">"Rental from"</label>
                    <input id="order-start" type="date" name="rental_start" required min=options.today.clone()
                        aria-describedby="rental_start-error" prop:value=dates.start
                        on:change=move |ev| dates.start.set(event_target_value(&ev)) />
                    <FieldError error field="rental_start" />
                </div>
                <div>
                    <label for="order-end">"Rental until"</label>
                    <input id="order-end" type="date" name="rental_end" required min=options.today.clone()
                        aria-describedby="rental_end-error" prop:value=dates.end
                        on:change=move |ev| dates.end.set(event_target_value(&ev)) />
                    <FieldError error field="rental_end" />
                </div>
            </div>
            <div>
                <label for="order-days">"Event days"</label>
                <p class="hint" id="event-days-hint">
                    "One per line: the date and the number of participants expected at the same time, e.g. 2027-03-14 250."
                </p>
                <textarea id="order-days" name="event_days" rows="4" required
                    aria-describedby="event-days-hint event_days-error availability" prop:value=dates.event_days
                    on:change=move |ev| dates.event_days.set(event_target_value(&ev))></textarea>
                <FieldError error field="event_days" />
                <Availability dates />
            </div>
            <div>
                <label for="order-contact">"Contact (name, phone or email)"</label>
                <input id="order-contact" name="contact" required maxlength="200" aria-describedby="contact-error" />
                <FieldError error field="contact" />
            </div>
            <div>
                <label for="order-note">"Note (optional)"</label>
                <textarea id="order-note" name="note" rows="3" maxlength="2000" aria-describedby="note-error"></textarea>
                <FieldError error field="note" />
            </div>
            <button type="submit" disabled=move || action.pending().get()>"Place order"</button>
        </ActionForm>
        <FormError error fields=FIELDS />
        {move || placed().map(|order| view! {
            <p class="form-ok" role="status" id="order-placed">
                {format!("Order {} for {} placed: {}.", order.id, order.slug, order.status.as_str())}
                " " <A href=org_href.clone()>"See your orders"</A>
            </p>
        })}
    }
}

/// The plan and dates as typed, for the live capacity check.
#[derive(Clone, Copy)]
struct Dates {
    plan: RwSignal<String>,
    start: RwSignal<String>,
    end: RwSignal<String>,
    event_days: RwSignal<String>,
}

/// Whether the typed dates fit the platform, checked whenever they change (once all are
/// given); offers the nearest dates that fit.
#[component]
fn Availability(dates: Dates) -> impl IntoView {
    let check = Resource::new(
        move || {
            (
                dates.plan.get(),
                dates.start.get(),
                dates.end.get(),
                dates.event_days.get(),
            )
        },
        |(plan, start, end, days)| async move {
            if start.is_empty() || end.is_empty() || days.trim().is_empty() {
                None
            } else {
                Some(check_availability(plan, start, end, days).await)
            }
        },
    );
    let use_dates = move |suggested: SuggestedDates| {
        dates.start.set(suggested.rental_start);
        dates.end.set(suggested.rental_end);
        dates.event_days.set(suggested.event_days);
    };
    view! {
        <div id="availability" aria-live="polite">
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match check.await {
                        Some(Ok(report)) => view! { <AvailabilityReport report on_use=use_dates /> }.into_any(),
                        // A typing error is the form's to report, at its field, when placed.
                        Some(Err(_)) | None => ().into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

/// The address field with a live availability check, announced politely.
#[component]
fn SlugInput(error: Signal<Option<crate::error::AppError>>) -> impl IntoView {
    let typed = RwSignal::new(String::new());
    let check = Resource::new(
        move || typed.get(),
        |slug| async move {
            if slug.trim().is_empty() {
                None
            } else {
                Some(check_slug(slug).await)
            }
        },
    );
    view! {
        <div>
            <label for="order-slug">"Address"</label>
            <p class="hint" id="slug-hint">
                "3 to 40 lowercase letters, digits and hyphens; your instance is reached at this name."
            </p>
            <input id="order-slug" name="slug" required minlength="3" maxlength="40"
                pattern="[a-z][a-z0-9\\-]*" autocomplete="off"
                aria-describedby="slug-hint slug-status slug-error"
                on:input=move |ev| typed.set(event_target_value(&ev)) />
            <p id="slug-status" class="slug-status" aria-live="polite">
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        match check.await {
                            Some(Ok(result)) => {
                                let class = if result.available { "slug-free" } else { "slug-taken" };
                                view! { <span class=class>{result.message}</span> }.into_any()
                            }
                            Some(Err(e)) => view! { <span class="slug-taken">{e.to_string()}</span> }.into_any(),
                            None => ().into_any(),
                        }
                    })}
                </Transition>
            </p>
            <FieldError error field="slug" />
        </div>
    }
}
