//! The portal at `/portal`: every instance the signed-in person may enter, across
//! organisations, with their role and the event days — where single sign-on users land.

use crate::api::access::portal;
use crate::pages::home::RequireLogin;
use leptos::prelude::*;

/// The portal page.
#[component]
pub fn PortalPage() -> impl IntoView {
    let entries = Resource::new(|| (), |_| portal());
    view! {
        <RequireLogin>
            <section>
                <h1>"Your instances"</h1>
                <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        match entries.await {
                            Ok(list) if list.is_empty() => view! {
                                <p id="portal">"You have no access to any instance yet. Organisers grant access by your email address."</p>
                            }.into_any(),
                            Ok(list) => view! {
                                <ul class="portal" id="portal">
                                    {list.into_iter().map(|entry| {
                                        let days = if entry.event_days.is_empty() {
                                            String::new()
                                        } else {
                                            format!("Event days: {}", entry.event_days.join(", "))
                                        };
                                        let via = match (entry.through.as_str(), &entry.valid_until) {
                                            ("granted", Some(until)) => format!("granted until {until}"),
                                            _ => "through your organisation".to_owned(),
                                        };
                                        view! {
                                            <li class="card" data-instance=entry.instance_id>
                                                <h2>{entry.name.clone()}</h2>
                                                <p class="meta">{format!("{} · {} · {}", entry.organisation, entry.role, via)}</p>
                                                {(!days.is_empty()).then(|| view! { <p>{days}</p> })}
                                                {match entry.url.clone() {
                                                    Some(url) => view! { <a class="button" href=url>"Enter"</a> }.into_any(),
                                                    None => view! { <p class="note">"No public address (the edge router is off)."</p> }.into_any(),
                                                }}
                                            </li>
                                        }
                                    }).collect_view()}
                                </ul>
                            }.into_any(),
                            Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                        }
                    })}
                </Suspense>
            </section>
        </RequireLogin>
    }
}
