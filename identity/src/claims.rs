//! What the provider says about a person: the ID token (signed, RS256) and the userinfo
//! answer, with the standard claims the granted scopes allow and their role at the client's
//! instance.

use chrono::{DateTime, Utc};
use domain::identity::InstanceRole;
use openidconnect::core::{
    CoreGenderClaim, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm,
    CoreRsaPrivateSigningKey,
};
use openidconnect::{
    AccessToken, AdditionalClaims, Audience, AuthorizationCode, ClientId, EndUserEmail,
    EndUserFamilyName, EndUserGivenName, EndUserName, EndUserUsername, IdToken, IdTokenClaims,
    IssuerUrl, LocalizedClaim, Nonce, StandardClaims, SubjectIdentifier,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::IdentityError;

/// Plenum's own claims: the person's role at the instance the client belongs to.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct PlenumClaims {
    /// `admin` or `participant`; absent for external clients.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
}

impl AdditionalClaims for PlenumClaims {}

/// The ID token type Plenum issues.
pub type PlenumIdToken = IdToken<
    PlenumClaims,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;

/// The person a token speaks about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// The stable subject: the account's id.
    pub sub: String,
    /// Their email address.
    pub email: String,
    /// Whether the address is verified.
    pub email_verified: bool,
    /// Given name (may be empty).
    pub given_name: String,
    /// Family name (may be empty).
    pub family_name: String,
    /// Their role at the client's instance.
    pub role: Option<InstanceRole>,
}

impl Person {
    /// The full name, or None when both parts are empty.
    pub fn name(&self) -> Option<String> {
        let name = format!("{} {}", self.given_name, self.family_name);
        let name = name.trim();
        (!name.is_empty()).then(|| name.to_owned())
    }
}

fn nonempty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_owned())
}

/// Everything needed to sign an ID token.
pub struct IdTokenInput<'a> {
    /// The issuer.
    pub issuer: &'a IssuerUrl,
    /// The client (audience and authorised party).
    pub client_id: &'a str,
    /// The person.
    pub person: &'a Person,
    /// The granted scopes.
    pub scopes: &'a [String],
    /// The request's nonce.
    pub nonce: Option<&'a str>,
    /// When the person signed in.
    pub auth_time: DateTime<Utc>,
    /// Now.
    pub now: DateTime<Utc>,
    /// How long it is valid.
    pub lifetime: chrono::Duration,
    /// The access token issued with it (for `at_hash`).
    pub access_token: &'a str,
}

/// Signs an ID token with the active key.
pub fn id_token(
    input: &IdTokenInput<'_>,
    key: &CoreRsaPrivateSigningKey,
) -> Result<String, IdentityError> {
    let person = input.person;
    let has = |scope: &str| input.scopes.iter().any(|s| s == scope);
    let mut standard =
        StandardClaims::<CoreGenderClaim>::new(SubjectIdentifier::new(person.sub.clone()));
    if has("email") {
        standard = standard
            .set_email(Some(EndUserEmail::new(person.email.clone())))
            .set_email_verified(Some(person.email_verified));
    }
    if has("profile") {
        standard = standard
            .set_name(
                person
                    .name()
                    .map(|n| LocalizedClaim::from(EndUserName::new(n))),
            )
            .set_given_name(nonempty(&person.given_name).map(|n| EndUserGivenName::new(n).into()))
            .set_family_name(
                nonempty(&person.family_name).map(|n| EndUserFamilyName::new(n).into()),
            )
            .set_preferred_username(Some(EndUserUsername::new(person.email.clone())));
    }
    let claims = IdTokenClaims::new(
        input.issuer.clone(),
        vec![Audience::new(input.client_id.to_owned())],
        input.now + input.lifetime,
        input.now,
        standard,
        PlenumClaims {
            role: person.role.map(|r| r.as_str().to_owned()),
        },
    )
    .set_nonce(input.nonce.map(|n| Nonce::new(n.to_owned())))
    .set_auth_time(Some(input.auth_time))
    .set_authorized_party(Some(ClientId::new(input.client_id.to_owned())));
    let token = PlenumIdToken::new(
        claims,
        key,
        CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
        Some(&AccessToken::new(input.access_token.to_owned())),
        None::<&AuthorizationCode>,
    )
    .map_err(|e| IdentityError::Key(e.to_string()))?;
    Ok(token.to_string())
}

/// The userinfo answer (OpenID Connect Core 5.3.2) for the granted scopes.
pub fn userinfo(person: &Person, scopes: &[String]) -> Value {
    let has = |scope: &str| scopes.iter().any(|s| s == scope);
    let mut claims = Map::new();
    claims.insert("sub".into(), json!(person.sub));
    if has("email") {
        claims.insert("email".into(), json!(person.email));
        claims.insert("email_verified".into(), json!(person.email_verified));
    }
    if has("profile") {
        if let Some(name) = person.name() {
            claims.insert("name".into(), json!(name));
        }
        if let Some(given) = nonempty(&person.given_name) {
            claims.insert("given_name".into(), json!(given));
        }
        if let Some(family) = nonempty(&person.family_name) {
            claims.insert("family_name".into(), json!(family));
        }
        claims.insert("preferred_username".into(), json!(person.email));
    }
    if let Some(role) = person.role {
        claims.insert("role".into(), json!(role.as_str()));
    }
    Value::Object(claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person() -> Person {
        Person {
            sub: "7".into(),
            email: "ann@example.org".into(),
            email_verified: false,
            given_name: "Ann".into(),
            family_name: String::new(),
            role: Some(InstanceRole::Participant),
        }
    }

    #[test]
    fn userinfo_follows_the_scopes() {
        let only_openid = userinfo(&person(), &["openid".into()]);
        assert_eq!(only_openid, json!({"sub": "7", "role": "participant"}));
        let all = userinfo(
            &person(),
            &["openid".into(), "email".into(), "profile".into()],
        );
        assert_eq!(
            all,
            json!({
                "sub": "7",
                "email": "ann@example.org",
                "email_verified": false,
                "name": "Ann",
                "given_name": "Ann",
                "preferred_username": "ann@example.org",
                "role": "participant",
            })
        );
    }
}
