//! Authorization codes: stored as hashes, redeemed once.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

use crate::entities::oidc_code;
use crate::{Db, StoreError};

/// A code to store.
#[derive(Debug, Clone)]
pub struct NewCode {
    /// SHA-256 of the code (hex).
    pub code_hash: String,
    /// The client it was issued to.
    pub client_id: String,
    /// The person who signed in.
    pub user_id: i64,
    /// The redirect URI it was sent to.
    pub redirect_uri: String,
    /// Granted scopes, space-separated.
    pub scope: String,
    /// The request's nonce.
    pub nonce: Option<String>,
    /// The request's S256 challenge.
    pub code_challenge: Option<String>,
    /// When the person signed in.
    pub auth_time: DateTime<Utc>,
    /// When it stops being redeemable.
    pub expires_at: DateTime<Utc>,
}

/// A stored code.
pub type CodeRecord = NewCode;

/// What redeeming a code found.
#[derive(Debug, Clone)]
pub enum Redeemed {
    /// First use, within its lifetime.
    Fresh(CodeRecord),
    /// First use, but too late.
    Expired,
    /// Used before: every token issued from it must be revoked (its hash is their family).
    Replayed,
    /// No such code.
    Unknown,
}

impl From<oidc_code::Model> for NewCode {
    fn from(m: oidc_code::Model) -> Self {
        Self {
            code_hash: m.code_hash,
            client_id: m.client_id,
            user_id: m.user_id,
            redirect_uri: m.redirect_uri,
            scope: m.scope,
            nonce: m.nonce,
            code_challenge: m.code_challenge,
            auth_time: m.auth_time,
            expires_at: m.expires_at,
        }
    }
}

impl Db {
    /// Stores a new code.
    pub async fn insert_code(&self, code: NewCode) -> Result<(), StoreError> {
        oidc_code::ActiveModel {
            code_hash: Set(code.code_hash),
            client_id: Set(code.client_id),
            user_id: Set(code.user_id),
            redirect_uri: Set(code.redirect_uri),
            scope: Set(code.scope),
            nonce: Set(code.nonce),
            code_challenge: Set(code.code_challenge),
            auth_time: Set(code.auth_time),
            expires_at: Set(code.expires_at),
            used_at: Set(None),
        }
        .insert(self.connection())
        .await?;
        Ok(())
    }

    /// Marks the code used, at most once: of two concurrent redemptions exactly one is
    /// [`Redeemed::Fresh`]. A replay revokes every token issued from the code.
    pub async fn redeem_code(
        &self,
        code_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Redeemed, StoreError> {
        let marked = oidc_code::Entity::update_many()
            .col_expr(oidc_code::Column::UsedAt, Expr::value(now))
            .filter(oidc_code::Column::CodeHash.eq(code_hash))
            .filter(oidc_code::Column::UsedAt.is_null())
            .exec(self.connection())
            .await?;
        let Some(row) = oidc_code::Entity::find_by_id(code_hash.to_owned())
            .one(self.connection())
            .await?
        else {
            return Ok(Redeemed::Unknown);
        };
        if marked.rows_affected == 0 {
            self.revoke_token_family(code_hash, now).await?;
            return Ok(Redeemed::Replayed);
        }
        if row.expires_at <= now {
            return Ok(Redeemed::Expired);
        }
        Ok(Redeemed::Fresh(row.into()))
    }

    /// Deletes codes that expired before `before`.
    pub async fn delete_codes_expired_before(
        &self,
        before: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        Ok(oidc_code::Entity::delete_many()
            .filter(oidc_code::Column::ExpiresAt.lt(before))
            .exec(self.connection())
            .await?
            .rows_affected)
    }
}
