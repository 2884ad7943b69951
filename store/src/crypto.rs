//! Encryption at rest for instance secrets: XChaCha20-Poly1305 with a key from configuration.
//!
//! Each value gets a fresh random 24-byte nonce; the additional data binds a ciphertext to
//! its instance and secret name, so rows cannot be swapped. Neither the key nor plaintexts
//! print themselves: their `Debug` output is redacted and they have no `Display`.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

use crate::StoreError;

/// The key instance secrets are encrypted with (32 bytes).
#[derive(Clone)]
pub struct SecretKey([u8; SecretKey::LEN]);

/// Why a configured key was refused (never contains the key).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the secret key must be {} bytes, written in standard base64",
    SecretKey::LEN
)]
pub struct InvalidKey;

impl SecretKey {
    /// Length of a key in bytes.
    pub const LEN: usize = 32;

    /// A key from raw bytes.
    pub fn from_bytes(bytes: [u8; Self::LEN]) -> Self {
        Self(bytes)
    }

    /// A key from its standard base64 form (surrounding whitespace ignored), as kept in
    /// configuration files and Swarm secrets.
    pub fn from_base64(text: &str) -> Result<Self, InvalidKey> {
        let bytes = STANDARD.decode(text.trim()).map_err(|_| InvalidKey)?;
        <[u8; Self::LEN]>::try_from(bytes.as_slice())
            .map(Self)
            .map_err(|_| InvalidKey)
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(&self.0.into())
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(<redacted>)")
    }
}

/// A secret's plaintext value.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretValue(Vec<u8>);

impl SecretValue {
    /// Wraps a value.
    pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
        Self(bytes.into())
    }

    /// The value's bytes. Callers must not log them.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    /// The value as text, when it is UTF-8 (generated values always are).
    pub fn expose_str(&self) -> Option<&str> {
        std::str::from_utf8(&self.0).ok()
    }
}

impl fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretValue(<redacted>)")
    }
}

/// An encrypted value and its nonce, as stored.
pub(crate) struct Sealed {
    pub(crate) ciphertext: Vec<u8>,
    pub(crate) nonce: Vec<u8>,
}

/// What a sealed value is bound to: the additional authenticated data, so that a stored
/// ciphertext cannot be moved to another row and still open.
pub(crate) struct Binding(String);

impl Binding {
    /// Secret `name` of instance `instance_id`.
    pub(crate) fn instance_secret(instance_id: i64, name: &str) -> Self {
        Self(format!("plenum-instance-secret\0{instance_id}\0{name}"))
    }

    /// A value of Plenum's identity provider (`kind`: "signing-key", "client-secret"),
    /// identified by `id`.
    pub(crate) fn identity(kind: &str, id: &str) -> Self {
        Self(format!("plenum-identity\0{kind}\0{id}"))
    }

    fn failure(&self, what: &str) -> StoreError {
        let shown = self.0.replace('\0', " ");
        StoreError::Database(sea_orm::DbErr::Custom(format!(
            "{shown} could not be {what} (wrong key or damaged row)"
        )))
    }
}

/// Encrypts `value` bound to `binding`.
pub(crate) fn seal(
    key: &SecretKey,
    binding: &Binding,
    value: &SecretValue,
) -> Result<Sealed, StoreError> {
    let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
    let ciphertext = key
        .cipher()
        .encrypt(
            &nonce,
            Payload {
                msg: value.expose(),
                aad: binding.0.as_bytes(),
            },
        )
        .map_err(|_| binding.failure("encrypted"))?;
    Ok(Sealed {
        ciphertext,
        nonce: nonce.to_vec(),
    })
}

/// Decrypts a value sealed with `binding`.
pub(crate) fn open(
    key: &SecretKey,
    binding: &Binding,
    sealed: &Sealed,
) -> Result<SecretValue, StoreError> {
    if sealed.nonce.len() != 24 {
        return Err(binding.failure("decrypted"));
    }
    let nonce = XNonce::from_slice(&sealed.nonce);
    key.cipher()
        .decrypt(
            nonce,
            Payload {
                msg: &sealed.ciphertext,
                aad: binding.0.as_bytes(),
            },
        )
        .map(SecretValue)
        .map_err(|_| binding.failure("decrypted"))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_binding() {
        let key = SecretKey::from_bytes([7; 32]);
        let value = SecretValue::new("hunter2-but-longer");
        let at = Binding::instance_secret;
        let sealed = seal(&key, &at(1, "pw"), &value).unwrap();
        assert_ne!(sealed.ciphertext, value.expose());
        assert_eq!(open(&key, &at(1, "pw"), &sealed).unwrap(), value);
        assert!(
            open(&key, &at(2, "pw"), &sealed).is_err(),
            "bound to the instance"
        );
        assert!(
            open(&key, &at(1, "other"), &sealed).is_err(),
            "bound to the name"
        );
        assert!(
            open(&key, &Binding::identity("signing-key", "1"), &sealed).is_err(),
            "bound to its kind"
        );
        let other = SecretKey::from_bytes([8; 32]);
        assert!(
            open(&other, &at(1, "pw"), &sealed).is_err(),
            "needs the key"
        );
        let again = seal(&key, &at(1, "pw"), &value).unwrap();
        assert_ne!(again.nonce, sealed.nonce, "fresh nonce per value");
    }

    #[test]
    fn keys_parse_from_base64_and_never_print() {
        let text = STANDARD.encode([1u8; 32]);
        let key = SecretKey::from_base64(&format!(" {text}\n")).unwrap();
        assert_eq!(format!("{key:?}"), "SecretKey(<redacted>)");
        assert!(SecretKey::from_base64("c2hvcnQ=").is_err());
        assert!(SecretKey::from_base64("not base64!").is_err());
        let value = SecretValue::new("s3cret");
        assert!(!format!("{value:?}").contains("s3cret"));
        assert!(!InvalidKey.to_string().contains(&text));
    }
}
