//! Staff's single sign-on page at `/staff/clients`: the relying parties registered with
//! Plenum's OpenID Connect provider (instances' own and external apps), registering an
//! external app (its secret shown once) and removing one.

use crate::api::staff_clients::{StaffRegisterClient, StaffRemoveClient, staff_clients};
use crate::components::feedback::{FieldError, FormError, last_error};
use crate::pages::home::RequireLogin;
use leptos::prelude::*;

/// The page (the server refuses everyone but staff).
#[component]
pub fn StaffClientsPage() -> impl IntoView {
    let register = ServerAction::<StaffRegisterClient>::new();
    let remove = ServerAction::<StaffRemoveClient>::new();
    let clients = Resource::new(
        move || (register.version().get(), remove.version().get()),
        |_| staff_clients(),
    );
    let providers = crate::pages::upstream::UpstreamState::new(Signal::derive(|| None));
    let register_error = last_error(register);
    let remove_error = last_error(remove);
    view! {
        <RequireLogin>
            <section>
                <h1>"Single sign-on clients"</h1>
                <p>"Instances whose template declares single sign-on get their client when they are created and lose it when they are removed. Other apps are registered here."</p>
                <FormError error=remove_error fields=&[] />
                <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        match clients.await {
                            Ok(list) => view! {
                                <table class="table" id="client-list">
                                    <thead><tr>
                                        <th scope="col">"Client"</th>
                                        <th scope="col">"Kind"</th>
                                        <th scope="col">"Redirect URIs"</th>
                                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                                    </tr></thead>
                                    <tbody>
                                        {list.into_iter().map(|client| {
                                            let kind = match client.instance_id {
                                                Some(id) => format!("instance {id}"),
                                                None if client.confidential => "external (secret)".to_owned(),
                                                None => "external (public, PKCE)".to_owned(),
                                            };
                                            let external = client.instance_id.is_none();
                                            let id = client.client_id.clone();
                                            view! {
                                                <tr data-client=client.client_id.clone()>
                                                    <td>{client.name.clone()} <br /> <code>{client.client_id.clone()}</code></td>
                                                    <td>{kind}</td>
                                                    <td>{client.redirect_uris.join(" ")}</td>
                                                    <td>{external.then(|| view! {
                                                        <ActionForm action=remove>
                                                            <input type="hidden" name="client_id" value=id.clone() />
                                                            <button type="submit" class="danger">"Remove"</button>
                                                        </ActionForm>
                                                    })}</td>
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
                <h2>"Register an app"</h2>
                <ActionForm action=register attr:id="register-client-form">
                    <label for="client-name">"Name"</label>
                    <input id="client-name" name="name" required maxlength="100" />
                    <FieldError error=register_error field="name" />
                    <label for="client-redirects">"Redirect URIs (one per line, exact)"</label>
                    <textarea id="client-redirects" name="redirect_uris" rows="3" required></textarea>
                    <FieldError error=register_error field="redirect_uris" />
                    <label for="client-logouts">"Post-logout redirect URIs (optional)"</label>
                    <textarea id="client-logouts" name="post_logout_redirect_uris" rows="2"></textarea>
                    <FieldError error=register_error field="post_logout_redirect_uris" />
                    <label class="inline">
                        <input type="checkbox" name="public" value="true" />
                        " Public client (a browser or mobile app without a secret; PKCE required)"
                    </label>
                    <FormError error=register_error fields=&["name", "redirect_uris", "post_logout_redirect_uris"] />
                    <button type="submit">"Register"</button>
                </ActionForm>
                {move || register.value().get().and_then(Result::ok).map(|done| view! {
                    <div class="card" id="registered-client" role="status">
                        <p>"Registered. Configure the app with:"</p>
                        <dl class="facts">
                            <dt>"Issuer"</dt><dd><code>{done.issuer}</code></dd>
                            <dt>"Client id"</dt><dd><code>{done.client.client_id}</code></dd>
                            {done.secret.map(|secret| view! {
                                <dt>"Client secret"</dt>
                                <dd><code id="client-secret">{secret}</code> " — shown only now."</dd>
                            })}
                        </dl>
                    </div>
                })}
                <crate::pages::upstream::UpstreamProviders org_id=None state=providers />
            </section>
        </RequireLogin>
    }
}
