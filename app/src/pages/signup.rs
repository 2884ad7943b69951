//! Sign-up: a new customer account with its own organisation.

use crate::AuthActions;
use crate::components::feedback::{FieldError, FormError, last_error};
use domain::account::PASSWORD_RULE;
use leptos::prelude::*;
use leptos_router::components::A;

/// The sign-up form.
#[component]
pub fn SignUpPage() -> impl IntoView {
    let action = expect_context::<AuthActions>().sign_up;
    let error = last_error(action);
    view! {
        <section class="card narrow">
            <h1>"Create your account"</h1>
            <p class="lead">"You get an organisation of your own, to which you can invite others."</p>
            <ActionForm action=action attr:id="signup-form">
                <label for="signup-email">"Email"</label>
                <input id="signup-email" type="email" name="email" required maxlength="254"
                    autocomplete="email" aria-describedby="email-error" />
                <FieldError error field="email" />
                <label for="signup-password">"Password"</label>
                <input id="signup-password" type="password" name="password" required
                    autocomplete="new-password" aria-describedby="password-hint password-error" />
                <p class="hint" id="password-hint">{PASSWORD_RULE}</p>
                <FieldError error field="password" />
                <FormError error fields=&["email", "password"] />
                <button type="submit" disabled=move || action.pending().get()>"Sign up"</button>
            </ActionForm>
            <p>"Already have an account? " <A href="/login">"Log in"</A></p>
        </section>
    }
}
