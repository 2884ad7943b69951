//! Where an instance's backup and restore jobs send and fetch its dump
//! (`/internal/backups/{backup}/data`, see [`domain::backup::data_path`]).
//!
//! `PUT` takes the dump of a running backup from its job and streams it into the vault,
//! encrypted as it arrives, then the instance's secrets beside it; only then is the backup
//! recorded as stored. `GET` streams a stored backup, decrypted, to the restore job of an
//! instance being restored from it (its own, or a copy made from it). Each job presents its
//! own instance's backup token (the template's `x-plenum.backup.token_secret`); every
//! refusal is the same answer, so nothing tells an unknown backup from a wrong token.

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::put;
use domain::backup::{BackupState, dump_key, secrets_key};
use futures::TryStreamExt;
use store::{BackupRecord, InstanceRecord};

use crate::router::ServerState;

/// The route of a backup's data.
pub const DATA_ROUTE: &str = "/internal/backups/{backup}/data";

/// The routes of backup data.
pub fn router() -> Router<ServerState> {
    Router::new().route(DATA_ROUTE, put(receive).get(send))
}

fn unauthorized() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        [(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"))],
        "Present the instance's backup token.",
    )
        .into_response()
}

fn failed(what: &str) -> Response {
    (StatusCode::INTERNAL_SERVER_ERROR, what.to_owned()).into_response()
}

/// Backup `backup` (an id in the path), if it exists.
async fn find(
    state: &app::server::AppState,
    backup: &str,
) -> Result<Option<BackupRecord>, store::StoreError> {
    let Ok(id) = backup.parse::<i64>() else {
        return Ok(None);
    };
    match state.db.backup(id).await {
        Ok(b) => Ok(Some(b)),
        Err(store::StoreError::NotFound) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Whether the request presents `instance`'s backup token.
async fn presents_token(
    state: &app::server::AppState,
    instance: &InstanceRecord,
    headers: &HeaderMap,
) -> Result<bool, store::StoreError> {
    let Some(presented) = crate::bearer::bearer(headers) else {
        return Ok(false);
    };
    let Some(declaration) = domain::template::builtin(&instance.template)
        .ok()
        .and_then(|t| t.backup().cloned())
    else {
        return Ok(false);
    };
    crate::bearer::matches_instance_secret(state, instance.id, &declaration.token_secret, presented)
        .await
}

/// The running backup `backup` and its instance, when the request presents that
/// instance's token.
async fn uploading(
    state: &app::server::AppState,
    backup: &str,
    headers: &HeaderMap,
) -> Result<Option<(BackupRecord, InstanceRecord)>, store::StoreError> {
    let Some(backup) = find(state, backup)
        .await?
        .filter(|b| b.state == BackupState::Running)
    else {
        return Ok(None);
    };
    let instance = state.db.instance(backup.instance_id).await?;
    Ok(presents_token(state, &instance, headers)
        .await?
        .then_some((backup, instance)))
}

/// The stored backup `backup`, when the request presents the token of an instance being
/// restored from it (the backup's own, or a copy made from it).
async fn restoring(
    state: &app::server::AppState,
    backup: &str,
    headers: &HeaderMap,
) -> Result<Option<BackupRecord>, store::StoreError> {
    let Some(backup) = find(state, backup)
        .await?
        .filter(|b| b.state == BackupState::Stored)
    else {
        return Ok(None);
    };
    for instance in state.db.instances_restoring_from(backup.id).await? {
        if presents_token(state, &instance, headers).await? {
            return Ok(Some(backup));
        }
    }
    Ok(None)
}

/// The dump of a running backup, from its job.
async fn receive(
    State(server): State<ServerState>,
    Path(backup): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let state = server.app;
    let (backup, instance) = match uploading(&state, &backup, &headers).await {
        Ok(Some(found)) => found,
        Ok(None) => return unauthorized(),
        Err(e) => {
            tracing::error!(error = %e, "backup upload: the token could not be checked");
            return failed("Plenum could not check the token.");
        }
    };
    match store_backup(&state, &backup, &instance, body).await {
        Ok(true) => StatusCode::CREATED.into_response(),
        Ok(false) => (
            StatusCode::CONFLICT,
            "The backup is no longer running; the dump was not kept.",
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, backup = backup.id, "backup upload failed");
            failed("Plenum could not store the backup.")
        }
    }
}

/// Why storing a backup failed.
#[derive(Debug, thiserror::Error)]
enum StoreBackupError {
    #[error(transparent)]
    Vault(#[from] vault::VaultError),
    #[error(transparent)]
    Store(#[from] store::StoreError),
}

/// Streams the dump into the vault, then the instance's secrets; records the backup as
/// stored. False (and nothing kept) when it stopped running meanwhile.
async fn store_backup(
    state: &app::server::AppState,
    backup: &BackupRecord,
    instance: &InstanceRecord,
    body: Body,
) -> Result<bool, StoreBackupError> {
    let vault = &state.vault;
    let (dump, secrets) = (
        dump_key(instance.id, backup.id),
        secrets_key(instance.id, backup.id),
    );
    let stream = body.into_data_stream().map_err(std::io::Error::other);
    let size = vault.put(&dump, stream).await?;
    let values = state
        .db
        .instance_secrets(instance.id, state.identity.secret_key())
        .await?;
    let document = serde_json::json!({
        "instance": instance.id,
        "slug": instance.slug,
        "template": instance.template,
        "version": instance.version,
        "secrets": values
            .iter()
            .filter_map(|(name, value)| Some((name.clone(), value.expose_str()?.to_owned())))
            .collect::<std::collections::BTreeMap<_, _>>(),
    });
    vault
        .put_bytes(&secrets, document.to_string().into_bytes())
        .await?;
    let stored = vault.stored_size(&dump).await? + vault.stored_size(&secrets).await?;
    if state.db.finish_backup(backup.id, size, stored).await? {
        return Ok(true);
    }
    vault.delete(&dump).await?;
    vault.delete(&secrets).await?;
    Ok(false)
}

/// The dump of a stored backup, decrypted, to the restore job of its instance.
async fn send(
    State(server): State<ServerState>,
    Path(backup): Path<String>,
    headers: HeaderMap,
) -> Response {
    let state = server.app;
    let backup = match restoring(&state, &backup, &headers).await {
        Ok(Some(found)) => found,
        Ok(None) => return unauthorized(),
        Err(e) => {
            tracing::error!(error = %e, "backup download: the token could not be checked");
            return failed("Plenum could not check the token.");
        }
    };
    match state
        .vault
        .get(&dump_key(backup.instance_id, backup.id))
        .await
    {
        Ok(stream) => (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/octet-stream"),
                ),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            ],
            Body::from_stream(stream),
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, backup = backup.id, "backup download failed");
            failed("Plenum could not read the backup.")
        }
    }
}
