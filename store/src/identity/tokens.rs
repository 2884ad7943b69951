//! Access and refresh tokens: stored as hashes; refresh tokens rotate, and a reused one
//! revokes its whole family.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set, TransactionTrait};

use crate::entities::oidc_token;
use crate::{Db, StoreError};

/// Which kind of token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// Presented at the userinfo endpoint.
    Access,
    /// Exchanged for new tokens.
    Refresh,
}

impl TokenKind {
    fn as_str(self) -> &'static str {
        match self {
            TokenKind::Access => "access",
            TokenKind::Refresh => "refresh",
        }
    }
}

/// A token to store.
#[derive(Debug, Clone)]
pub struct NewToken {
    /// SHA-256 of the token (hex).
    pub token_hash: String,
    /// Its kind.
    pub kind: TokenKind,
    /// The client it was issued to.
    pub client_id: String,
    /// The person.
    pub user_id: i64,
    /// Granted scopes, space-separated.
    pub scope: String,
    /// The hash of the code the chain of tokens started from.
    pub family: String,
    /// When the person signed in.
    pub auth_time: DateTime<Utc>,
    /// When it expires.
    pub expires_at: DateTime<Utc>,
}

/// A stored, usable token.
pub type TokenRecord = NewToken;

/// What rotating a refresh token found.
#[derive(Debug, Clone)]
pub enum Rotated {
    /// The old token is spent and the new ones are stored; the old token's record.
    Done(TokenRecord),
    /// The token was spent before: its family is revoked now.
    Reused,
    /// No usable refresh token of this client (unknown, expired, revoked or another
    /// client's).
    Invalid,
}

fn record(m: oidc_token::Model) -> Option<TokenRecord> {
    let kind = match m.kind.as_str() {
        "access" => TokenKind::Access,
        "refresh" => TokenKind::Refresh,
        _ => return None,
    };
    Some(NewToken {
        token_hash: m.token_hash,
        kind,
        client_id: m.client_id,
        user_id: m.user_id,
        scope: m.scope,
        family: m.family,
        auth_time: m.auth_time,
        expires_at: m.expires_at,
    })
}

fn active(token: NewToken) -> oidc_token::ActiveModel {
    oidc_token::ActiveModel {
        token_hash: Set(token.token_hash),
        kind: Set(token.kind.as_str().to_owned()),
        client_id: Set(token.client_id),
        user_id: Set(token.user_id),
        scope: Set(token.scope),
        family: Set(token.family),
        auth_time: Set(token.auth_time),
        expires_at: Set(token.expires_at),
        revoked_at: Set(None),
        created_at: Set(Utc::now()),
    }
}

impl Db {
    /// Stores tokens, all or none.
    pub async fn insert_tokens(&self, tokens: Vec<NewToken>) -> Result<(), StoreError> {
        let txn = self.connection().begin().await?;
        for token in tokens {
            active(token).insert(&txn).await?;
        }
        txn.commit().await?;
        Ok(())
    }

    /// The token with this hash and kind, when it is neither revoked nor expired at `now`.
    pub async fn usable_token(
        &self,
        token_hash: &str,
        kind: TokenKind,
        now: DateTime<Utc>,
    ) -> Result<Option<TokenRecord>, StoreError> {
        Ok(oidc_token::Entity::find_by_id(token_hash.to_owned())
            .filter(oidc_token::Column::Kind.eq(kind.as_str()))
            .filter(oidc_token::Column::RevokedAt.is_null())
            .filter(oidc_token::Column::ExpiresAt.gt(now))
            .one(self.connection())
            .await?
            .and_then(record))
    }

    /// Spends refresh token `token_hash` of `client_id` and stores `issue(old)` in its
    /// place, in one transaction; of two concurrent rotations one wins, and presenting a
    /// spent token again revokes its family.
    pub async fn rotate_refresh_token(
        &self,
        token_hash: &str,
        client_id: &str,
        now: DateTime<Utc>,
        issue: impl FnOnce(&TokenRecord) -> Vec<NewToken>,
    ) -> Result<Rotated, StoreError> {
        let txn = self.connection().begin().await?;
        let spent = oidc_token::Entity::update_many()
            .col_expr(oidc_token::Column::RevokedAt, Expr::value(now))
            .filter(oidc_token::Column::TokenHash.eq(token_hash))
            .filter(oidc_token::Column::Kind.eq(TokenKind::Refresh.as_str()))
            .filter(oidc_token::Column::ClientId.eq(client_id))
            .filter(oidc_token::Column::RevokedAt.is_null())
            .filter(oidc_token::Column::ExpiresAt.gt(now))
            .exec(&txn)
            .await?;
        let row = oidc_token::Entity::find_by_id(token_hash.to_owned())
            .filter(oidc_token::Column::Kind.eq(TokenKind::Refresh.as_str()))
            .filter(oidc_token::Column::ClientId.eq(client_id))
            .one(&txn)
            .await?;
        let Some(old) = row else {
            return Ok(Rotated::Invalid);
        };
        if spent.rows_affected == 0 {
            let reused = old.revoked_at.is_some() && old.expires_at > now;
            txn.commit().await?;
            if reused {
                self.revoke_token_family(&old.family, now).await?;
                return Ok(Rotated::Reused);
            }
            return Ok(Rotated::Invalid);
        }
        let Some(old) = record(old) else {
            return Ok(Rotated::Invalid);
        };
        for token in issue(&old) {
            active(token).insert(&txn).await?;
        }
        txn.commit().await?;
        Ok(Rotated::Done(old))
    }

    /// Revokes one token of `client_id` (a refresh token takes its family with it). Unknown
    /// tokens and other clients' tokens are ignored, as RFC 7009 asks.
    pub async fn revoke_token(
        &self,
        token_hash: &str,
        client_id: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let row = oidc_token::Entity::find_by_id(token_hash.to_owned())
            .filter(oidc_token::Column::ClientId.eq(client_id))
            .one(self.connection())
            .await?;
        match row.and_then(record) {
            Some(token) if token.kind == TokenKind::Refresh => {
                self.revoke_token_family(&token.family, now).await
            }
            Some(token) => {
                oidc_token::Entity::update_many()
                    .col_expr(oidc_token::Column::RevokedAt, Expr::value(now))
                    .filter(oidc_token::Column::TokenHash.eq(token.token_hash))
                    .filter(oidc_token::Column::RevokedAt.is_null())
                    .exec(self.connection())
                    .await?;
                Ok(())
            }
            None => Ok(()),
        }
    }

    /// Revokes every token of a family (all that came from one code).
    pub async fn revoke_token_family(
        &self,
        family: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        oidc_token::Entity::update_many()
            .col_expr(oidc_token::Column::RevokedAt, Expr::value(now))
            .filter(oidc_token::Column::Family.eq(family))
            .filter(oidc_token::Column::RevokedAt.is_null())
            .exec(self.connection())
            .await?;
        Ok(())
    }

    /// Revokes every token `user_id` holds at `client_id` (their access there was revoked).
    pub async fn revoke_tokens_of(
        &self,
        user_id: i64,
        client_id: &str,
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        Ok(oidc_token::Entity::update_many()
            .col_expr(oidc_token::Column::RevokedAt, Expr::value(now))
            .filter(oidc_token::Column::UserId.eq(user_id))
            .filter(oidc_token::Column::ClientId.eq(client_id))
            .filter(oidc_token::Column::RevokedAt.is_null())
            .exec(self.connection())
            .await?
            .rows_affected)
    }
}
