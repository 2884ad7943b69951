//! Upstream login (Plenum as relying party of another provider): the checked settings of a
//! provider, and how the claims it sends become a Plenum account — linked only by a
//! verified email address.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::account::Email;
use crate::identity::redirect::check_redirect_uri;
use crate::validation::Invalid;

/// Which claims carry the email address and the names (the `email_verified` claim is the
/// standard one and is not mapped: an unverified address never links an account).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimMapping {
    /// The claim holding the email address (default `email`).
    pub email: String,
    /// The claim holding the given name (default `given_name`).
    pub given_name: String,
    /// The claim holding the family name (default `family_name`).
    pub family_name: String,
}

impl Default for ClaimMapping {
    fn default() -> Self {
        Self {
            email: "email".into(),
            given_name: "given_name".into(),
            family_name: "family_name".into(),
        }
    }
}

/// A provider's settings as checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderSettings {
    /// The name on the sign-in button.
    pub name: String,
    /// The issuer URL (discovery at `<issuer>/.well-known/openid-configuration`).
    pub issuer: String,
    /// Plenum's client id there.
    pub client_id: String,
    /// Plenum's client secret there.
    pub client_secret: String,
    /// Which claims carry what.
    pub mapping: ClaimMapping,
}

fn claim_name(field: &str, raw: &str, default: &str) -> Result<String, Invalid> {
    let name = raw.trim();
    if name.is_empty() {
        return Ok(default.to_owned());
    }
    let ok = name.len() <= 100
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b':'));
    if !ok {
        return Err(Invalid::new(
            field,
            "A claim name is up to 100 letters, digits and _ - . :",
        ));
    }
    Ok(name.to_owned())
}

impl ProviderSettings {
    /// Checks the form; every field is named in its error. Empty claim names mean the
    /// standard claims.
    pub fn parse(fields: [&str; 7]) -> Result<Self, Invalid> {
        let [name, issuer, client_id, client_secret, email, given, family] = fields;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
            return Err(Invalid::new(
                "name",
                "Enter a name of at most 100 characters.",
            ));
        }
        let issuer = check_redirect_uri("issuer", issuer)?;
        if issuer.contains('?') {
            return Err(Invalid::new("issuer", "The issuer URL has no query."));
        }
        let client_id = client_id.trim();
        if client_id.is_empty()
            || client_id.len() > 200
            || !client_id.bytes().all(|b| b.is_ascii_graphic())
        {
            return Err(Invalid::new(
                "client_id",
                "Enter the client id the provider gave Plenum (up to 200 characters).",
            ));
        }
        let client_secret = client_secret.trim();
        if client_secret.is_empty() || client_secret.len() > 500 {
            return Err(Invalid::new(
                "client_secret",
                "Enter the client secret the provider gave Plenum.",
            ));
        }
        Ok(Self {
            name: name.to_owned(),
            issuer: issuer.trim_end_matches('/').to_owned(),
            client_id: client_id.to_owned(),
            client_secret: client_secret.to_owned(),
            mapping: ClaimMapping {
                email: claim_name("claim_email", email, "email")?,
                given_name: claim_name("claim_given_name", given, "given_name")?,
                family_name: claim_name("claim_family_name", family, "family_name")?,
            },
        })
    }
}

/// The person an upstream provider vouches for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpstreamPerson {
    /// Their verified email address.
    pub email: Email,
    /// Given name (may be empty).
    pub given_name: String,
    /// Family name (may be empty).
    pub family_name: String,
}

/// Why the claims do not make a Plenum sign-in.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The mapped email claim is missing or not an address.
    #[error("the provider sent no usable email address (claim {0:?})")]
    NoEmail(String),
    /// The provider does not say the address is verified.
    #[error("the provider does not confirm that the email address is verified")]
    NotVerified,
}

fn text(claims: &Value, name: &str) -> String {
    claims
        .get(name)
        .and_then(Value::as_str)
        .map(|s| s.trim().chars().take(100).collect())
        .unwrap_or_default()
}

/// The person the `claims` (userinfo, JSON) describe under `mapping`; refused unless the
/// email address is present and `email_verified` is true.
pub fn person_from_claims(
    claims: &Value,
    mapping: &ClaimMapping,
) -> Result<UpstreamPerson, Refusal> {
    let email = Email::parse(&text(claims, &mapping.email))
        .map_err(|_| Refusal::NoEmail(mapping.email.clone()))?;
    let verified = match claims.get("email_verified") {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s == "true",
        _ => false,
    };
    if !verified {
        return Err(Refusal::NotVerified);
    }
    Ok(UpstreamPerson {
        email,
        given_name: text(claims, &mapping.given_name),
        family_name: text(claims, &mapping.family_name),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_verified_addresses_link_accounts() {
        let mapping = ClaimMapping::default();
        let ok = person_from_claims(
            &json!({"email": "Ann@Example.org", "email_verified": true, "given_name": "Ann"}),
            &mapping,
        )
        .unwrap();
        assert_eq!(ok.email.as_str(), "ann@example.org");
        assert_eq!(ok.given_name, "Ann");
        assert_eq!(
            person_from_claims(&json!({"email": "a@example.org"}), &mapping),
            Err(Refusal::NotVerified)
        );
        assert_eq!(
            person_from_claims(
                &json!({"email": "a@example.org", "email_verified": false}),
                &mapping
            ),
            Err(Refusal::NotVerified)
        );
        assert!(matches!(
            person_from_claims(&json!({"email_verified": true}), &mapping),
            Err(Refusal::NoEmail(_))
        ));
        let custom = ClaimMapping {
            email: "mail".into(),
            ..ClaimMapping::default()
        };
        assert!(
            person_from_claims(
                &json!({"mail": "b@example.org", "email_verified": "true"}),
                &custom
            )
            .is_ok()
        );
    }

    #[test]
    fn settings_are_checked_by_field() {
        let good = [
            "Union SSO",
            "https://id.union.example/",
            "plenum",
            "s3cret",
            "",
            "",
            "",
        ];
        let s = ProviderSettings::parse(good).unwrap();
        assert_eq!(s.issuer, "https://id.union.example");
        assert_eq!(s.mapping, ClaimMapping::default());
        let mut bad = good;
        bad[1] = "http://id.union.example";
        assert_eq!(ProviderSettings::parse(bad).unwrap_err().field, "issuer");
        let mut bad = good;
        bad[2] = "";
        assert_eq!(ProviderSettings::parse(bad).unwrap_err().field, "client_id");
        let mut bad = good;
        bad[3] = " ";
        assert_eq!(
            ProviderSettings::parse(bad).unwrap_err().field,
            "client_secret"
        );
        let mut bad = good;
        bad[4] = "e mail";
        assert_eq!(
            ProviderSettings::parse(bad).unwrap_err().field,
            "claim_email"
        );
    }
}
