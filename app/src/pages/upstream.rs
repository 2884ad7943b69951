//! Upstream sign-in providers as a page section: the platform's on staff's single sign-on
//! page, an organisation's own on its page (owners). Lists each with its claims mapping and
//! sign-in link, adds one, removes one.

use crate::api::upstream::{UpstreamAdd, UpstreamRemove, upstream_list};
use crate::components::feedback::{FieldError, FormError, last_error};
use leptos::prelude::*;

/// The section's list and actions. Made by the page before anything is awaited, so that
/// the server and the browser number the resource alike (hydration).
#[derive(Clone, Copy)]
pub struct UpstreamState {
    list: Resource<Result<Vec<crate::dto::UpstreamView>, crate::error::AppError>>,
    add: ServerAction<UpstreamAdd>,
    remove: ServerAction<UpstreamRemove>,
}

impl UpstreamState {
    /// The state for the providers of `org_id` (None: the platform's).
    pub fn new(org_id: Signal<Option<i64>>) -> Self {
        let add = ServerAction::<UpstreamAdd>::new();
        let remove = ServerAction::<UpstreamRemove>::new();
        let list = Resource::new(
            move || (org_id.get(), add.version().get(), remove.version().get()),
            |(org_id, ..)| upstream_list(org_id),
        );
        Self { list, add, remove }
    }
}

/// The section for the providers of `org_id` (None: the platform's).
#[component]
pub fn UpstreamProviders(org_id: Option<i64>, state: UpstreamState) -> impl IntoView {
    let UpstreamState { list, add, remove } = state;
    let add_error = last_error(add);
    let remove_error = last_error(remove);
    let org_field = org_id;
    let (heading, intro) = match org_id {
        Some(_) => (
            "Your own identity provider",
            "Your people can sign in to Plenum through your organisation's OpenID Connect provider. Plenum links an account only by an email address the provider says is verified. Pass the sign-in link on to your people.",
        ),
        None => (
            "Sign-in providers",
            "Everyone can sign in to Plenum through these OpenID Connect providers (buttons on the sign-in page). Plenum links an account only by an email address the provider says is verified.",
        ),
    };
    view! {
        <section class="upstream" aria-labelledby="upstream-heading">
            <h2 id="upstream-heading">{heading}</h2>
            <p>{intro}</p>
            <FormError error=remove_error fields=&[] />
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || {
                    Suspend::new(async move {
                    match list.await {
                        Ok(list) if list.is_empty() => view! { <p id="upstream-list">"None configured."</p> }.into_any(),
                        Ok(list) => view! {
                            <table class="table" id="upstream-list">
                                <thead><tr>
                                    <th scope="col">"Provider"</th>
                                    <th scope="col">"Claims (email, given, family name)"</th>
                                    <th scope="col">"Sign-in link and redirect URI"</th>
                                    <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                                </tr></thead>
                                <tbody>
                                    {list.into_iter().map(|p| {
                                        view! {
                                        <tr data-provider=p.id>
                                            <td>{p.name.clone()} <br /> <code>{p.issuer.clone()}</code> <br /> {format!("client {}", p.client_id)}</td>
                                            <td><code>{format!("{}, {}, {}", p.claim_email, p.claim_given_name, p.claim_family_name)}</code></td>
                                            <td><code>{p.sign_in_path.clone()}</code> <br /> <code>{p.redirect_uri.clone()}</code></td>
                                            <td>
                                                <ActionForm action=remove>
                                                    {org_field.map(|id| view! { <input type="hidden" name="org_id" value=id /> })}
                                                    <input type="hidden" name="id" value=p.id />
                                                    <button type="submit" class="danger">"Remove"</button>
                                                </ActionForm>
                                            </td>
                                        </tr>
                                    }}).collect_view()}
                                </tbody>
                            </table>
                        }.into_any(),
                        Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })}}
            </Suspense>
            <h3>"Add a provider"</h3>
            <ActionForm action=add attr:id="upstream-form">
                {org_id.map(|id| view! { <input type="hidden" name="org_id" value=id /> })}
                <label for="upstream-name">"Name (on the button)"</label>
                <input id="upstream-name" name="name" required maxlength="100" />
                <FieldError error=add_error field="name" />
                <label for="upstream-issuer">"Issuer URL"</label>
                <input id="upstream-issuer" name="issuer" type="url" required placeholder="https://id.example.org" />
                <FieldError error=add_error field="issuer" />
                <label for="upstream-client">"Client id"</label>
                <input id="upstream-client" name="client_id" required />
                <FieldError error=add_error field="client_id" />
                <label for="upstream-secret">"Client secret"</label>
                <input id="upstream-secret" name="client_secret" type="password" required autocomplete="off" />
                <FieldError error=add_error field="client_secret" />
                <label for="upstream-claims">"Claims for the email address, given and family name (comma-separated; empty: email, given_name, family_name)"</label>
                <input id="upstream-claims" name="claims" placeholder="email, given_name, family_name" />
                <FieldError error=add_error field="claims" />
                <FormError error=add_error fields=&["name", "issuer", "client_id", "client_secret", "claims"] />
                <button type="submit">"Add"</button>
            </ActionForm>
        </section>
    }
}
