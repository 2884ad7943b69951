//! Invitations: a person granted access who has no account gets a link to set a password
//! for the granted address; using it proves they received the link.

use chrono::{DateTime, Utc};
use domain::account::Email;
use domain::validation::Invalid;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set, TransactionTrait};

use crate::entities::{invitation, user};
use crate::{Db, NewUser, StoreError, UserRecord};

fn not_valid() -> StoreError {
    Invalid::new(
        "token",
        "This invitation link is not valid (used, expired or mistyped). Ask for a new one.",
    )
    .into()
}

impl Db {
    /// Stores an invitation for `email` (the token already hashed).
    pub async fn create_invitation(
        &self,
        email: &Email,
        token_hash: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        invitation::ActiveModel {
            token_hash: Set(token_hash.to_owned()),
            email: Set(email.as_str().to_owned()),
            expires_at: Set(expires_at),
            used_at: Set(None),
            created_at: Set(Utc::now()),
        }
        .insert(self.connection())
        .await?;
        Ok(())
    }

    /// Uses the invitation with `token_hash` once: makes the account of its address with
    /// `password_hash` (address verified) and returns it. Refused when the link is used,
    /// expired or unknown, or the address has an account by now.
    pub async fn accept_invitation(
        &self,
        token_hash: &str,
        password_hash: String,
        now: DateTime<Utc>,
    ) -> Result<UserRecord, StoreError> {
        let txn = self.connection().begin().await?;
        let used = invitation::Entity::update_many()
            .col_expr(invitation::Column::UsedAt, Expr::value(now))
            .filter(invitation::Column::TokenHash.eq(token_hash))
            .filter(invitation::Column::UsedAt.is_null())
            .filter(invitation::Column::ExpiresAt.gt(now))
            .exec(&txn)
            .await?;
        if used.rows_affected == 0 {
            return Err(not_valid());
        }
        let row = invitation::Entity::find_by_id(token_hash.to_owned())
            .one(&txn)
            .await?
            .ok_or_else(not_valid)?;
        let email = Email::parse(&row.email)?;
        let created = crate::accounts::insert_user(&NewUser {
            email,
            password_hash,
            is_staff: false,
        })
        .insert(&txn)
        .await
        .map_err(|e| {
            if crate::error::is_unique_violation(&e) {
                Invalid::new(
                    "token",
                    "An account with this address exists already: sign in with it.",
                )
                .into()
            } else {
                StoreError::from(e)
            }
        })?;
        user::Entity::update_many()
            .col_expr(user::Column::EmailVerified, Expr::value(true))
            .filter(user::Column::Id.eq(created.id))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        self.find_user(created.id).await
    }
}
