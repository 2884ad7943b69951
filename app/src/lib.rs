//! Plenum's web app: the Leptos component tree, its routes and its server functions.
//!
//! Pages are rendered on the server (feature `ssr`) and hydrated in the browser (feature
//! `hydrate`). Server functions in [`api`] are the only way the browser reaches data; every one
//! checks on the server who is asking.

// The route tree and the larger pages nest deeply in view types.
#![recursion_limit = "256"]
pub mod api;
mod components;
pub mod dto;
pub mod error;
mod pages;
#[cfg(feature = "ssr")]
pub mod server;

use components::nav::Nav;
use dto::CurrentUser;
use error::AppError;
use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

/// The signed-in user, shared with every component; loaded with the page and again after
/// each of the [`AuthActions`].
#[derive(Clone, Copy)]
pub struct UserResource(pub Resource<Result<Option<CurrentUser>, AppError>>);

/// The actions that change who is signed in. They live at the app's root so that the
/// [`UserResource`] reloads after each: the navigation and the dashboard follow a sign-up,
/// login or logout without a page load.
#[derive(Clone, Copy)]
pub struct AuthActions {
    /// Sign up (and sign in as the new account).
    pub sign_up: ServerAction<api::auth::SignUp>,
    /// Log in.
    pub log_in: ServerAction<api::auth::LogIn>,
    /// Log out.
    pub log_out: ServerAction<api::auth::LogOut>,
    /// Set a password through an invitation link (and sign in).
    pub accept_invitation: ServerAction<api::auth::AcceptInvitation>,
}

/// The HTML document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// Loads `path` as a new page (for paths Plenum serves outside the app's routes).
pub(crate) fn go_to(path: &str) {
    #[cfg(feature = "hydrate")]
    {
        if let Err(e) = window().location().set_href(path) {
            leptos::logging::error!("could not open {path}: {e:?}");
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = path;
}

/// The app: navigation and the routed pages.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let auth = AuthActions {
        sign_up: ServerAction::new(),
        log_in: ServerAction::new(),
        log_out: ServerAction::new(),
        accept_invitation: ServerAction::new(),
    };
    let user = Resource::new(
        move || {
            (
                auth.sign_up.version().get(),
                auth.log_in.version().get(),
                auth.log_out.version().get(),
                auth.accept_invitation.version().get(),
            )
        },
        |_| api::auth::who_am_i(),
    );
    provide_context(auth);
    provide_context(UserResource(user));

    view! {
        <Stylesheet id="leptos" href="/pkg/plenum.css" />
        <Title text="Plenum" />
        <Router>
            <a class="skip-link" href="#main">
                "Skip to content"
            </a>
            <Nav />
            <main id="main" tabindex="-1">
                <Routes fallback=pages::not_found::NotFound>
                    <Route path=path!("") view=pages::home::Home />
                    <Route path=path!("signup") view=pages::signup::SignUpPage />
                    <Route path=path!("login") view=pages::login::LogInPage />
                    <Route path=path!("account") view=pages::account::AccountPage />
                    <Route path=path!("orgs/:id") view=pages::org::OrgPage />
                    <Route path=path!("orgs/:id/order") view=pages::order::OrderPage />
                    <Route path=path!("instances/:id") view=pages::instance::InstancePage />
                    <Route path=path!("portal") view=pages::portal::PortalPage />
                    <Route path=path!("invite/:token") view=pages::invitation::InvitationPage />
                    <Route path=path!("staff") view=pages::staff::StaffPage />
                    <Route path=path!("staff/orders") view=pages::staff_orders::StaffOrdersPage />
                    <Route path=path!("staff/instances") view=pages::staff_instances::StaffInstancesPage />
                    <Route path=path!("staff/clients") view=pages::staff_clients::StaffClientsPage />
                    <Route path=path!("staff/audit") view=pages::staff_audit::StaffAuditPage />
                </Routes>
            </main>
        </Router>
    }
}
