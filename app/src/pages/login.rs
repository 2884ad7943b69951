//! Login with email and password.

use crate::AuthActions;
use crate::components::feedback::{FieldError, FormError, last_error};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

/// The login form.
#[component]
pub fn LogInPage() -> impl IntoView {
    let action = expect_context::<AuthActions>().log_in;
    let error = last_error(action);
    // Where a single sign-on request waits for this sign-in (checked again on the server).
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    // That path is served by Plenum outside the app's pages: load it, do not route to it.
    Effect::new(move || {
        if let Some(Ok(Some(next))) = action.value().get() {
            crate::go_to(&next);
        }
    });
    view! {
        <section class="card narrow">
            <h1>"Log in"</h1>
            <ActionForm action=action attr:id="login-form">
                <label for="login-email">"Email"</label>
                <input id="login-email" type="email" name="email" required autocomplete="username"
                    aria-describedby="email-error" />
                <FieldError error field="email" />
                <label for="login-password">"Password"</label>
                <input id="login-password" type="password" name="password" required
                    autocomplete="current-password" />
                <input type="hidden" name="next" value=next />
                <FormError error fields=&["email"] />
                <button type="submit" disabled=move || action.pending().get()>"Log in"</button>
            </ActionForm>
            <Providers next=Signal::derive(next) />
            <p>"New here? " <A href="/signup">"Create an account"</A></p>
        </section>
    }
}

/// Buttons for the platform's upstream providers (full page loads: Plenum serves them).
#[component]
fn Providers(next: Signal<String>) -> impl IntoView {
    let providers = Resource::new(|| (), |_| crate::api::upstream::platform_providers());
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let list = providers.await.unwrap_or_default();
                (!list.is_empty()).then(|| view! {
                    <div class="providers" id="login-providers">
                        <p>"Or sign in with"</p>
                        {list.into_iter().map(|p| {
                            let href = move || {
                                let next = next.get();
                                if next.is_empty() {
                                    format!("/auth/upstream/{}", p.id)
                                } else {
                                    format!("/auth/upstream/{}?next={}", p.id, crate::components::query_value(&next))
                                }
                            };
                            view! { <a class="button secondary" rel="external" href=href>{p.name.clone()}</a> }
                        }).collect_view()}
                    </div>
                })
            })}
        </Suspense>
    }
}
