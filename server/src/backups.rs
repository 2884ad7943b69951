//! Where an instance's backup and restore jobs send and fetch its dump
//! (`/internal/backups/{backup}/data`, see [`domain::backup::data_path`]).
//!
//! `PUT` takes the dump of a running backup from its job and streams it into the vault,
//! encrypted as it arrives, then the instance's secrets beside it; only then is the backup
//! recorded as stored. `GET` streams a stored backup, decrypted, to the restore job of the
//! instance being restored from it. Either must present the instance's backup token (the
//! template's `x-plenum.backup.token_secret`); every refusal is the same answer, so nothing
//! tells an unknown backup from a wrong token.

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

/// The backup and its instance when the request presents that instance's backup token and
/// `allowed` holds for them; None otherwise.
async fn authorized(
    state: &app::server::AppState,
    backup: &str,
    headers: &HeaderMap,
    allowed: impl FnOnce(&BackupRecord, &InstanceRecord) -> bool,
) -> Result<Option<(BackupRecord, InstanceRecord)>, store::StoreError> {
    let (Ok(id), Some(presented)) = (backup.parse::<i64>(), crate::bearer::bearer(headers)) else {
        return Ok(None);
    };
    let backup = match state.db.backup(id).await {
        Ok(b) => b,
        Err(store::StoreError::NotFound) => return Ok(None),
        Err(e) => return Err(e),
    };
    let instance = state.db.instance(backup.instance_id).await?;
    let Some(declaration) = domain::template::builtin(&instance.template)
        .ok()
        .and_then(|t| t.backup().cloned())
    else {
        return Ok(None);
    };
    if !allowed(&backup, &instance) {
        return Ok(None);
    }
    let valid = crate::bearer::matches_instance_secret(
        state,
        instance.id,
        &declaration.token_secret,
        presented,
    )
    .await?;
    Ok(valid.then_some((backup, instance)))
}

/// The dump of a running backup, from its job.
async fn receive(
    State(server): State<ServerState>,
    Path(backup): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let state = server.app;
    let (backup, instance) = match authorized(&state, &backup, &headers, |b, _| {
        b.state == BackupState::Running
    })
    .await
    {
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
    let restoring = |b: &BackupRecord, i: &InstanceRecord| {
        b.state == BackupState::Stored && i.restoring_from == Some(b.id)
    };
    let (backup, instance) = match authorized(&state, &backup, &headers, restoring).await {
        Ok(Some(found)) => found,
        Ok(None) => return unauthorized(),
        Err(e) => {
            tracing::error!(error = %e, "backup download: the token could not be checked");
            return failed("Plenum could not check the token.");
        }
    };
    match state.vault.get(&dump_key(instance.id, backup.id)).await {
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
