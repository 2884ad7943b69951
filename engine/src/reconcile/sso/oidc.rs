//! The instance's client at Plenum's OpenID Connect provider, kept like a Swarm object: a
//! template that declares `x-plenum.sso` with `protocol: oidc` gets a client while the
//! instance exists (running or stopped), with redirect URIs under its public URL and the
//! template's generated secret as its secret; a removed or erased instance loses it.

use std::collections::BTreeMap;

use domain::identity::instance_client_id;
use domain::instance::Lifecycle;
use domain::template::OidcDeclaration;
use store::{ClientRecord, InstanceRecord, NewClient, SecretValue, StoreError};

use crate::reconcile::step;
use crate::reconcile::{Context, ReconcileError};

/// The client the instance should have, or None.
fn wanted(
    ctx: &Context,
    record: &InstanceRecord,
    sso: Option<&OidcDeclaration>,
    values: &BTreeMap<String, SecretValue>,
) -> Option<NewClient> {
    let sso = sso?;
    if !matches!(record.lifecycle, Lifecycle::Running | Lifecycle::Stopped) {
        return None;
    }
    let secret = values.get(&sso.client_secret)?.clone();
    let public = super::public_url(ctx, record);
    let under = |paths: &[String]| paths.iter().map(|p| format!("{public}{p}")).collect();
    Some(NewClient {
        client_id: instance_client_id(record.id),
        name: record.name.clone(),
        instance_id: Some(record.id),
        secret: Some(secret),
        redirect_uris: under(&sso.redirect_paths),
        post_logout_redirect_uris: under(&sso.post_logout_paths),
    })
}

fn same(existing: &ClientRecord, wanted: &NewClient) -> bool {
    existing.redirect_uris == wanted.redirect_uris
        && existing.post_logout_redirect_uris == wanted.post_logout_redirect_uris
        && existing.name == wanted.name
        && existing.confidential
}

/// Registers, re-registers (when the URIs changed) or removes the instance's client; each
/// change is a step event.
pub async fn converge(
    ctx: &Context,
    record: &InstanceRecord,
    sso: Option<&OidcDeclaration>,
    values: &BTreeMap<String, SecretValue>,
) -> Result<(), ReconcileError> {
    let client_id = instance_client_id(record.id);
    let existing = match ctx.db.client(&client_id).await {
        Ok(client) => Some(client),
        Err(StoreError::NotFound) => None,
        Err(e) => return Err(e.into()),
    };
    let wanted = wanted(ctx, record, sso, values);
    if let (Some(existing), Some(wanted)) = (&existing, &wanted)
        && same(existing, wanted)
        && ctx.db.client_secret(&client_id, &ctx.key).await?.as_ref() == wanted.secret.as_ref()
    {
        return Ok(());
    }
    if existing.is_some() {
        match ctx.db.remove_client(&client_id).await {
            Ok(()) | Err(StoreError::NotFound) => {}
            Err(e) => return Err(e.into()),
        }
        if wanted.is_none() {
            step(
                ctx,
                record.id,
                &format!("remove single sign-on client {client_id}"),
            )
            .await?;
        }
    }
    if let Some(wanted) = wanted {
        ctx.db.register_client(wanted, &ctx.key).await?;
        step(
            ctx,
            record.id,
            &format!("register single sign-on client {client_id}"),
        )
        .await?;
    }
    Ok(())
}
