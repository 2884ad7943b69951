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
    let next = move || use_query_map().read().get("next").unwrap_or_default();
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
            <p>"New here? " <A href="/signup">"Create an account"</A></p>
        </section>
    }
}
