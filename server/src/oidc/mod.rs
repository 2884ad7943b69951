//! The OpenID Connect provider's HTTP endpoints: discovery, keys, authorization, token,
//! userinfo, revocation and logout. Each handler translates the request for
//! [`identity::Provider`] and its answer back; the protocol's rules live there and in
//! `domain::identity`.

pub(crate) mod pages;

use app::server::AppState;
use app::server::context::{AUTH_TIME_KEY, actor_of_session};
use axum::Router;
use axum::extract::{Query, RawForm, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use chrono::{DateTime, Utc};
use identity::metadata::{
    AUTHORIZE_PATH, DISCOVERY_PATH, JWKS_PATH, LOGOUT_PATH, REVOKE_PATH, TOKEN_PATH, USERINFO_PATH,
};
use identity::provider::{EndSession, basic_credentials};
use identity::{AuthorizeOutcome, OAuthError, SignedIn};
use tower_sessions::Session;

use crate::router::ServerState;

/// Paths whose requests never act on Plenum's session cookie, so the CSRF guard need not
/// look at them: clients (also browser apps of other origins) call them with their own
/// credentials. The authorization endpoint accepts cross-site form posts by design (its
/// safety is the client's registered redirect URI and `state`).
pub const CROSS_SITE_PATHS: &[&str] = &[AUTHORIZE_PATH, TOKEN_PATH, USERINFO_PATH, REVOKE_PATH];

/// The provider's routes.
pub fn router() -> Router<ServerState> {
    Router::new()
        .route(DISCOVERY_PATH, get(discovery))
        .route(JWKS_PATH, get(jwks))
        .route(AUTHORIZE_PATH, get(authorize_query).post(authorize_form))
        .route(TOKEN_PATH, axum::routing::post(token))
        .route(USERINFO_PATH, get(userinfo).post(userinfo))
        .route(REVOKE_PATH, axum::routing::post(revoke))
        .route(LOGOUT_PATH, get(logout_query).post(logout_form))
}

type Params = Vec<(String, String)>;

fn form_params(body: &[u8]) -> Params {
    url::form_urlencoded::parse(body).into_owned().collect()
}

/// JSON with `Cache-Control: no-store` (tokens and claims must not be cached) and, for
/// browser apps of other origins, CORS for any origin (no cookies are involved).
fn json_reply(status: StatusCode, body: &serde_json::Value) -> Response {
    let mut response = (status, axum::Json(body)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    response
}

fn oauth_error(e: &OAuthError) -> Response {
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST);
    let body = serde_json::to_value(e).unwrap_or_default();
    let mut response = json_reply(status, &body);
    if status == StatusCode::UNAUTHORIZED {
        let challenge = if e.error == "invalid_token" {
            "Bearer error=\"invalid_token\""
        } else {
            "Basic realm=\"plenum\""
        };
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static(challenge),
        );
    }
    response
}

async fn discovery(State(server): State<ServerState>) -> Response {
    json_reply(StatusCode::OK, server.app.identity.discovery())
}

async fn jwks(State(server): State<ServerState>) -> Response {
    let jwks = serde_json::to_value(server.app.identity.jwks()).unwrap_or_default();
    json_reply(StatusCode::OK, &jwks)
}

/// The person signed in to Plenum on this browser, with their sign-in time.
pub(crate) async fn signed_in(
    state: &AppState,
    session: &Session,
) -> Result<Option<SignedIn>, Response> {
    let user = actor_of_session(state, session)
        .await
        .map_err(|_| pages::failure())?;
    let Some((_, user)) = user else {
        return Ok(None);
    };
    let auth_time = session
        .get::<i64>(AUTH_TIME_KEY)
        .await
        .ok()
        .flatten()
        .and_then(|t| DateTime::<Utc>::from_timestamp(t, 0))
        .unwrap_or_else(Utc::now);
    Ok(Some(SignedIn { user, auth_time }))
}

async fn authorize_query(
    State(server): State<ServerState>,
    session: Session,
    Query(params): Query<Params>,
) -> Response {
    authorize(server.app, session, params).await
}

async fn authorize_form(
    State(server): State<ServerState>,
    session: Session,
    RawForm(body): RawForm,
) -> Response {
    authorize(server.app, session, form_params(&body)).await
}

async fn authorize(state: AppState, session: Session, params: Params) -> Response {
    let person = match signed_in(&state, &session).await {
        Ok(person) => person,
        Err(response) => return response,
    };
    match state
        .identity
        .authorize(&params, person.as_ref(), Utc::now())
        .await
    {
        Ok(AuthorizeOutcome::Redirect(to)) => Redirect::to(&to).into_response(),
        Ok(AuthorizeOutcome::Login) => {
            // Back to the same request after signing in, as a GET of Plenum's own path.
            let query = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(&params)
                .finish();
            let next = format!("{AUTHORIZE_PATH}?{query}");
            let login = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("next", &next)
                .finish();
            Redirect::to(&format!("/login?{login}")).into_response()
        }
        Ok(AuthorizeOutcome::Untrusted(message)) => pages::untrusted(&message),
        Ok(AuthorizeOutcome::NoAccess { client_name }) => {
            pages::no_access(&client_name, person.map(|p| p.user.email).as_deref())
        }
        Err(e) => {
            tracing::error!(error = %e, "authorization failed");
            pages::failure()
        }
    }
}

fn basic(headers: &HeaderMap) -> Option<(String, String)> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(basic_credentials)
}

async fn token(
    State(server): State<ServerState>,
    headers: HeaderMap,
    RawForm(body): RawForm,
) -> Response {
    let params = form_params(&body);
    answer(
        server
            .app
            .identity
            .token(&params, basic(&headers), Utc::now())
            .await,
    )
}

/// A protocol endpoint's answer: JSON, or the OAuth error.
fn answer(result: Result<serde_json::Value, OAuthError>) -> Response {
    match result {
        Ok(body) => json_reply(StatusCode::OK, &body),
        Err(e) => oauth_error(&e),
    }
}

async fn userinfo(State(server): State<ServerState>, headers: HeaderMap) -> Response {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        });
    let Some(bearer) = bearer else {
        return oauth_error(&OAuthError::new(
            "invalid_token",
            "send the access token as Authorization: Bearer",
        ));
    };
    answer(
        server
            .app
            .identity
            .userinfo(bearer.trim(), Utc::now())
            .await,
    )
}

async fn revoke(
    State(server): State<ServerState>,
    headers: HeaderMap,
    RawForm(body): RawForm,
) -> Response {
    let params = form_params(&body);
    answer(
        server
            .app
            .identity
            .revoke(&params, basic(&headers), Utc::now())
            .await
            .map(|()| serde_json::json!({})),
    )
}

async fn logout_query(
    State(server): State<ServerState>,
    session: Session,
    Query(params): Query<Params>,
) -> Response {
    logout(server.app, session, params, false).await
}

/// The confirmation form's answer (same-origin only: the CSRF guard checks it).
async fn logout_form(
    State(server): State<ServerState>,
    session: Session,
    RawForm(body): RawForm,
) -> Response {
    let params: Params = form_params(&body)
        .into_iter()
        .filter(|(k, _)| k != "confirm")
        .collect();
    logout(server.app, session, params, true).await
}

async fn logout(state: AppState, session: Session, params: Params, confirmed: bool) -> Response {
    let user_id = match signed_in(&state, &session).await {
        Ok(person) => person.map(|p| p.user.id),
        Err(response) => return response,
    };
    match state
        .identity
        .end_session(&params, user_id, confirmed)
        .await
    {
        Ok(EndSession::LogOut { redirect }) => {
            if let Err(e) = session.flush().await {
                tracing::error!(error = %e, "session could not be ended");
                return pages::failure();
            }
            match redirect {
                Some(to) => Redirect::to(&to).into_response(),
                None => pages::signed_out(),
            }
        }
        Ok(EndSession::Confirm) => pages::confirm_logout(&params),
        Ok(EndSession::Refused(message)) => pages::untrusted(&message),
        Err(e) => {
            tracing::error!(error = %e, "logout failed");
            pages::failure()
        }
    }
}
