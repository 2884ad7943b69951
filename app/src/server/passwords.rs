//! Password hashing with argon2id (the crate's recommended parameters), off the async threads.

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use std::sync::OnceLock;

/// Hashing failed (a bug or resource exhaustion, never the user's input).
#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

/// Hashes a password into a PHC string (argon2id, random salt).
pub async fn hash(password: String) -> Result<String, HashError> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| HashError(e.to_string()))
    })
    .await
    .map_err(|e| HashError(e.to_string()))?
}

/// Whether `password` matches the PHC string `phc`. A malformed stored hash counts as no match.
pub async fn verify(password: String, phc: String) -> bool {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&phc)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

/// Spends the same time as a real verification, for logins with an unknown email address, so
/// that response times do not tell which addresses have accounts.
pub async fn verify_against_nothing(password: String) {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let phc = match DUMMY.get() {
        Some(phc) => phc.clone(),
        None => match hash("plenum-timing-equaliser".to_owned()).await {
            Ok(phc) => DUMMY.get_or_init(|| phc).clone(),
            Err(_) => return,
        },
    };
    let _ = verify(password, phc).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hash_verifies_only_the_same_password() {
        let phc = hash("correct horse 1".into()).await.unwrap();
        assert!(phc.starts_with("$argon2id$"));
        assert!(verify("correct horse 1".into(), phc.clone()).await);
        assert!(!verify("correct horse 2".into(), phc).await);
        assert!(!verify("x".into(), "not a hash".into()).await);
    }
}
