//! Who may enter an instance (its "People"): list, grant one, import a CSV, revoke — for the
//! organisation's owners and staff, through the instance's organisation like every instance
//! function (another organisation's instance is not found, like an unknown id). And the
//! portal: the instances the signed-in person may enter, across organisations.

use crate::dto::{AccessView, ImportReport, PortalEntry};
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    crate::server::access,
    crate::server::instances::authorize_instance,
    crate::server::{respond, state},
    domain::access::OrgAction,
};

/// The people granted access to instance `id` (owners, staff).
#[server(name = AccessList, prefix = "/api", endpoint = "access/list")]
pub async fn access_list(id: i64) -> Result<Vec<AccessView>, AppError> {
    respond(
        async {
            let state = state()?;
            let (instance, _) = authorize_instance(&state, id, OrgAction::Manage).await?;
            access::list(&state, &instance).await
        }
        .await,
    )
}

/// Grants one person access to instance `id`; empty dates mean today until the rental ends.
#[server(name = AccessGrant, prefix = "/api", endpoint = "access/grant")]
pub async fn access_grant(
    id: i64,
    email: String,
    given_name: String,
    family_name: String,
    role: String,
    #[server(default)] valid_from: String,
    #[server(default)] valid_until: String,
) -> Result<AccessView, AppError> {
    respond(
        async {
            let state = state()?;
            let (instance, actor) = authorize_instance(&state, id, OrgAction::Manage).await?;
            access::grant(
                &state,
                actor.user_id,
                &instance,
                [
                    &email,
                    &given_name,
                    &family_name,
                    &role,
                    &valid_from,
                    &valid_until,
                ],
            )
            .await
        }
        .await,
    )
}

/// Imports a CSV of people (`email, given name, family name, role`) into instance `id`:
/// with an invalid row nothing is granted unless `confirm` asks for the valid rows.
#[server(name = AccessImport, prefix = "/api", endpoint = "access/import")]
pub async fn access_import(
    id: i64,
    csv: String,
    #[server(default)] confirm: bool,
) -> Result<ImportReport, AppError> {
    respond(
        async {
            let state = state()?;
            let (instance, actor) = authorize_instance(&state, id, OrgAction::Manage).await?;
            access::import(&state, actor.user_id, &instance, &csv, confirm).await
        }
        .await,
    )
}

/// Revokes grant `access_id` of instance `id`; its holder's tokens there end at once.
#[server(name = AccessRevoke, prefix = "/api", endpoint = "access/revoke")]
pub async fn access_revoke(id: i64, access_id: i64) -> Result<(), AppError> {
    respond(
        async {
            let state = state()?;
            let (instance, _) = authorize_instance(&state, id, OrgAction::Manage).await?;
            access::revoke(&state, &instance, access_id).await
        }
        .await,
    )
}

/// The instances the signed-in person may enter.
#[server(name = Portal, prefix = "/api", endpoint = "access/portal")]
pub async fn portal() -> Result<Vec<PortalEntry>, AppError> {
    respond(
        async {
            let state = state()?;
            let (_, user) = crate::server::context::current_actor(&state)
                .await?
                .ok_or(AppError::Unauthenticated)?;
            access::portal(&state, &user).await
        }
        .await,
    )
}
