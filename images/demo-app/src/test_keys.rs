//! Test support: RSA keys that sign ID tokens the way an OpenID Connect
//! provider does (RS256), and their JWK form. Generated once per test process.

use std::sync::OnceLock;

use rsa::traits::PublicKeyParts;
use rsa::{Pkcs1v15Sign, RsaPrivateKey};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::oidc::base64url;

/// A signing key with its key id.
pub struct TestKey {
    /// The key id (`kid`).
    pub kid: String,
    /// The private key.
    pub private: RsaPrivateKey,
}

impl TestKey {
    fn generate(kid: &str) -> TestKey {
        let private = RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).expect("RSA key");
        TestKey {
            kid: kid.to_owned(),
            private,
        }
    }

    /// The provider's first key.
    pub fn first() -> &'static TestKey {
        static KEY: OnceLock<TestKey> = OnceLock::new();
        KEY.get_or_init(|| TestKey::generate("key-1"))
    }

    /// Another key (a rotated one, or a forger's).
    pub fn second() -> &'static TestKey {
        static KEY: OnceLock<TestKey> = OnceLock::new();
        KEY.get_or_init(|| TestKey::generate("key-2"))
    }

    /// The public key as a JWK.
    pub fn jwk(&self) -> String {
        let public = self.private.to_public_key();
        json!({
            "kty": "RSA",
            "use": "sig",
            "alg": "RS256",
            "kid": self.kid,
            "n": base64url(&public.n().to_bytes_be()),
            "e": base64url(&public.e().to_bytes_be()),
        })
        .to_string()
    }

    /// A JWK set holding only this key.
    pub fn jwks(&self) -> String {
        format!(r#"{{"keys":[{}]}}"#, self.jwk())
    }

    /// An RS256 token with this key's `kid`.
    pub fn sign(&self, claims: &Value) -> String {
        signed_token(
            &self.private,
            &json!({"alg": "RS256", "typ": "JWT", "kid": self.kid}),
            claims,
        )
    }
}

/// A JWS compact serialisation of `claims` under `header`, signed with
/// RSASSA-PKCS1-v1_5 SHA-256 by `key` whatever the header says.
pub fn signed_token(key: &RsaPrivateKey, header: &Value, claims: &Value) -> String {
    let signing_input = format!(
        "{}.{}",
        base64url(header.to_string().as_bytes()),
        base64url(claims.to_string().as_bytes())
    );
    let signature = key
        .sign(
            Pkcs1v15Sign::new::<Sha256>(),
            &Sha256::digest(signing_input.as_bytes()),
        )
        .expect("signature");
    format!("{signing_input}.{}", base64url(&signature))
}
