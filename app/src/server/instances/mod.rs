//! Instances for the web layer: finding one the caller may see or act on (through its
//! organisation), presenting it, and carrying out lifecycle requests through the engine.

pub mod actions;
mod present;

pub use actions::engine_error;
pub use actions::{Request, act, allow_hibernation, reveal_initial_password};
pub use present::{console, event_views, status_update, view};

use super::AppState;
use super::context::{authorize_org_as, internal, require_actor};
use crate::error::AppError;
use domain::access::{Actor, OrgAction};
use store::{InstanceRecord, StoreError};

/// Instance `id` if `actor` may perform `action` on its organisation. An instance of an
/// organisation the actor is not a member of is [`AppError::NotFound`], exactly like an
/// unknown id; a member without the role gets [`AppError::Forbidden`].
pub async fn find_for(
    state: &AppState,
    actor: Actor,
    id: i64,
    action: OrgAction,
) -> Result<InstanceRecord, AppError> {
    let record = match state.db.instance(id).await {
        Ok(record) => record,
        Err(StoreError::NotFound) => return Err(AppError::NotFound),
        Err(e) => return Err(internal(e)),
    };
    authorize_org_as(state, actor, record.organisation_id, action).await?;
    Ok(record)
}

/// The signed-in user and instance `id`, if they may perform `action` on it.
pub async fn authorize_instance(
    state: &AppState,
    id: i64,
    action: OrgAction,
) -> Result<(InstanceRecord, Actor), AppError> {
    let actor = require_actor(state).await?;
    Ok((find_for(state, actor, id, action).await?, actor))
}

/// The signed-in user and instance `id` they may view, and whether they may also manage it
/// (an owner of its organisation, or staff).
pub async fn authorize_viewer(
    state: &AppState,
    id: i64,
) -> Result<(InstanceRecord, Actor, bool), AppError> {
    let (record, actor) = authorize_instance(state, id, OrgAction::View).await?;
    let can_manage = authorize_org_as(state, actor, record.organisation_id, OrgAction::Manage)
        .await
        .is_ok();
    Ok((record, actor, can_manage))
}
