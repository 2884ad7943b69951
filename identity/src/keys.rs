//! The provider's signing keys: RSA 2048 (RS256), made by Plenum, stored encrypted, rotated
//! with an overlap so that tokens signed just before a rotation still verify.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use openidconnect::core::{CoreJsonWebKey, CoreJsonWebKeySet, CoreRsaPrivateSigningKey};
use openidconnect::{JsonWebKeyId, PrivateSigningKey};
use rand::RngCore;
use store::{Db, SecretKey, SecretValue, SigningKeyRecord};

use crate::IdentityError;

/// How long a replaced key stays published: longer than any ID token lives (at most an hour).
pub const RETIRED_KEY_PUBLISHED: Duration = Duration::days(1);

/// The key that signs now, and every key that verifies.
pub struct KeyRing {
    /// The active key's id.
    pub kid: String,
    /// The active private key.
    pub signing: Arc<CoreRsaPrivateSigningKey>,
    /// The published public keys (the active one first).
    pub jwks: CoreJsonWebKeySet,
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyRing")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

/// Whether a new key must be made: there is no active key, or it is `rotation` old.
pub fn needs_new_key(keys: &[SigningKeyRecord], now: DateTime<Utc>, rotation: Duration) -> bool {
    keys.iter()
        .find(|k| k.retired_at.is_none())
        .is_none_or(|active| now - active.created_at >= rotation)
}

/// The keys to publish: the active one and those retired less than
/// [`RETIRED_KEY_PUBLISHED`] ago.
pub fn published(keys: &[SigningKeyRecord], now: DateTime<Utc>) -> Vec<&SigningKeyRecord> {
    keys.iter()
        .filter(|k| {
            k.retired_at
                .is_none_or(|at| now - at < RETIRED_KEY_PUBLISHED)
        })
        .collect()
}

fn generate() -> Result<(String, SecretValue, String), IdentityError> {
    use rsa::pkcs1::{EncodeRsaPrivateKey, LineEnding};
    let key = rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048)
        .map_err(|e| IdentityError::Key(e.to_string()))?;
    let pem = key
        .to_pkcs1_pem(LineEnding::LF)
        .map_err(|e| IdentityError::Key(e.to_string()))?;
    let mut id = [0u8; 6];
    rand::rngs::OsRng.fill_bytes(&mut id);
    let kid = format!(
        "{}-{}",
        Utc::now().format("%Y%m%d"),
        id.iter().map(|b| format!("{b:02x}")).collect::<String>()
    );
    let private = signing_key(&kid, &SecretValue::new(pem.as_bytes()))?;
    let jwk = serde_json::to_string(&private.as_verification_key())
        .map_err(|e| IdentityError::Key(e.to_string()))?;
    Ok((kid, SecretValue::new(pem.as_bytes()), jwk))
}

fn signing_key(kid: &str, pem: &SecretValue) -> Result<CoreRsaPrivateSigningKey, IdentityError> {
    let pem = pem
        .expose_str()
        .ok_or_else(|| IdentityError::Key(format!("key {kid} is not PEM text")))?;
    CoreRsaPrivateSigningKey::from_pem(pem, Some(JsonWebKeyId::new(kid.to_owned())))
        .map_err(|e| IdentityError::Key(format!("key {kid}: {e}")))
}

impl KeyRing {
    /// Loads the keys, first making a new one when there is none or the active one is
    /// `rotation` old, and deleting keys retired long enough ago.
    pub async fn load(
        db: &Db,
        secret_key: &SecretKey,
        rotation: Duration,
        now: DateTime<Utc>,
    ) -> Result<Self, IdentityError> {
        let mut keys = db.signing_keys(secret_key).await?;
        if needs_new_key(&keys, now, rotation) {
            let (kid, pem, jwk) = tokio::task::spawn_blocking(generate)
                .await
                .map_err(|e| IdentityError::Task(e.to_string()))??;
            db.add_signing_key(&kid, &pem, &jwk, secret_key).await?;
            tracing::info!(kid = %kid, "new OpenID Connect signing key");
            keys = db.signing_keys(secret_key).await?;
        }
        db.delete_signing_keys_retired_before(now - RETIRED_KEY_PUBLISHED)
            .await?;
        let active = keys
            .iter()
            .find(|k| k.retired_at.is_none())
            .ok_or_else(|| IdentityError::Key("no active signing key".into()))?;
        let jwks = published(&keys, now)
            .into_iter()
            .map(|k| {
                serde_json::from_str::<CoreJsonWebKey>(&k.public_jwk)
                    .map_err(|e| IdentityError::Key(format!("key {}: {e}", k.kid)))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            kid: active.kid.clone(),
            signing: Arc::new(signing_key(&active.kid, &active.private_pem)?),
            jwks: CoreJsonWebKeySet::new(jwks),
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn key(
        kid: &str,
        age_days: i64,
        retired_days_ago: Option<i64>,
        now: DateTime<Utc>,
    ) -> SigningKeyRecord {
        SigningKeyRecord {
            kid: kid.into(),
            private_pem: SecretValue::new("x"),
            public_jwk: "{}".into(),
            created_at: now - Duration::days(age_days),
            retired_at: retired_days_ago.map(|d| now - Duration::days(d)),
        }
    }

    #[test]
    fn a_key_is_made_when_none_is_active_or_the_active_one_is_old() {
        let now = Utc::now();
        let rotation = Duration::days(90);
        assert!(needs_new_key(&[], now, rotation));
        assert!(needs_new_key(&[key("a", 100, Some(1), now)], now, rotation));
        assert!(!needs_new_key(&[key("a", 89, None, now)], now, rotation));
        assert!(needs_new_key(&[key("a", 90, None, now)], now, rotation));
    }

    #[test]
    fn retired_keys_stay_published_for_a_day() {
        let now = Utc::now();
        let keys = [
            key("new", 0, None, now),
            key("old", 90, Some(0), now),
            key("older", 180, Some(2), now),
        ];
        let kids: Vec<_> = published(&keys, now)
            .iter()
            .map(|k| k.kid.as_str())
            .collect();
        assert_eq!(kids, ["new", "old"]);
    }
}
