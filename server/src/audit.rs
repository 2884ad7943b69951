//! The audit trail's recorder: every server function call that may change something
//! (everything under `/api/` but the read-only ones, `app::api::READ_ONLY`) is recorded with
//! who (the account signed in before or after it: sign-in and sign-out count), when, from
//! where, what (the endpoint, and the values of `app::api::RECORDED_FIELDS` only — any other
//! field by name, so no password or secret is ever kept), which organisation it concerned,
//! and how it was answered. Refused attempts are recorded too. A recording that fails is
//! logged; the answer is never held back by it.

use std::net::SocketAddr;

use app::server::AppState;
use app::server::context::{USER_ID_KEY, client_ip};
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};
use store::NewAuditEntry;
use tower_sessions::Session;

/// The largest request body a recorded call may have (a CSV import of grants is the largest).
const MAX_BODY: usize = 8 << 20;

/// Records the call if it is one that may change something.
pub async fn record(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let Some(action) = request
        .uri()
        .path()
        .strip_prefix("/api/")
        .map(str::to_owned)
    else {
        return next.run(request).await;
    };
    if request.method() != Method::POST || app::api::READ_ONLY.contains(&action.as_str()) {
        return next.run(request).await;
    }
    let session = request.extensions().get::<Session>().cloned();
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip());
    let address = peer.map(|peer| client_ip(peer, request.headers(), &state.trusted_proxies));
    let before = user_of(session.as_ref()).await;
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "The request is too large.").into_response();
    };
    let fields: Vec<(String, String)> = url::form_urlencoded::parse(&bytes)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    let actor = user_of(session.as_ref()).await.or(before);
    let entry = NewAuditEntry {
        actor_id: actor,
        actor_email: match actor {
            Some(id) => state.db.find_user(id).await.ok().map(|u| u.email),
            None => None,
        },
        address: address.map(|a| a.to_string()),
        organisation_id: organisation(&state, &action, &fields).await,
        details: details(&fields).to_string(),
        action,
        outcome: response.status().as_u16(),
    };
    if let Err(e) = state.db.record_audit(&entry).await {
        tracing::error!(error = %e, action = %entry.action, "audit entry not recorded");
    }
    response
}

async fn user_of(session: Option<&Session>) -> Option<i64> {
    session?.get::<i64>(USER_ID_KEY).await.ok().flatten()
}

/// The recorded fields: values of the allowed ones, the rest by name.
fn details(fields: &[(String, String)]) -> Value {
    let mut map = Map::new();
    for (name, value) in fields {
        let recorded = if app::api::RECORDED_FIELDS.contains(&name.as_str()) {
            Value::String(value.chars().take(200).collect())
        } else {
            Value::String("(not recorded)".to_owned())
        };
        match map.get_mut(name) {
            Some(Value::Array(list)) => list.push(recorded),
            Some(first) => *first = Value::Array(vec![first.take(), recorded]),
            None => {
                map.insert(name.clone(), recorded);
            }
        }
    }
    Value::Object(map)
}

/// The organisation a call concerned: its `org_id`, else the organisation of the instance
/// (`instance_id`, or `id` for instance endpoints) or of the order (`order_id`).
async fn organisation(state: &AppState, action: &str, fields: &[(String, String)]) -> Option<i64> {
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .and_then(|(_, v)| v.parse::<i64>().ok())
    };
    if let Some(org) = field("org_id") {
        return Some(org);
    }
    let instance_endpoint = ["instances/", "access/", "staff/instances/"]
        .iter()
        .any(|prefix| action.starts_with(prefix));
    let instance =
        field("instance_id").or_else(|| instance_endpoint.then(|| field("id")).flatten());
    if let Some(id) = instance {
        return state.db.instance(id).await.ok().map(|i| i.organisation_id);
    }
    if let Some(id) = field("order_id") {
        return state.db.order(id).await.ok().map(|o| o.organisation_id);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_allowed_fields_keep_their_values() {
        let fields = vec![
            ("email".to_owned(), "ada@example.org".to_owned()),
            ("password".to_owned(), "correct horse battery".to_owned()),
            ("ids".to_owned(), "1".to_owned()),
            ("ids".to_owned(), "2".to_owned()),
        ];
        let recorded = details(&fields).to_string();
        assert!(recorded.contains("ada@example.org"), "{recorded}");
        assert!(!recorded.contains("correct horse"), "{recorded}");
        assert!(
            recorded.contains("\"password\":\"(not recorded)\""),
            "{recorded}"
        );
        assert!(recorded.contains("\"ids\":[\"1\",\"2\"]"), "{recorded}");
    }
}
