//! The instance console's server functions: an organisation's instances, one instance with
//! its event log, the lifecycle actions, and the one-time reveal of the initial password.
//! Every one authorizes through the instance's organisation: members view, owners and staff
//! act; another organisation's instance is not found, like an unknown id.

use crate::dto::{InstanceConsole, InstanceView};
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    crate::server::instances::{self, Request, authorize_instance},
    crate::server::{authorize_org, context::store_error, respond, state},
    domain::access::OrgAction,
};

/// The instances of organisation `org_id` (members), by name.
#[server(name = OrgInstances, prefix = "/api", endpoint = "instances/list")]
pub async fn org_instances(org_id: i64) -> Result<Vec<InstanceView>, AppError> {
    respond(
        async {
            let state = state()?;
            authorize_org(&state, org_id, OrgAction::View).await?;
            let list = state
                .db
                .instances_of_org(org_id)
                .await
                .map_err(store_error)?;
            Ok(list.iter().map(|r| instances::view(&state, r)).collect())
        }
        .await,
    )
}

/// Instance `id` with its event log and the viewer's choices (members).
#[server(name = InstanceDetail, prefix = "/api", endpoint = "instances/detail")]
pub async fn instance_console(id: i64) -> Result<InstanceConsole, AppError> {
    respond(
        async {
            let state = state()?;
            let (record, actor, can_manage) = instances::authorize_viewer(&state, id).await?;
            instances::console(&state, &record, actor, can_manage).await
        }
        .await,
    )
}

/// Runs `request` on instance `id` for an owner or staff.
#[cfg(feature = "ssr")]
async fn manage(id: i64, request: Request) -> Result<InstanceView, AppError> {
    respond(
        async {
            let state = state()?;
            let (record, actor) = authorize_instance(&state, id, OrgAction::Manage).await?;
            let now = instances::act(&state, &record, actor, request).await?;
            Ok(instances::view(&state, &now))
        }
        .await,
    )
}

/// Starts instance `id`; a hibernated one wakes into the phase its calendar has now.
#[server(name = StartInstance, prefix = "/api", endpoint = "instances/start")]
pub async fn start_instance(id: i64) -> Result<InstanceView, AppError> {
    manage(id, Request::Start).await
}

/// Stops instance `id` (data kept).
#[server(name = StopInstance, prefix = "/api", endpoint = "instances/stop")]
pub async fn stop_instance(id: i64) -> Result<InstanceView, AppError> {
    manage(id, Request::Stop).await
}

/// Sets `service`'s replicas of instance `id` (customers: within their plan).
#[server(name = ScaleInstance, prefix = "/api", endpoint = "instances/scale")]
pub async fn scale_instance(
    id: i64,
    service: String,
    replicas: u64,
) -> Result<InstanceView, AppError> {
    manage(id, Request::Scale { service, replicas }).await
}

/// Upgrades instance `id` to a newer catalog `version`.
#[server(name = UpgradeInstance, prefix = "/api", endpoint = "instances/upgrade")]
pub async fn upgrade_instance(id: i64, version: String) -> Result<InstanceView, AppError> {
    manage(id, Request::Upgrade(version)).await
}

/// Deletes instance `id` when `confirm` is its name (data kept for the grace period).
#[server(name = DeleteInstance, prefix = "/api", endpoint = "instances/delete")]
pub async fn delete_instance(id: i64, confirm: String) -> Result<InstanceView, AppError> {
    manage(id, Request::Delete { confirm }).await
}

/// Lets instance `id` hibernate while nobody uses it (`allowed`), or keeps it awake.
#[server(name = AllowHibernation, prefix = "/api", endpoint = "instances/hibernation")]
pub async fn allow_hibernation(id: i64, allowed: bool) -> Result<InstanceView, AppError> {
    respond(
        async {
            let state = state()?;
            let (record, actor) = authorize_instance(&state, id, OrgAction::Manage).await?;
            let now = instances::allow_hibernation(&state, &record, actor, allowed).await?;
            Ok(instances::view(&state, &now))
        }
        .await,
    )
}

/// The initial administrator password of instance `id`, once (owners and staff).
#[server(name = RevealInitialPassword, prefix = "/api", endpoint = "instances/reveal")]
pub async fn reveal_initial_password(id: i64) -> Result<String, AppError> {
    respond(
        async {
            let state = state()?;
            let (record, actor) = authorize_instance(&state, id, OrgAction::Manage).await?;
            instances::reveal_initial_password(&state, &record, actor).await
        }
        .await,
    )
}
