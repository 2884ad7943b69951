//! Access granted to people at one instance, by email.

use chrono::Utc;
use domain::identity::InstanceRole;
use domain::identity::grant::{GrantRequest, GrantWindow};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set, TransactionTrait};

use crate::entities::instance_access;
use crate::{Db, StoreError};

/// One person's access to an instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessRecord {
    /// The grant's id.
    pub id: i64,
    /// The instance.
    pub instance_id: i64,
    /// The person's normalised email address.
    pub email: String,
    /// Given name as granted.
    pub given_name: String,
    /// Family name as granted.
    pub family_name: String,
    /// Their role at the instance.
    pub role: InstanceRole,
    /// The days on which it admits them.
    pub window: GrantWindow,
}

/// What granting did for one person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantOutcome {
    /// A new grant.
    Added,
    /// An existing grant for the same email, changed.
    Updated,
}

fn record(m: instance_access::Model) -> Result<AccessRecord, StoreError> {
    let role = m.role.parse::<InstanceRole>()?;
    let window = GrantWindow::new(m.valid_from, m.valid_until)?;
    Ok(AccessRecord {
        id: m.id,
        instance_id: m.instance_id,
        email: m.email,
        given_name: m.given_name,
        family_name: m.family_name,
        role,
        window,
    })
}

impl Db {
    /// Grants every one of `grants` access to instance `instance_id` for `window` (an
    /// existing grant for the same email is replaced), all or none.
    pub async fn grant_access(
        &self,
        instance_id: i64,
        grants: &[GrantRequest],
        window: GrantWindow,
        granted_by: i64,
    ) -> Result<Vec<GrantOutcome>, StoreError> {
        let txn = self.connection().begin().await?;
        let mut outcomes = Vec::with_capacity(grants.len());
        for grant in grants {
            let existing = instance_access::Entity::find()
                .filter(instance_access::Column::InstanceId.eq(instance_id))
                .filter(instance_access::Column::Email.eq(grant.email.as_str()))
                .one(&txn)
                .await?;
            outcomes.push(if existing.is_some() {
                GrantOutcome::Updated
            } else {
                GrantOutcome::Added
            });
            let row = instance_access::ActiveModel {
                instance_id: Set(instance_id),
                email: Set(grant.email.as_str().to_owned()),
                given_name: Set(grant.given_name.clone()),
                family_name: Set(grant.family_name.clone()),
                role: Set(grant.role.as_str().to_owned()),
                valid_from: Set(window.from()),
                valid_until: Set(window.until()),
                granted_by: Set(Some(granted_by)),
                created_at: Set(Utc::now()),
                ..Default::default()
            };
            instance_access::Entity::insert(row)
                .on_conflict(
                    OnConflict::columns([
                        instance_access::Column::InstanceId,
                        instance_access::Column::Email,
                    ])
                    .update_columns([
                        instance_access::Column::GivenName,
                        instance_access::Column::FamilyName,
                        instance_access::Column::Role,
                        instance_access::Column::ValidFrom,
                        instance_access::Column::ValidUntil,
                        instance_access::Column::GrantedBy,
                    ])
                    .to_owned(),
                )
                .exec_without_returning(&txn)
                .await?;
        }
        txn.commit().await?;
        Ok(outcomes)
    }

    /// Every grant at an instance, by email.
    pub async fn access_list(&self, instance_id: i64) -> Result<Vec<AccessRecord>, StoreError> {
        instance_access::Entity::find()
            .filter(instance_access::Column::InstanceId.eq(instance_id))
            .order_by_asc(instance_access::Column::Email)
            .all(self.connection())
            .await?
            .into_iter()
            .map(record)
            .collect()
    }

    /// The grant of `email` at an instance, if any.
    pub async fn access_of(
        &self,
        instance_id: i64,
        email: &str,
    ) -> Result<Option<AccessRecord>, StoreError> {
        instance_access::Entity::find()
            .filter(instance_access::Column::InstanceId.eq(instance_id))
            .filter(instance_access::Column::Email.eq(email))
            .one(self.connection())
            .await?
            .map(record)
            .transpose()
    }

    /// Every grant held by `email`, at any instance.
    pub async fn access_of_person(&self, email: &str) -> Result<Vec<AccessRecord>, StoreError> {
        instance_access::Entity::find()
            .filter(instance_access::Column::Email.eq(email))
            .all(self.connection())
            .await?
            .into_iter()
            .map(record)
            .collect()
    }

    /// Removes grant `access_id` of instance `instance_id` and returns it (NotFound when the
    /// instance has no such grant).
    pub async fn revoke_access(
        &self,
        instance_id: i64,
        access_id: i64,
    ) -> Result<AccessRecord, StoreError> {
        let row = instance_access::Entity::find_by_id(access_id)
            .filter(instance_access::Column::InstanceId.eq(instance_id))
            .one(self.connection())
            .await?
            .ok_or(StoreError::NotFound)?;
        let revoked = record(row)?;
        instance_access::Entity::delete_by_id(access_id)
            .exec(self.connection())
            .await?;
        Ok(revoked)
    }
}
