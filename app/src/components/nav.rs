//! The top navigation: what the signed-in user can reach.

use crate::{AuthActions, UserResource};
use leptos::prelude::*;
use leptos_router::components::A;

/// Brand, links by role, and log in / log out.
#[component]
pub fn Nav() -> impl IntoView {
    let UserResource(user) = expect_context::<UserResource>();
    let logout = expect_context::<AuthActions>().log_out;
    // Signed in to SAML service providers: Plenum's page signs them out there (load it).
    Effect::new(move || {
        if let Some(Ok(Some(path))) = logout.value().get() {
            crate::go_to(&path);
        }
    });
    view! {
        <header class="topbar">
            <nav aria-label="Main">
                <A href="/" attr:class="brand">
                    "Plenum"
                </A>
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        match user.await {
                            Ok(Some(me)) => {
                                view! {
                                    <ul class="nav-links">
                                        <li>
                                            <A href="/">"Dashboard"</A>
                                        </li>
                                        <li>
                                            <A href="/portal">"My instances"</A>
                                        </li>
                                        {me
                                            .is_staff
                                            .then(|| view! {
                                                <li>
                                                    <A href="/staff">"Staff"</A>
                                                </li>
                                                <li>
                                                    <A href="/staff/orders">"Orders"</A>
                                                </li>
                                                <li>
                                                    <A href="/staff/instances">"Instances"</A>
                                                </li>
                                                <li>
                                                    <A href="/staff/clients">"Sign-on"</A>
                                                </li>
                                                <li>
                                                    <A href="/staff/audit">"Audit"</A>
                                                </li>
                                            })}
                                        <li>
                                            <A href="/account">"Account"</A>
                                        </li>
                                        <li class="who" title="Signed in as">
                                            {me.email.clone()}
                                        </li>
                                        <li>
                                            <ActionForm action=logout>
                                                <button type="submit" class="link-button">
                                                    "Log out"
                                                </button>
                                            </ActionForm>
                                        </li>
                                    </ul>
                                }
                                    .into_any()
                            }
                            _ => {
                                view! {
                                    <ul class="nav-links">
                                        <li>
                                            <A href="/login">"Log in"</A>
                                        </li>
                                        <li>
                                            <A href="/signup">"Sign up"</A>
                                        </li>
                                    </ul>
                                }
                                    .into_any()
                            }
                        }
                    })}
                </Transition>
            </nav>
        </header>
    }
}
