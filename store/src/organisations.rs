//! Organisations and memberships: listing them, and changing who belongs with which role.

use crate::entities::{membership, organisation, user};
use crate::error::is_unique_violation;
use crate::{Backend, Db, StoreError};
use domain::account::Email;
use domain::organisation::{MembershipChange, OrgRole, check_keeps_an_owner};
use domain::validation::Invalid;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, TransactionTrait,
};
use std::collections::HashMap;

/// A stored organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgRecord {
    /// Its id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// When it was created.
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl From<organisation::Model> for OrgRecord {
    fn from(m: organisation::Model) -> Self {
        Self {
            id: m.id,
            name: m.name,
            created_at: m.created_at,
        }
    }
}

/// An organisation as listed: with the viewer's role and the number of members.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgSummary {
    /// The organisation.
    pub org: OrgRecord,
    /// The viewer's role in it (None for staff looking at someone else's).
    pub role: Option<OrgRole>,
    /// How many members it has.
    pub members: u64,
}

/// One member of an organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberRecord {
    /// The member's account id.
    pub user_id: i64,
    /// The member's email address.
    pub email: String,
    /// The member's role.
    pub role: OrgRole,
}

fn parse_role(stored: &str) -> Result<OrgRole, StoreError> {
    stored.parse().map_err(|_| {
        StoreError::Database(sea_orm::DbErr::Custom(format!(
            "unknown membership role {stored:?} in the database"
        )))
    })
}

impl Db {
    /// The organisation with this id.
    pub async fn find_org(&self, id: i64) -> Result<OrgRecord, StoreError> {
        organisation::Entity::find_by_id(id)
            .one(self.connection())
            .await?
            .map(Into::into)
            .ok_or(StoreError::NotFound)
    }

    /// The role `user_id` has in `org_id`, if any.
    pub async fn membership(
        &self,
        org_id: i64,
        user_id: i64,
    ) -> Result<Option<OrgRole>, StoreError> {
        membership::Entity::find_by_id((org_id, user_id))
            .one(self.connection())
            .await?
            .map(|m| parse_role(&m.role))
            .transpose()
    }

    /// The organisations `user_id` belongs to, by name.
    pub async fn orgs_of_user(&self, user_id: i64) -> Result<Vec<OrgSummary>, StoreError> {
        let memberships = membership::Entity::find()
            .filter(membership::Column::UserId.eq(user_id))
            .all(self.connection())
            .await?;
        let roles: HashMap<i64, OrgRole> = memberships
            .iter()
            .map(|m| Ok((m.organisation_id, parse_role(&m.role)?)))
            .collect::<Result<_, StoreError>>()?;
        let orgs = organisation::Entity::find()
            .filter(organisation::Column::Id.is_in(roles.keys().copied()))
            .order_by_asc(organisation::Column::Name)
            .all(self.connection())
            .await?;
        self.summaries(orgs, |id| roles.get(&id).copied()).await
    }

    /// Every organisation, by name (staff view).
    pub async fn all_orgs(&self) -> Result<Vec<OrgSummary>, StoreError> {
        let orgs = organisation::Entity::find()
            .order_by_asc(organisation::Column::Name)
            .all(self.connection())
            .await?;
        self.summaries(orgs, |_| None).await
    }

    async fn summaries(
        &self,
        orgs: Vec<organisation::Model>,
        role_of: impl Fn(i64) -> Option<OrgRole>,
    ) -> Result<Vec<OrgSummary>, StoreError> {
        let counts: HashMap<i64, u64> = membership::Entity::find()
            .select_only()
            .column(membership::Column::OrganisationId)
            .column_as(membership::Column::UserId.count(), "members")
            .filter(membership::Column::OrganisationId.is_in(orgs.iter().map(|o| o.id)))
            .group_by(membership::Column::OrganisationId)
            .into_tuple::<(i64, i64)>()
            .all(self.connection())
            .await?
            .into_iter()
            .map(|(id, n)| (id, u64::try_from(n).unwrap_or(0)))
            .collect();
        Ok(orgs
            .into_iter()
            .map(|o| OrgSummary {
                role: role_of(o.id),
                members: counts.get(&o.id).copied().unwrap_or(0),
                org: o.into(),
            })
            .collect())
    }

    /// The members of `org_id`, owners first, then by email.
    pub async fn members(&self, org_id: i64) -> Result<Vec<MemberRecord>, StoreError> {
        let rows = membership::Entity::find()
            .filter(membership::Column::OrganisationId.eq(org_id))
            .all(self.connection())
            .await?;
        let users: HashMap<i64, String> = user::Entity::find()
            .filter(user::Column::Id.is_in(rows.iter().map(|m| m.user_id)))
            .all(self.connection())
            .await?
            .into_iter()
            .map(|u| (u.id, u.email))
            .collect();
        let mut members = rows
            .into_iter()
            .map(|m| {
                Ok(MemberRecord {
                    email: users.get(&m.user_id).cloned().unwrap_or_default(),
                    user_id: m.user_id,
                    role: parse_role(&m.role)?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        members.sort_by(|a, b| {
            (a.role != OrgRole::Owner, &a.email).cmp(&(b.role != OrgRole::Owner, &b.email))
        });
        Ok(members)
    }

    /// Adds the account with `email` to `org_id` with `role`.
    pub async fn add_member(
        &self,
        org_id: i64,
        email: &Email,
        role: OrgRole,
    ) -> Result<MemberRecord, StoreError> {
        let account = match self.find_user_by_email(email).await {
            Ok(account) => account,
            Err(StoreError::NotFound) => {
                return Err(Invalid::new(
                    "email",
                    "No account has this email address: ask them to sign up first.",
                )
                .into());
            }
            Err(e) => return Err(e),
        };
        membership::ActiveModel {
            organisation_id: Set(org_id),
            user_id: Set(account.id),
            role: Set(role.as_str().to_owned()),
            created_at: Set(chrono::Utc::now()),
        }
        .insert(self.connection())
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                Invalid::new("email", "This person is already a member.").into()
            } else {
                StoreError::from(e)
            }
        })?;
        Ok(MemberRecord {
            user_id: account.id,
            email: account.email,
            role,
        })
    }

    /// Gives a member another role, unless that leaves the organisation without an owner.
    pub async fn set_member_role(
        &self,
        org_id: i64,
        user_id: i64,
        role: OrgRole,
    ) -> Result<(), StoreError> {
        self.change_membership(org_id, user_id, MembershipChange::SetRole(role))
            .await
    }

    /// Removes a member, unless that leaves the organisation without an owner.
    pub async fn remove_member(&self, org_id: i64, user_id: i64) -> Result<(), StoreError> {
        self.change_membership(org_id, user_id, MembershipChange::Remove)
            .await
    }

    async fn change_membership(
        &self,
        org_id: i64,
        user_id: i64,
        change: MembershipChange,
    ) -> Result<(), StoreError> {
        let txn = self.connection().begin().await?;
        self.lock_org(&txn, org_id).await?;
        let current = membership::Entity::find_by_id((org_id, user_id))
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound)?;
        let owners = membership::Entity::find()
            .filter(membership::Column::OrganisationId.eq(org_id))
            .filter(membership::Column::Role.eq(OrgRole::Owner.as_str()))
            .count(&txn)
            .await?;
        check_keeps_an_owner(
            parse_role(&current.role)?,
            change,
            usize::try_from(owners).unwrap_or(usize::MAX),
        )?;
        match change {
            MembershipChange::SetRole(role) => {
                let mut row: membership::ActiveModel = current.into();
                row.role = Set(role.as_str().to_owned());
                row.update(&txn).await?;
            }
            MembershipChange::Remove => {
                membership::Entity::delete_by_id((org_id, user_id))
                    .exec(&txn)
                    .await?;
            }
        }
        txn.commit().await?;
        Ok(())
    }

    /// Serialises membership changes of one organisation: on PostgreSQL the organisation row is
    /// locked for the transaction; SQLite runs one writer at a time anyway.
    async fn lock_org(&self, txn: &DatabaseTransaction, org_id: i64) -> Result<(), StoreError> {
        let mut query = organisation::Entity::find_by_id(org_id);
        if self.backend() == Backend::Postgres {
            query = query.lock_exclusive();
        }
        query.one(txn).await?.ok_or(StoreError::NotFound)?;
        Ok(())
    }
}
