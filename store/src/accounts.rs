//! Users: creating accounts (with their first organisation), finding them, changing passwords.

use crate::entities::{membership, organisation, user};
use crate::error::is_unique_violation;
use crate::{Db, OrgRecord, StoreError};
use domain::account::Email;
use domain::organisation::OrgRole;
use domain::validation::Invalid;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};

/// An account to create. The password is already hashed by the caller.
#[derive(Clone)]
pub struct NewUser {
    /// The checked email address.
    pub email: Email,
    /// The argon2id PHC string.
    pub password_hash: String,
    /// Whether the account is platform staff.
    pub is_staff: bool,
}

/// A stored account, without its password hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    /// The account's id.
    pub id: i64,
    /// Its normalised email address.
    pub email: String,
    /// Whether it is platform staff.
    pub is_staff: bool,
    /// Given name, when known (from an access grant or the account page).
    pub given_name: Option<String>,
    /// Family name, when known.
    pub family_name: Option<String>,
    /// Whether the person proved they receive mail at the address.
    pub email_verified: bool,
    /// When it was created.
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl From<user::Model> for UserRecord {
    fn from(m: user::Model) -> Self {
        Self {
            id: m.id,
            email: m.email,
            is_staff: m.is_staff,
            given_name: m.given_name,
            family_name: m.family_name,
            email_verified: m.email_verified,
            created_at: m.created_at,
        }
    }
}

fn email_taken() -> StoreError {
    Invalid::new(
        "email",
        "An account with this email address already exists.",
    )
    .into()
}

pub(crate) fn insert_user(new: &NewUser) -> user::ActiveModel {
    user::ActiveModel {
        email: Set(new.email.as_str().to_owned()),
        password_hash: Set(new.password_hash.clone()),
        is_staff: Set(new.is_staff),
        created_at: Set(chrono::Utc::now()),
        ..Default::default()
    }
}

impl Db {
    /// Creates an account on its own (used for staff accounts).
    pub async fn create_user(&self, new: NewUser) -> Result<UserRecord, StoreError> {
        let model = insert_user(&new)
            .insert(self.connection())
            .await
            .map_err(|e| {
                if is_unique_violation(&e) {
                    email_taken()
                } else {
                    e.into()
                }
            })?;
        Ok(model.into())
    }

    /// Signs a customer up: creates the account and an organisation it owns, atomically.
    pub async fn create_customer(
        &self,
        new: NewUser,
        org_name: &str,
    ) -> Result<(UserRecord, OrgRecord), StoreError> {
        let txn = self.connection().begin().await?;
        let user = insert_user(&new).insert(&txn).await.map_err(|e| {
            if is_unique_violation(&e) {
                email_taken()
            } else {
                e.into()
            }
        })?;
        let now = chrono::Utc::now();
        let org = organisation::ActiveModel {
            name: Set(org_name.to_owned()),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        membership::ActiveModel {
            organisation_id: Set(org.id),
            user_id: Set(user.id),
            role: Set(OrgRole::Owner.as_str().to_owned()),
            created_at: Set(now),
        }
        .insert(&txn)
        .await?;
        txn.commit().await?;
        Ok((user.into(), org.into()))
    }

    /// The account with this id.
    pub async fn find_user(&self, id: i64) -> Result<UserRecord, StoreError> {
        user::Entity::find_by_id(id)
            .one(self.connection())
            .await?
            .map(Into::into)
            .ok_or(StoreError::NotFound)
    }

    /// The account with this email address.
    pub async fn find_user_by_email(&self, email: &Email) -> Result<UserRecord, StoreError> {
        self.credentials(email).await.map(|(user, _)| user)
    }

    /// The account with this email address and its password hash, for checking a login.
    pub async fn credentials(&self, email: &Email) -> Result<(UserRecord, String), StoreError> {
        let model = user::Entity::find()
            .filter(user::Column::Email.eq(email.as_str()))
            .one(self.connection())
            .await?
            .ok_or(StoreError::NotFound)?;
        let hash = model.password_hash.clone();
        Ok((model.into(), hash))
    }

    /// The password hash of the account with this id.
    pub async fn password_hash(&self, id: i64) -> Result<String, StoreError> {
        user::Entity::find_by_id(id)
            .one(self.connection())
            .await?
            .map(|m| m.password_hash)
            .ok_or(StoreError::NotFound)
    }

    /// Replaces an account's password hash.
    pub async fn set_password_hash(&self, id: i64, hash: String) -> Result<(), StoreError> {
        let result = user::Entity::update_many()
            .col_expr(
                user::Column::PasswordHash,
                sea_orm::sea_query::Expr::value(hash),
            )
            .filter(user::Column::Id.eq(id))
            .exec(self.connection())
            .await?;
        if result.rows_affected == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Every account, oldest first (staff view).
    pub async fn list_users(&self) -> Result<Vec<UserRecord>, StoreError> {
        Ok(user::Entity::find()
            .order_by_asc(user::Column::Id)
            .all(self.connection())
            .await?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// How many staff accounts exist.
    pub async fn count_staff(&self) -> Result<u64, StoreError> {
        Ok(user::Entity::find()
            .filter(user::Column::IsStaff.eq(true))
            .count(self.connection())
            .await?)
    }
}
