//! Who is asking, and may they: the checks every server function starts with.

use super::AppState;
use crate::error::AppError;
use domain::access::{Actor, OrgAction, may_act_on_org};
use leptos::prelude::*;
use store::{OrgRecord, StoreError};
use tower_sessions::Session;

/// The session key holding the signed-in user's id.
pub const USER_ID_KEY: &str = "user_id";

/// The session key holding when the user signed in (Unix seconds), for `auth_time` in ID
/// tokens.
pub const AUTH_TIME_KEY: &str = "auth_time";

/// The session key listing the SAML service providers the person signed in to in this
/// session: `(instance id, NameID)` pairs, to sign them out there when they sign out.
pub const SAML_SESSIONS_KEY: &str = "saml_sessions";

/// After signing out: the session key listing the SAML service providers still to be told
/// (same pairs), worked off by `/saml/logout`.
pub const SAML_LOGOUT_KEY: &str = "saml_logout";

/// The path that signs a person out at the SAML service providers of [`SAML_LOGOUT_KEY`],
/// one after the other, and ends on the login page.
pub const SAML_LOGOUT_PATH: &str = "/saml/logout";

/// Signs `user_id` in on `session`: a new session id first (no fixation), then the user and
/// the time of the sign-in.
pub async fn start_session(session: &Session, user_id: i64) -> Result<(), AppError> {
    session.cycle_id().await.map_err(internal)?;
    session
        .insert(USER_ID_KEY, user_id)
        .await
        .map_err(internal)?;
    session
        .insert(AUTH_TIME_KEY, chrono::Utc::now().timestamp())
        .await
        .map_err(internal)
}

/// The shared state, or an internal error if the server forgot to provide it.
pub fn state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState missing from the server function context");
        AppError::Internal
    })
}

/// The request's session (the session layer always provides one).
pub async fn session_store() -> Result<Session, AppError> {
    leptos_axum::extract::<Session>().await.map_err(|e| {
        tracing::error!(error = %e, "no session on the request");
        AppError::Internal
    })
}

/// The signed-in user, loaded fresh from the database (so a removed account or a changed staff
/// flag takes effect at once). `None` when nobody is signed in.
pub async fn current_actor(
    state: &AppState,
) -> Result<Option<(Actor, store::UserRecord)>, AppError> {
    actor_of_session(state, &session_store().await?).await
}

/// The user signed in on `session` (for routes outside server functions, such as the
/// instance event stream), loaded fresh from the database; `None` when nobody is.
pub async fn actor_of_session(
    state: &AppState,
    session: &Session,
) -> Result<Option<(Actor, store::UserRecord)>, AppError> {
    let user_id: Option<i64> = session.get(USER_ID_KEY).await.map_err(|e| {
        tracing::error!(error = %e, "session could not be read");
        AppError::Internal
    })?;
    let Some(user_id) = user_id else {
        return Ok(None);
    };
    match state.db.find_user(user_id).await {
        Ok(user) => Ok(Some((
            Actor {
                user_id: user.id,
                is_staff: user.is_staff,
            },
            user,
        ))),
        Err(StoreError::NotFound) => Ok(None),
        Err(e) => Err(internal(e)),
    }
}

/// The signed-in user, or [`AppError::Unauthenticated`].
pub async fn require_actor(state: &AppState) -> Result<Actor, AppError> {
    current_actor(state)
        .await?
        .map(|(actor, _)| actor)
        .ok_or(AppError::Unauthenticated)
}

/// The signed-in staff user, or an error (customers get [`AppError::Forbidden`]).
pub async fn require_staff(state: &AppState) -> Result<Actor, AppError> {
    let actor = require_actor(state).await?;
    if !actor.is_staff {
        return Err(AppError::Forbidden);
    }
    Ok(actor)
}

/// An organisation the actor was allowed to act on.
pub struct Authorized {
    /// The organisation.
    pub org: OrgRecord,
    /// The actor.
    pub actor: Actor,
}

/// Checks that the signed-in user may perform `action` on organisation `org_id`.
///
/// Someone who is not a member gets [`AppError::NotFound`] whether or not the organisation
/// exists; a member without the needed role gets [`AppError::Forbidden`].
pub async fn authorize_org(
    state: &AppState,
    org_id: i64,
    action: OrgAction,
) -> Result<Authorized, AppError> {
    let actor = require_actor(state).await?;
    authorize_org_as(state, actor, org_id, action).await
}

/// [`authorize_org`] for an actor already known (same answers).
pub async fn authorize_org_as(
    state: &AppState,
    actor: Actor,
    org_id: i64,
    action: OrgAction,
) -> Result<Authorized, AppError> {
    let membership = state
        .db
        .membership(org_id, actor.user_id)
        .await
        .map_err(internal)?;
    if !may_act_on_org(actor, membership, OrgAction::View) {
        return Err(AppError::NotFound);
    }
    let org = state.db.find_org(org_id).await.map_err(store_error)?;
    if !may_act_on_org(actor, membership, action) {
        return Err(AppError::Forbidden);
    }
    Ok(Authorized { org, actor })
}

/// Converts a store error into words for the user; database failures are logged and hidden.
pub fn store_error(e: StoreError) -> AppError {
    match e {
        StoreError::NotFound => AppError::NotFound,
        StoreError::Rejected(invalid) => invalid.into(),
        StoreError::Database(_) => internal(e),
    }
}

/// Logs an unexpected failure and returns the generic internal error.
pub fn internal(e: impl std::fmt::Display) -> AppError {
    tracing::error!(error = %e, "request failed");
    AppError::Internal
}

/// Sets the HTTP status of the response from the server function's result, so that clients
/// other than the app (scripts, tests) see 4xx/5xx codes, then passes the result on.
pub fn respond<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    if let Err(e) = &result
        && let (Some(options), Ok(status)) = (
            use_context::<leptos_axum::ResponseOptions>(),
            http::StatusCode::from_u16(e.status()),
        )
    {
        options.set_status(status);
    }
    result
}

/// The address of the client that sent the request: the peer, or — when the peer is one of
/// the trusted proxies — the last address the proxy appended to `X-Forwarded-For`.
pub async fn client_address(state: &AppState) -> Option<std::net::IpAddr> {
    use axum::extract::ConnectInfo;
    let ConnectInfo(peer) = leptos_axum::extract::<ConnectInfo<std::net::SocketAddr>>()
        .await
        .ok()?;
    let headers = leptos_axum::extract::<http::HeaderMap>()
        .await
        .unwrap_or_default();
    Some(client_ip(peer.ip(), &headers, &state.trusted_proxies))
}

/// The client's address from the `peer` that sent a request with `headers`: the peer, or —
/// when it is one of the `trusted` proxies — the last address it appended to
/// `X-Forwarded-For`.
pub fn client_ip(
    peer: std::net::IpAddr,
    headers: &http::HeaderMap,
    trusted: &[ipnet::IpNet],
) -> std::net::IpAddr {
    if !trusted.iter().any(|net| net.contains(&peer)) {
        return peer;
    }
    headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| a.trim().parse().ok())
        .next_back()
        .unwrap_or(peer)
}

/// Whether the request is a plain HTML form post (no WASM: the browser follows a redirect)
/// rather than the app's own call of a server function.
pub async fn is_plain_form_post() -> bool {
    leptos_axum::extract::<http::HeaderMap>()
        .await
        .ok()
        .and_then(|headers| {
            headers
                .get(http::header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .map(|v| v.contains("text/html"))
        })
        .unwrap_or(false)
}
