//! The account page: change password, log out.

use crate::api::auth::ChangePassword;
use crate::components::feedback::{Done, FieldError, FormError, last_error};
use crate::pages::home::RequireLogin;
use domain::account::PASSWORD_RULE;
use leptos::prelude::*;

/// Account settings of the signed-in user.
#[component]
pub fn AccountPage() -> impl IntoView {
    let action = ServerAction::<ChangePassword>::new();
    let error = last_error(action);
    view! {
        <RequireLogin>
            <section class="card narrow">
                <h1>"Your account"</h1>
                <h2>"Change password"</h2>
                <ActionForm action=action attr:id="password-form">
                    <label for="current-password">"Current password"</label>
                    <input id="current-password" type="password" name="current_password" required
                        autocomplete="current-password" />
                    <FieldError error field="current_password" />
                    <label for="new-password">"New password"</label>
                    <input id="new-password" type="password" name="new_password" required
                        autocomplete="new-password" />
                    <p class="hint">{PASSWORD_RULE}</p>
                    <FieldError error field="new_password" />
                    <FormError error fields=&["current_password", "new_password"] />
                    <Done action=action text="Your password was changed." />
                    <button type="submit" disabled=move || action.pending().get()>"Change password"</button>
                </ActionForm>
            </section>
        </RequireLogin>
    }
}
