//! Sign-up, login, logout, password change and "who am I".

use crate::dto::CurrentUser;
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::server::respond;

/// Starts a fresh session for `user_id` on this request's session.
#[cfg(feature = "ssr")]
async fn start_session(user_id: i64) -> Result<(), AppError> {
    crate::server::context::start_session(&crate::server::session_store().await?, user_id).await
}

/// Creates a customer account with its own organisation and signs it in.
#[server(name = SignUp, prefix = "/api", endpoint = "auth/signup")]
pub async fn sign_up(email: String, password: String) -> Result<(), AppError> {
    respond(
        async {
            let state = crate::server::state()?;
            let user = crate::server::accounts::sign_up(&state.db, &email, &password).await?;
            start_session(user.id).await?;
            leptos_axum::redirect("/");
            Ok(())
        }
        .await,
    )
}

/// Signs in with email and password. Then the browser goes to `next` when it is a path of
/// Plenum's own (a single sign-on request waiting for this sign-in), else to the dashboard.
/// `next` lies outside the app's pages, so the app needs a full page load to get there: a
/// plain form post is redirected, and the app (which cannot be) gets `next` back and loads it.
#[server(name = LogIn, prefix = "/api", endpoint = "auth/login")]
pub async fn log_in(
    email: String,
    password: String,
    #[server(default)] next: Option<String>,
) -> Result<Option<String>, AppError> {
    respond(
        async {
            let state = crate::server::state()?;
            let address = crate::server::context::client_address(&state).await;
            let account = email.trim().to_lowercase();
            if !state.login_throttle.allow(&account, address) {
                tracing::warn!(?address, "sign-in attempts throttled");
                return Err(AppError::TooManyAttempts);
            }
            let user = crate::server::accounts::check_login(&state.db, &email, &password).await?;
            start_session(user.id).await?;
            let next = next
                .as_deref()
                .and_then(domain::identity::redirect::safe_local_path)
                .filter(|next| *next != "/");
            match next {
                Some(next) => {
                    if crate::server::context::is_plain_form_post().await {
                        leptos_axum::redirect(next);
                    }
                    Ok(Some(next.to_owned()))
                }
                None => {
                    leptos_axum::redirect("/");
                    Ok(None)
                }
            }
        }
        .await,
    )
}

/// Uses an invitation link: sets the password of the granted address's new account (its
/// address verified by the link) and signs it in.
#[server(name = AcceptInvitation, prefix = "/api", endpoint = "auth/invitation")]
pub async fn accept_invitation(token: String, password: String) -> Result<(), AppError> {
    respond(
        async {
            let state = crate::server::state()?;
            domain::account::check_new_password("password", &password)?;
            let hash = crate::server::passwords::hash(password)
                .await
                .map_err(crate::server::context::internal)?;
            let user = state
                .db
                .accept_invitation(
                    &identity::secrets::token_hash(&token),
                    hash,
                    chrono::Utc::now(),
                )
                .await
                .map_err(crate::server::context::store_error)?;
            start_session(user.id).await?;
            leptos_axum::redirect("/portal");
            Ok(())
        }
        .await,
    )
}

/// Signs out: the session is destroyed on the server, not only forgotten by the browser.
/// When the person signed in to SAML service providers in it, a fresh session keeps only
/// that list, and the answer is the path that signs them out there (a page Plenum serves
/// outside the app, to load rather than route to).
#[server(name = LogOut, prefix = "/api", endpoint = "auth/logout")]
pub async fn log_out() -> Result<Option<String>, AppError> {
    use crate::server::context::{SAML_LOGOUT_KEY, SAML_LOGOUT_PATH, SAML_SESSIONS_KEY, internal};
    respond(
        async {
            let session = crate::server::session_store().await?;
            let saml: Vec<(i64, String)> = session
                .get(SAML_SESSIONS_KEY)
                .await
                .ok()
                .flatten()
                .unwrap_or_default();
            session.flush().await.map_err(internal)?;
            if saml.is_empty() {
                leptos_axum::redirect("/login");
                return Ok(None);
            }
            session
                .insert(SAML_LOGOUT_KEY, saml)
                .await
                .map_err(internal)?;
            if crate::server::context::is_plain_form_post().await {
                leptos_axum::redirect(SAML_LOGOUT_PATH);
            }
            Ok(Some(SAML_LOGOUT_PATH.to_owned()))
        }
        .await,
    )
}

/// The signed-in user, or `None`.
#[server(name = WhoAmI, prefix = "/api", endpoint = "auth/me")]
pub async fn who_am_i() -> Result<Option<CurrentUser>, AppError> {
    respond(
        async {
            let state = crate::server::state()?;
            Ok(crate::server::context::current_actor(&state)
                .await?
                .map(|(_, user)| CurrentUser {
                    id: user.id,
                    email: user.email,
                    is_staff: user.is_staff,
                }))
        }
        .await,
    )
}

/// Changes the signed-in user's password (the current one must be given).
#[server(name = ChangePassword, prefix = "/api", endpoint = "auth/password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
) -> Result<(), AppError> {
    respond(
        async {
            let state = crate::server::state()?;
            let actor = crate::server::require_actor(&state).await?;
            crate::server::accounts::change_password(
                &state.db,
                actor.user_id,
                &current_password,
                &new_password,
            )
            .await?;
            start_session(actor.user_id).await
        }
        .await,
    )
}
