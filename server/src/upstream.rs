//! Sign-in through an upstream OpenID Connect provider (the platform's or an
//! organisation's): `GET /auth/upstream/{id}?next=…` sends the browser there, and
//! `GET /auth/upstream/callback` brings it back, signed in to the account with the
//! provider's verified email address (made on first sign-in). The protocol lives in
//! [`identity::upstream`]; this module keeps the pending sign-in in the session.

use app::server::context::start_session;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use domain::identity::redirect::safe_local_path;
use identity::metadata::{UPSTREAM_CALLBACK_PATH, UPSTREAM_START_PATH};
use identity::upstream::{self, PendingLogin, UpstreamError};
use serde::Deserialize;
use store::StoreError;
use tower_sessions::Session;

use crate::router::ServerState;

/// The session key of a sign-in waiting for the provider's answer.
const PENDING_KEY: &str = "upstream_login";

/// The routes.
pub fn router() -> Router<ServerState> {
    Router::new()
        .route(UPSTREAM_START_PATH, get(start))
        .route(UPSTREAM_CALLBACK_PATH, get(callback))
}

#[derive(Debug, Deserialize)]
struct Next {
    next: Option<String>,
}

fn failure(status: StatusCode, message: &str) -> Response {
    let html = edge::pages::document(
        "Sign-in failed",
        &format!(
            "<div class=\"card\" id=\"upstream-failed\"><h1>Sign-in failed</h1><p>{}</p>\
             <p><a href=\"/login\">Back to the sign-in</a></p></div>",
            edge::pages::escape(message)
        ),
        None,
    );
    (status, Html(html)).into_response()
}

fn internal(e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "upstream sign-in failed");
    failure(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Plenum could not complete the sign-in. Please try again in a moment.",
    )
}

async fn start(
    State(server): State<ServerState>,
    session: Session,
    Path(id): Path<i64>,
    Query(query): Query<Next>,
) -> Response {
    let state = server.app;
    let provider = match state.db.upstream(id).await {
        Ok(provider) => provider,
        Err(StoreError::NotFound) => {
            return failure(StatusCode::NOT_FOUND, "There is no such sign-in provider.");
        }
        Err(e) => return internal(e),
    };
    let next = query
        .next
        .as_deref()
        .and_then(safe_local_path)
        .map(str::to_owned);
    let http = upstream::http_client();
    match upstream::begin(&http, &provider, state.identity.issuer(), next).await {
        Ok((url, pending)) => match session.insert(PENDING_KEY, pending).await {
            Ok(()) => Redirect::to(&url).into_response(),
            Err(e) => internal(e),
        },
        Err(e) => {
            tracing::warn!(provider = id, error = %e, "upstream sign-in could not start");
            failure(StatusCode::BAD_GATEWAY, &e.to_string())
        }
    }
}

async fn callback(
    State(server): State<ServerState>,
    session: Session,
    Query(params): Query<Vec<(String, String)>>,
) -> Response {
    let state = server.app;
    let pending: Option<PendingLogin> = match session.remove(PENDING_KEY).await {
        Ok(pending) => pending,
        Err(e) => return internal(e),
    };
    let Some(pending) = pending else {
        return failure(StatusCode::BAD_REQUEST, &UpstreamError::State.to_string());
    };
    let provider = match state.db.upstream(pending.provider_id).await {
        Ok(provider) => provider,
        Err(StoreError::NotFound) => {
            return failure(StatusCode::BAD_REQUEST, &UpstreamError::State.to_string());
        }
        Err(e) => return internal(e),
    };
    let secret = match state
        .db
        .upstream_secret(provider.id, state.identity.secret_key())
        .await
    {
        Ok(secret) => secret,
        Err(e) => return internal(e),
    };
    let next = pending.next.clone();
    let http = upstream::http_client();
    let person = match upstream::finish(
        &http,
        &provider,
        &secret,
        state.identity.issuer(),
        pending,
        &params,
    )
    .await
    {
        Ok(person) => person,
        Err(e) => {
            tracing::warn!(provider = provider.id, error = %e, "upstream sign-in refused");
            let status = match e {
                UpstreamError::State | UpstreamError::Refused(_) | UpstreamError::Provider(_) => {
                    StatusCode::FORBIDDEN
                }
                _ => StatusCode::BAD_GATEWAY,
            };
            return failure(status, &e.to_string());
        }
    };
    let user = match state
        .db
        .upstream_account(&person.email, &person.given_name, &person.family_name)
        .await
    {
        Ok(user) => user,
        Err(e) => return internal(e),
    };
    if let Err(e) = start_session(&session, user.id).await {
        return internal(e);
    }
    tracing::info!(
        provider = provider.id,
        user = user.id,
        "signed in through an upstream provider"
    );
    Redirect::to(next.as_deref().unwrap_or("/portal")).into_response()
}
