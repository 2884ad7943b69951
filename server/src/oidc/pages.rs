//! The provider's pages in Plenum's look: no access, untrusted request, logout confirmation,
//! signed out, failure. The SAML identity provider (`crate::saml`) shows the same pages.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use edge::pages::{document, escape};

/// A page in Plenum's look with `title` as heading, the card marked with `id`, and `body`
/// (already HTML); never cached.
pub(crate) fn page(status: StatusCode, title: &str, id: &str, body: &str) -> Response {
    let html = document(
        title,
        &format!(
            "<div class=\"card\" id=\"{id}\"><h1>{}</h1>{body}</div>",
            escape(title)
        ),
        None,
    );
    let mut response = (status, Html(html)).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The signed-in person may not enter the application.
pub fn no_access(client_name: &str, email: Option<&str>) -> Response {
    let who = email
        .map(|e| format!("<p class=\"meta\">Signed in as {}.</p>", escape(e)))
        .unwrap_or_default();
    page(
        StatusCode::FORBIDDEN,
        "No access",
        "sso-no-access",
        &format!(
            "<p>You have no access to <strong>{}</strong>. Ask its organisers to grant you \
             access, or sign in with another account.</p>{who}\
             <p><a href=\"/\">Go to Plenum</a></p>",
            escape(client_name)
        ),
    )
}

/// The request cannot be trusted (unknown client, unregistered redirect URI): never redirect.
pub fn untrusted(message: &str) -> Response {
    page(
        StatusCode::BAD_REQUEST,
        "This sign-in link is not valid",
        "sso-invalid",
        &format!(
            "<p>{}</p><p class=\"meta\">The application that sent you here is misconfigured; \
             tell its organisers.</p>",
            escape(message)
        ),
    )
}

/// Asks the person to confirm a logout the request did not prove.
pub fn confirm_logout(params: &[(String, String)]) -> Response {
    let hidden: String = params
        .iter()
        .map(|(k, v)| {
            format!(
                "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
                escape(k),
                escape(v)
            )
        })
        .collect();
    page(
        StatusCode::OK,
        "Sign out of Plenum?",
        "sso-confirm-logout",
        &format!(
            "<p>An application asks to sign you out of Plenum and every instance you entered \
             through it.</p><form method=\"post\">{hidden}\
             <button type=\"submit\" name=\"confirm\" value=\"yes\">Sign out</button></form>"
        ),
    )
}

/// The session has ended and no application asked to be returned to.
pub fn signed_out() -> Response {
    page(
        StatusCode::OK,
        "Signed out",
        "sso-signed-out",
        "<p>You are signed out of Plenum.</p><p><a href=\"/login\">Sign in again</a></p>",
    )
}

/// Plenum failed (the cause is logged).
pub fn failure() -> Response {
    page(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong",
        "sso-failure",
        "<p>Plenum could not complete the sign-in. Please try again in a moment.</p>",
    )
}
