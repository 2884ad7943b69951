//! Organisations and their members, as seen by their members (and staff).

use crate::dto::{OrgDetail, OrgListItem};
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    crate::dto::MemberView,
    crate::server::{authorize_org, context::store_error, require_actor, respond, state},
    domain::access::OrgAction,
};

/// The organisations the signed-in user belongs to.
#[server(name = MyOrgs, prefix = "/api", endpoint = "orgs/mine")]
pub async fn my_orgs() -> Result<Vec<OrgListItem>, AppError> {
    respond(
        async {
            let state = state()?;
            let actor = require_actor(&state).await?;
            let orgs = state
                .db
                .orgs_of_user(actor.user_id)
                .await
                .map_err(store_error)?;
            Ok(orgs.into_iter().map(OrgListItem::from).collect())
        }
        .await,
    )
}

/// One organisation with its members.
#[server(name = OrgDetails, prefix = "/api", endpoint = "orgs/detail")]
pub async fn org_details(org_id: i64) -> Result<OrgDetail, AppError> {
    respond(
        async {
            let state = state()?;
            let access = authorize_org(&state, org_id, OrgAction::View).await?;
            let members = state.db.members(org_id).await.map_err(store_error)?;
            let membership = state
                .db
                .membership(org_id, access.actor.user_id)
                .await
                .map_err(store_error)?;
            Ok(OrgDetail {
                id: access.org.id,
                name: access.org.name,
                members: members.into_iter().map(MemberView::from).collect(),
                can_manage: domain::access::may_act_on_org(
                    access.actor,
                    membership,
                    OrgAction::Manage,
                ),
            })
        }
        .await,
    )
}

/// Adds an existing account to the organisation.
#[server(name = AddMember, prefix = "/api", endpoint = "orgs/members/add")]
pub async fn add_member(org_id: i64, email: String, role: String) -> Result<(), AppError> {
    respond(
        async {
            let state = state()?;
            authorize_org(&state, org_id, OrgAction::Manage).await?;
            let email = domain::account::Email::parse(&email)?;
            let role = role.parse()?;
            state
                .db
                .add_member(org_id, &email, role)
                .await
                .map_err(store_error)?;
            Ok(())
        }
        .await,
    )
}

/// Gives a member another role (the last owner keeps theirs).
#[server(name = SetMemberRole, prefix = "/api", endpoint = "orgs/members/role")]
pub async fn set_member_role(org_id: i64, user_id: i64, role: String) -> Result<(), AppError> {
    respond(
        async {
            let state = state()?;
            authorize_org(&state, org_id, OrgAction::Manage).await?;
            let role = role.parse()?;
            state
                .db
                .set_member_role(org_id, user_id, role)
                .await
                .map_err(store_error)
        }
        .await,
    )
}

/// Removes a member (never the last owner).
#[server(name = RemoveMember, prefix = "/api", endpoint = "orgs/members/remove")]
pub async fn remove_member(org_id: i64, user_id: i64) -> Result<(), AppError> {
    respond(
        async {
            let state = state()?;
            authorize_org(&state, org_id, OrgAction::Manage).await?;
            state
                .db
                .remove_member(org_id, user_id)
                .await
                .map_err(store_error)
        }
        .await,
    )
}

#[cfg(feature = "ssr")]
impl From<store::OrgSummary> for OrgListItem {
    fn from(s: store::OrgSummary) -> Self {
        Self {
            id: s.org.id,
            name: s.org.name,
            role: s.role,
            members: s.members,
        }
    }
}

#[cfg(feature = "ssr")]
impl From<store::MemberRecord> for MemberView {
    fn from(m: store::MemberRecord) -> Self {
        Self {
            user_id: m.user_id,
            email: m.email,
            role: m.role,
        }
    }
}
