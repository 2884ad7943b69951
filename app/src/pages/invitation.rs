//! The invitation page at `/invite/:token`: a person granted access who has no account sets
//! the password of the granted address, and is signed in.

use crate::AuthActions;
use crate::components::feedback::{FieldError, FormError, last_error};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

/// The page.
#[component]
pub fn InvitationPage() -> impl IntoView {
    let action = expect_context::<AuthActions>().accept_invitation;
    let error = last_error(action);
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    view! {
        <section class="card narrow">
            <h1>"Welcome to Plenum"</h1>
            <p>"You have been granted access to a meeting platform. Choose a password for your account; \
               your email address is the one the invitation was sent for."</p>
            <ActionForm action=action attr:id="invitation-form">
                <input type="hidden" name="token" value=token />
                <label for="invitation-password">"Password"</label>
                <input id="invitation-password" type="password" name="password" required
                    autocomplete="new-password" aria-describedby="password-error" />
                <FieldError error field="password" />
                <FieldError error field="token" />
                <FormError error fields=&["password", "token"] />
                <button type="submit" disabled=move || action.pending().get()>"Set password and sign in"</button>
            </ActionForm>
        </section>
    }
}
