//! The SAML 2.0 identity provider's HTTP endpoints: an instance's metadata, its single
//! sign-on endpoint (HTTP-Redirect binding in, HTTP-POST binding out), the settings its
//! configuration job fetches (for the bearer of the instance's settings secret), and single
//! logout after signing out of Plenum (`/saml/logout` posts a signed LogoutRequest to each
//! service provider signed in to in that session, one after the other; each sends the
//! browser back to `/saml/{instance}/slo`). Each handler translates the request for
//! [`identity::Provider`] and its answer back; the protocol lives in `identity::saml`.
//!
//! All endpoints are GETs, so the CSRF guard does not concern them. The response leaves
//! through a page whose form the browser posts to the service provider's registered ACS URL.

use app::server::context::{SAML_LOGOUT_KEY, SAML_LOGOUT_PATH, SAML_SESSIONS_KEY};
use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use chrono::Utc;
use edge::pages::escape;
use identity::SamlOutcome;
use identity::saml::{metadata, sso_path};
use tower_sessions::Session;

use crate::oidc::pages;
use crate::router::ServerState;

/// The metadata route (`instance_id` is the instance's id).
pub const METADATA_ROUTE: &str = "/saml/{instance_id}/metadata";
/// The single sign-on route.
pub const SSO_ROUTE: &str = "/saml/{instance_id}/sso";
/// The route of an instance's settings (see [`domain::identity::saml_settings_path`]).
pub const SETTINGS_ROUTE: &str = "/saml/{instance_id}/openslides-settings";
/// The route where service providers' LogoutResponses arrive.
pub const SLO_ROUTE: &str = "/saml/{instance_id}/slo";

/// The identity provider's routes.
pub fn router() -> Router<ServerState> {
    Router::new()
        .route(METADATA_ROUTE, get(metadata))
        .route(SSO_ROUTE, get(sso))
        .route(SETTINGS_ROUTE, get(settings))
        .route(SLO_ROUTE, get(slo))
        .route(SAML_LOGOUT_PATH, get(logout))
}

/// Remembers that the person signed in at instance `instance_id` as `name_id`.
async fn remember(session: &Session, instance_id: i64, name_id: String) {
    let mut list: Vec<(i64, String)> = session
        .get(SAML_SESSIONS_KEY)
        .await
        .ok()
        .flatten()
        .unwrap_or_default();
    if !list
        .iter()
        .any(|(id, n)| *id == instance_id && *n == name_id)
    {
        list.push((instance_id, name_id));
        if let Err(e) = session.insert(SAML_SESSIONS_KEY, list).await {
            tracing::warn!(error = %e, "SAML session not remembered");
        }
    }
}

/// After signing out of Plenum: signs the person out at the next SAML service provider
/// still on the list (a signed LogoutRequest posted by the browser to its single logout
/// service, which sends the browser back to [`slo`]); with none left, the login page.
async fn logout(State(server): State<ServerState>, session: Session) -> Response {
    loop {
        let mut list: Vec<(i64, String)> = session
            .get(SAML_LOGOUT_KEY)
            .await
            .ok()
            .flatten()
            .unwrap_or_default();
        if list.is_empty() {
            // The list may be gone already; removing nothing is fine.
            let _ = session.remove::<Vec<(i64, String)>>(SAML_LOGOUT_KEY).await;
            return Redirect::to("/login").into_response();
        }
        let (instance_id, name_id) = list.remove(0);
        if let Err(e) = session.insert(SAML_LOGOUT_KEY, list).await {
            tracing::error!(error = %e, "SAML logout list not kept");
            return pages::failure();
        }
        match server
            .app
            .identity
            .saml_logout_request(instance_id, &name_id, Utc::now())
            .await
        {
            Ok(Some((slo_url, request_b64))) => {
                return auto_post("Signing out", &slo_url, ("SAMLRequest", &request_b64), None);
            }
            // No single logout service (any more): on to the next.
            Ok(None) => continue,
            Err(e) => {
                tracing::error!(error = %e, instance_id, "SAML logout request failed");
                continue;
            }
        }
    }
}

/// A service provider's LogoutResponse: on to the next service provider, or the login page.
/// (Its status is not checked: the person is signed out of Plenum either way, and nothing
/// here depends on it.)
async fn slo() -> Response {
    Redirect::to(SAML_LOGOUT_PATH).into_response()
}

/// The one answer to every request for settings that is not granted (no such instance, no
/// SAML, no or a wrong token): nothing tells them apart.
fn unauthorized() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        [(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"))],
        "Present the instance's settings token.",
    )
        .into_response()
}

/// Whether `presented` is instance `instance_id`'s settings secret (compared as SHA-256
/// digests, so the comparison's time says nothing about the secret).
async fn settings_token_valid(
    state: &app::server::AppState,
    instance_id: i64,
    presented: &str,
) -> Result<bool, store::StoreError> {
    let instance = match state.db.instance(instance_id).await {
        Ok(instance) => instance,
        Err(store::StoreError::NotFound) => return Ok(false),
        Err(e) => return Err(e),
    };
    let runs = matches!(
        instance.lifecycle,
        domain::instance::Lifecycle::Running | domain::instance::Lifecycle::Stopped
    );
    let Some(domain::template::SsoDeclaration::Saml(saml)) =
        domain::template::builtin(&instance.template)
            .ok()
            .and_then(|t| t.sso().cloned())
    else {
        return Ok(false);
    };
    Ok(runs
        && crate::bearer::matches_instance_secret(
            state,
            instance_id,
            &saml.settings_secret,
            presented,
        )
        .await?)
}

async fn settings(
    State(server): State<ServerState>,
    Path(instance_id): Path<String>,
    headers: axum::http::HeaderMap,
) -> Response {
    let presented = crate::bearer::bearer(&headers);
    let (Ok(instance_id), Some(presented)) = (instance_id.parse::<i64>(), presented) else {
        return unauthorized();
    };
    let state = server.app;
    match settings_token_valid(&state, instance_id, presented).await {
        Ok(true) => {}
        Ok(false) => return unauthorized(),
        Err(e) => {
            tracing::error!(error = %e, instance_id, "SAML settings: the token could not be checked");
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Plenum could not check the token.",
            )
                .into_response();
        }
    }
    match state.identity.openslides_saml_settings(instance_id).await {
        Ok(Some(body)) => (
            [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
            axum::Json(body),
        )
            .into_response(),
        Ok(None) => unauthorized(),
        Err(e) => {
            tracing::error!(error = %e, instance_id, "SAML settings failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Plenum could not produce the settings.",
            )
                .into_response()
        }
    }
}

fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        "This instance has no SAML identity provider.",
    )
        .into_response()
}

async fn metadata(State(server): State<ServerState>, Path(instance_id): Path<String>) -> Response {
    let Ok(instance_id) = instance_id.parse::<i64>() else {
        return not_found();
    };
    match server.app.identity.saml_metadata(instance_id).await {
        Ok(Some(xml)) => (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static(metadata::CONTENT_TYPE),
            )],
            xml,
        )
            .into_response(),
        Ok(None) => not_found(),
        Err(e) => {
            tracing::error!(error = %e, "SAML metadata failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Plenum could not produce the metadata.",
            )
                .into_response()
        }
    }
}

/// The one value of parameter `name`: None when absent, Err when repeated.
fn single<'a>(params: &'a [(String, String)], name: &str) -> Result<Option<&'a str>, ()> {
    let mut values = params.iter().filter(|(k, _)| k == name).map(|(_, v)| v);
    let first = values.next();
    if values.next().is_some() {
        return Err(());
    }
    Ok(first.map(String::as_str))
}

async fn sso(
    State(server): State<ServerState>,
    session: Session,
    Path(instance_id): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let Ok(instance_id) = instance_id.parse::<i64>() else {
        return pages::untrusted("This sign-in link names no instance.");
    };
    let params: Vec<(String, String)> =
        url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    let (Ok(saml_request), Ok(relay_state)) = (
        single(&params, "SAMLRequest"),
        single(&params, "RelayState"),
    ) else {
        return pages::untrusted("A parameter of the SAML request appears more than once.");
    };
    let Some(saml_request) = saml_request else {
        return pages::untrusted("The sign-in link carries no SAML request.");
    };
    let state = server.app;
    let person = match crate::oidc::signed_in(&state, &session).await {
        Ok(person) => person,
        Err(response) => return response,
    };
    match state
        .identity
        .saml_sso(
            instance_id,
            saml_request,
            relay_state,
            person.as_ref(),
            Utc::now(),
        )
        .await
    {
        Ok(SamlOutcome::PostForm {
            acs_url,
            saml_response_b64,
            relay_state,
            name_id,
        }) => {
            remember(&session, instance_id, name_id).await;
            auto_post(
                "Signing in",
                &acs_url,
                ("SAMLResponse", &saml_response_b64),
                relay_state.as_deref(),
            )
        }
        Ok(SamlOutcome::Login) => {
            // Back to the same request after signing in, as a GET of Plenum's own path.
            let query = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(&params)
                .finish();
            let next = format!("{}?{query}", sso_path(instance_id));
            let login = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("next", &next)
                .finish();
            Redirect::to(&format!("/login?{login}")).into_response()
        }
        Ok(SamlOutcome::NoAccess { instance_name }) => {
            pages::no_access(&instance_name, person.map(|p| p.user.email).as_deref())
        }
        Ok(SamlOutcome::Untrusted(message)) => pages::untrusted(&message),
        Err(e) => {
            tracing::error!(error = %e, "SAML single sign-on failed");
            pages::failure()
        }
    }
}

/// The page that hands the response to the service provider: a form posted by script at
/// once, or by the person when scripts are off.
/// A page whose form the browser posts at once to `action` with the SAML message `field`
/// (HTTP-POST binding), and `RelayState` when given.
fn auto_post(
    title: &str,
    action: &str,
    (name, value): (&str, &str),
    relay_state: Option<&str>,
) -> Response {
    let relay = relay_state
        .map(|r| {
            format!(
                "<input type=\"hidden\" name=\"RelayState\" value=\"{}\">",
                escape(r)
            )
        })
        .unwrap_or_default();
    pages::page(
        StatusCode::OK,
        title,
        "saml-post",
        &format!(
            "<form method=\"post\" action=\"{action}\" id=\"saml-form\">\
             <input type=\"hidden\" name=\"{name}\" value=\"{value}\">{relay}\
             <noscript><p>Scripts are off in this browser: continue by hand.</p>\
             <button type=\"submit\">Continue</button></noscript></form>\
             <script>document.getElementById(\"saml-form\").submit();</script>",
            action = escape(action),
            name = escape(name),
            value = escape(value),
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_must_not_repeat() {
        let params = vec![
            ("SAMLRequest".to_owned(), "a".to_owned()),
            ("RelayState".to_owned(), "x".to_owned()),
            ("RelayState".to_owned(), "y".to_owned()),
        ];
        assert_eq!(single(&params, "SAMLRequest"), Ok(Some("a")));
        assert_eq!(single(&params, "RelayState"), Err(()));
        assert_eq!(single(&params, "Signature"), Ok(None));
    }
}
