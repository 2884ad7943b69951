//! Upstream sign-in providers: staff manage the platform's (`org_id` empty), an
//! organisation's owners their own ("bring your own identity provider"); the sign-in page
//! lists the platform's. Another organisation's providers are not found, like unknown ones.

use crate::dto::{ProviderButton, UpstreamView};
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    crate::server::{AppState, authorize_org, context::store_error, require_staff, respond, state},
    domain::access::OrgAction,
};

/// Checks who may manage the providers of `org_id` (None: the platform's, staff only).
#[cfg(feature = "ssr")]
async fn authorize(state: &AppState, org_id: Option<i64>) -> Result<(), AppError> {
    match org_id {
        Some(org) => authorize_org(state, org, OrgAction::Manage).await.map(drop),
        None => require_staff(state).await.map(drop),
    }
}

#[cfg(feature = "ssr")]
fn view(state: &AppState, record: store::UpstreamRecord) -> UpstreamView {
    let issuer = state.identity.issuer();
    UpstreamView {
        sign_in_path: identity::metadata::UPSTREAM_START_PATH
            .replace("{id}", &record.id.to_string()),
        redirect_uri: format!("{issuer}{}", identity::metadata::UPSTREAM_CALLBACK_PATH),
        id: record.id,
        name: record.name,
        issuer: record.issuer,
        client_id: record.client_id,
        claim_email: record.mapping.email,
        claim_given_name: record.mapping.given_name,
        claim_family_name: record.mapping.family_name,
    }
}

/// The platform's providers, for the sign-in page (anyone).
#[server(name = PlatformProviders, prefix = "/api", endpoint = "upstream/platform")]
pub async fn platform_providers() -> Result<Vec<ProviderButton>, AppError> {
    respond(
        async {
            let state = state()?;
            let list = state.db.upstreams(None).await.map_err(store_error)?;
            Ok(list
                .into_iter()
                .map(|p| ProviderButton {
                    id: p.id,
                    name: p.name,
                })
                .collect())
        }
        .await,
    )
}

/// The providers of organisation `org_id` (owners), or the platform's (staff).
#[server(name = UpstreamList, prefix = "/api", endpoint = "upstream/list")]
pub async fn upstream_list(
    #[server(default)] org_id: Option<i64>,
) -> Result<Vec<UpstreamView>, AppError> {
    respond(
        async {
            let state = state()?;
            authorize(&state, org_id).await?;
            let list = state.db.upstreams(org_id).await.map_err(store_error)?;
            Ok(list.into_iter().map(|r| view(&state, r)).collect())
        }
        .await,
    )
}

/// Adds a provider. `claims` names the claims holding the email address, the given and the
/// family name, separated by commas; an empty one means the standard claim.
#[server(name = UpstreamAdd, prefix = "/api", endpoint = "upstream/add")]
pub async fn upstream_add(
    #[server(default)] org_id: Option<i64>,
    name: String,
    issuer: String,
    client_id: String,
    client_secret: String,
    #[server(default)] claims: String,
) -> Result<UpstreamView, AppError> {
    respond(
        async {
            let state = state()?;
            authorize(&state, org_id).await?;
            let mut mapping = claims.split(',').map(str::trim);
            let [email, given, family] = [(); 3].map(|()| mapping.next().unwrap_or(""));
            if mapping.next().is_some() {
                return Err(AppError::Invalid {
                    field: "claims".into(),
                    message: "Name at most three claims: email, given name, family name.".into(),
                });
            }
            let settings = domain::identity::upstream::ProviderSettings::parse([
                &name,
                &issuer,
                &client_id,
                &client_secret,
                email,
                given,
                family,
            ])
            .map_err(|mut invalid| {
                if invalid.field.starts_with("claim_") {
                    invalid.field = "claims".into();
                }
                AppError::from(invalid)
            })?;
            let record = state
                .db
                .add_upstream(org_id, &settings, state.identity.secret_key())
                .await
                .map_err(store_error)?;
            Ok(view(&state, record))
        }
        .await,
    )
}

/// Removes provider `id` of organisation `org_id` (owners) or of the platform (staff).
#[server(name = UpstreamRemove, prefix = "/api", endpoint = "upstream/remove")]
pub async fn upstream_remove(
    #[server(default)] org_id: Option<i64>,
    id: i64,
) -> Result<(), AppError> {
    respond(
        async {
            let state = state()?;
            authorize(&state, org_id).await?;
            state
                .db
                .remove_upstream(id, org_id)
                .await
                .map_err(store_error)
        }
        .await,
    )
}
