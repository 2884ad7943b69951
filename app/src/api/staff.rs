//! The staff area: every account and every organisation.

use crate::dto::{OrgListItem, UserListItem};
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::server::{context::store_error, require_staff, respond, state};

/// Every account (staff only).
#[server(name = StaffUsers, prefix = "/api", endpoint = "staff/users")]
pub async fn staff_users() -> Result<Vec<UserListItem>, AppError> {
    respond(
        async {
            let state = state()?;
            require_staff(&state).await?;
            let users = state.db.list_users().await.map_err(store_error)?;
            Ok(users
                .into_iter()
                .map(|u| UserListItem {
                    id: u.id,
                    email: u.email,
                    is_staff: u.is_staff,
                    created_at: u.created_at.to_rfc3339(),
                })
                .collect())
        }
        .await,
    )
}

/// Every organisation (staff only).
#[server(name = StaffOrgs, prefix = "/api", endpoint = "staff/orgs")]
pub async fn staff_orgs() -> Result<Vec<OrgListItem>, AppError> {
    respond(
        async {
            let state = state()?;
            require_staff(&state).await?;
            let orgs = state.db.all_orgs().await.map_err(store_error)?;
            Ok(orgs.into_iter().map(OrgListItem::from).collect())
        }
        .await,
    )
}
