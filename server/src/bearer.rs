//! Jobs of an instance authenticate to Plenum with one of the instance's own generated
//! secrets as a bearer token: reading it from a request, and checking it.

use axum::http::{HeaderMap, header};

/// The bearer token of a request, if it has a non-empty one.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

/// Whether `presented` is the value of secret `secret` of instance `instance` (compared as
/// SHA-256 digests, so the comparison's time says nothing about the secret).
pub async fn matches_instance_secret(
    state: &app::server::AppState,
    instance: i64,
    secret: &str,
    presented: &str,
) -> Result<bool, store::StoreError> {
    let secrets = state
        .db
        .instance_secrets(instance, state.identity.secret_key())
        .await?;
    Ok(secrets
        .get(secret)
        .and_then(|v| v.expose_str())
        .is_some_and(|expected| {
            identity::secrets::token_hash(expected) == identity::secrets::token_hash(presented)
        }))
}
