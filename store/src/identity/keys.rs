//! The provider's signing keys: private keys encrypted, public keys as JWKs.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use crate::crypto::{Binding, Sealed, SecretKey, SecretValue, open, seal};
use crate::entities::oidc_signing_key;
use crate::{Db, StoreError};

/// A signing key with its decrypted private part.
#[derive(Debug, Clone)]
pub struct SigningKeyRecord {
    /// The key id (`kid`).
    pub kid: String,
    /// The private key (PEM). Never logged.
    pub private_pem: SecretValue,
    /// The public key as a JWK (JSON).
    pub public_jwk: String,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it stopped signing (it stays published for a while after).
    pub retired_at: Option<DateTime<Utc>>,
}

fn binding(kid: &str) -> Binding {
    Binding::identity("signing-key", kid)
}

impl Db {
    /// Every stored signing key, newest first, decrypted with `key`.
    pub async fn signing_keys(&self, key: &SecretKey) -> Result<Vec<SigningKeyRecord>, StoreError> {
        oidc_signing_key::Entity::find()
            .order_by_desc(oidc_signing_key::Column::CreatedAt)
            .all(self.connection())
            .await?
            .into_iter()
            .map(|row| {
                let private_pem = open(
                    key,
                    &binding(&row.kid),
                    &Sealed {
                        ciphertext: row.private_ciphertext,
                        nonce: row.nonce,
                    },
                )?;
                Ok(SigningKeyRecord {
                    kid: row.kid,
                    private_pem,
                    public_jwk: row.public_jwk,
                    created_at: row.created_at,
                    retired_at: row.retired_at,
                })
            })
            .collect()
    }

    /// Stores a new signing key; every older active key is retired at the same moment.
    pub async fn add_signing_key(
        &self,
        kid: &str,
        private_pem: &SecretValue,
        public_jwk: &str,
        key: &SecretKey,
    ) -> Result<(), StoreError> {
        let sealed = seal(key, &binding(kid), private_pem)?;
        let now = Utc::now();
        oidc_signing_key::ActiveModel {
            kid: Set(kid.to_owned()),
            private_ciphertext: Set(sealed.ciphertext),
            nonce: Set(sealed.nonce),
            public_jwk: Set(public_jwk.to_owned()),
            created_at: Set(now),
            retired_at: Set(None),
        }
        .insert(self.connection())
        .await?;
        oidc_signing_key::Entity::update_many()
            .col_expr(oidc_signing_key::Column::RetiredAt, Expr::value(now))
            .filter(oidc_signing_key::Column::Kid.ne(kid))
            .filter(oidc_signing_key::Column::RetiredAt.is_null())
            .exec(self.connection())
            .await?;
        Ok(())
    }

    /// Deletes keys retired before `before` (they are no longer published).
    pub async fn delete_signing_keys_retired_before(
        &self,
        before: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        Ok(oidc_signing_key::Entity::delete_many()
            .filter(oidc_signing_key::Column::RetiredAt.lt(before))
            .exec(self.connection())
            .await?
            .rows_affected)
    }
}
