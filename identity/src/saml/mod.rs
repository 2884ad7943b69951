//! Plenum as SAML 2.0 identity provider of its instances (Web Browser SSO profile), for
//! service providers that speak SAML rather than OpenID Connect — OpenSlides 4's auth
//! service (samlify) first of all.
//!
//! * One long-lived RSA-2048 key with a self-signed certificate per installation, made on
//!   first use and stored with the private key sealed by the database key. Service providers
//!   pin the certificate from the metadata, so it is not rotated.
//! * One service provider per instance, registered with its entity id and assertion consumer
//!   service (ACS) URL ([`Provider::register_saml_sp`]).
//! * Requests arrive by HTTP-Redirect ([`request`]); the answer is a signed Response that the
//!   browser posts to the registered ACS URL (HTTP-POST binding) — never to a URL the request
//!   names ([`response`]). Who may enter, with which role, is decided exactly as for OpenID
//!   Connect ([`crate::access`]).
//! * [`metadata`] describes the identity provider; [`xml`] writes canonical XML.
//!
//! * When a person signs out of Plenum, each service provider they signed in to in that
//!   session gets a signed LogoutRequest ([`logout`]).
//!
//! Not supported: signed or encrypted AuthnRequests, encrypted assertions, logout requests
//! from service providers, IdP-initiated sign-in, `IsPassive` (a passive request is answered
//! like any other).

pub mod logout;
pub mod metadata;
pub mod openslides;
pub mod request;
pub mod response;
mod signature;
pub mod xml;

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use domain::identity::redirect::check_redirect_uri;
use domain::validation::Invalid;
use rand::RngCore;
use rsa::RsaPrivateKey;
use rsa::pkcs1v15::SigningKey;
use sha2::Sha256;
use store::{
    ClientRecord, Db, SamlIdpKeyRecord, SamlServiceProviderRecord, SecretKey, SecretValue,
    StoreError,
};

use crate::access::{Admission, admission, person};
use crate::clients::RegisterError;
use crate::{IdentityError, Provider, SignedIn};

/// `urn:oasis:names:tc:SAML:2.0:protocol` (prefix `samlp`).
pub const NS_PROTOCOL: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
/// `urn:oasis:names:tc:SAML:2.0:assertion` (prefix `saml`).
pub const NS_ASSERTION: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
/// `urn:oasis:names:tc:SAML:2.0:metadata` (prefix `md`).
pub const NS_METADATA: &str = "urn:oasis:names:tc:SAML:2.0:metadata";
/// XML Signature (prefix `ds`).
pub const NS_DSIG: &str = "http://www.w3.org/2000/09/xmldsig#";
/// The HTTP-Redirect binding (requests arrive this way).
pub const BINDING_HTTP_REDIRECT: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";
/// The HTTP-POST binding (responses leave this way).
pub const BINDING_HTTP_POST: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST";
/// Email-address NameIDs: the person's address, which is also the `saml_id` attribute, so
/// that a service provider that ends sessions by NameID (OpenSlides' `idplogout` finds the
/// user whose `saml_id` equals it) finds the person.
pub const NAMEID_EMAIL: &str = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress";
const STATUS_SUCCESS: &str = "urn:oasis:names:tc:SAML:2.0:status:Success";
const CM_BEARER: &str = "urn:oasis:names:tc:SAML:2.0:cm:bearer";
const ATTRNAME_BASIC: &str = "urn:oasis:names:tc:SAML:2.0:attrname-format:basic";
const AUTHN_PASSWORD_TRANSPORT: &str =
    "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport";
const ALG_EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
const ALG_ENVELOPED: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
const ALG_RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
const ALG_SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";

/// The id of the installation's one key row.
pub const IDP_KEY_ID: &str = "installation";
/// How long the self-signed certificate is valid (service providers pin it).
pub const CERTIFICATE_DAYS: u64 = 3650;
/// The longest `RelayState` passed through, in bytes (the binding allows 80; some service
/// providers send more).
pub const MAX_RELAY_STATE: usize = 1024;
/// The longest entity id a service provider may have (SAML Core 2.0, 8.3.6).
pub const MAX_ENTITY_ID: usize = 1024;

/// The path of instance `instance_id`'s metadata (also its identity provider's entity id).
pub fn metadata_path(instance_id: i64) -> String {
    format!("/saml/{instance_id}/metadata")
}

/// The path of instance `instance_id`'s single sign-on endpoint (HTTP-Redirect).
pub fn sso_path(instance_id: i64) -> String {
    format!("/saml/{instance_id}/sso")
}

/// The path of instance `instance_id`'s single logout endpoint (LogoutResponses arrive
/// here, HTTP-Redirect).
pub fn slo_path(instance_id: i64) -> String {
    format!("/saml/{instance_id}/slo")
}

/// A new `xs:ID`: `_` and 32 hex digits of randomness (an ID must not start with a digit).
pub(crate) fn new_id() -> String {
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("_{hex}")
}

/// The key that signs responses, with the certificate that is published.
pub struct IdpKey {
    signer: SigningKey<Sha256>,
    /// The certificate's DER in standard base64, as in the metadata and in every KeyInfo.
    pub certificate_b64: String,
}

impl std::fmt::Debug for IdpKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdpKey")
            .field("certificate_b64", &self.certificate_b64)
            .finish_non_exhaustive()
    }
}

fn key_error(what: &str, e: impl std::fmt::Display) -> IdentityError {
    IdentityError::Key(format!("SAML identity provider key: {what}: {e}"))
}

/// The base64 body of a PEM certificate.
fn pem_body(pem: &str) -> String {
    pem.lines()
        .filter(|line| !line.starts_with("-----"))
        .flat_map(|line| line.chars().filter(|c| !c.is_whitespace()))
        .collect()
}

fn to_pem(der: &[u8]) -> String {
    let b64 = STANDARD.encode(der);
    let mut pem = String::from("-----BEGIN CERTIFICATE-----\n");
    let mut rest = b64.as_str();
    while !rest.is_empty() {
        let (line, tail) = rest.split_at(rest.len().min(64));
        pem.push_str(line);
        pem.push('\n');
        rest = tail;
    }
    pem.push_str("-----END CERTIFICATE-----\n");
    pem
}

impl IdpKey {
    /// The key from its stored form; the certificate must certify this very key.
    pub fn from_record(record: &SamlIdpKeyRecord) -> Result<Self, IdentityError> {
        use rsa::pkcs8::DecodePrivateKey;
        use x509_cert::der::Decode;
        use x509_cert::spki::SubjectPublicKeyInfoOwned;
        let pem = record
            .private_pem
            .expose_str()
            .ok_or_else(|| key_error("stored key", "not PEM text"))?;
        let key = RsaPrivateKey::from_pkcs8_pem(pem).map_err(|e| key_error("stored key", e))?;
        let certificate_b64 = pem_body(&record.certificate_pem);
        let der = STANDARD
            .decode(&certificate_b64)
            .map_err(|e| key_error("stored certificate", e))?;
        let certificate = x509_cert::Certificate::from_der(&der)
            .map_err(|e| key_error("stored certificate", e))?;
        let public = SubjectPublicKeyInfoOwned::from_key(key.to_public_key())
            .map_err(|e| key_error("public key", e))?;
        if certificate.tbs_certificate.subject_public_key_info != public {
            return Err(key_error(
                "stored certificate",
                "it does not certify the stored key",
            ));
        }
        Ok(Self {
            signer: SigningKey::<Sha256>::new(key),
            certificate_b64,
        })
    }
}

/// A new key (PKCS#8 PEM) with its self-signed certificate (PEM): RSA 2048, SHA-256 with
/// RSA, a leaf certificate for digital signatures, valid [`CERTIFICATE_DAYS`]. Slow: run it
/// on a blocking thread.
pub fn generate_key(common_name: &str) -> Result<(SecretValue, String), IdentityError> {
    use rsa::pkcs8::{EncodePrivateKey, LineEnding};
    use std::str::FromStr;
    use x509_cert::builder::{Builder, CertificateBuilder, Profile};
    use x509_cert::der::Encode;
    use x509_cert::name::Name;
    use x509_cert::serial_number::SerialNumber;
    use x509_cert::spki::SubjectPublicKeyInfoOwned;
    use x509_cert::time::Validity;

    let key =
        RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).map_err(|e| key_error("new key", e))?;
    let pem = key
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|e| key_error("new key", e))?;
    let signer = SigningKey::<Sha256>::new(key.clone());
    let public = SubjectPublicKeyInfoOwned::from_key(key.to_public_key())
        .map_err(|e| key_error("public key", e))?;
    let mut serial = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut serial);
    serial[0] = (serial[0] & 0x7f) | 0x01; // positive and without a leading zero byte
    let serial = SerialNumber::new(&serial).map_err(|e| key_error("certificate", e))?;
    let validity = Validity::from_now(std::time::Duration::from_secs(CERTIFICATE_DAYS * 86_400))
        .map_err(|e| key_error("certificate", e))?;
    // Only letters, digits, spaces, dots and hyphens reach the RDN string.
    let cn: String = common_name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, ' ' | '.' | '-'))
        .take(64)
        .collect();
    let subject = Name::from_str(&format!("CN={}", cn.trim()))
        .map_err(|e| key_error("certificate name", e))?;
    let profile = Profile::Leaf {
        issuer: subject.clone(),
        enable_key_agreement: false,
        enable_key_encipherment: false,
    };
    let certificate = CertificateBuilder::new(profile, serial, validity, subject, public, &signer)
        .map_err(|e| key_error("certificate", e))?
        .build::<rsa::pkcs1v15::Signature>()
        .map_err(|e| key_error("certificate", e))?
        .to_der()
        .map_err(|e| key_error("certificate", e))?;
    Ok((SecretValue::new(pem.as_bytes()), to_pem(&certificate)))
}

/// The identity provider's key, loaded (or made) once per process.
#[derive(Debug, Default)]
pub struct KeyCache {
    key: tokio::sync::OnceCell<Arc<IdpKey>>,
}

impl KeyCache {
    /// The key: from the cache, else from the database, else a new one (stored first, so
    /// that every process of the installation signs with the same key).
    pub async fn get(
        &self,
        db: &Db,
        secret_key: &SecretKey,
        common_name: &str,
    ) -> Result<Arc<IdpKey>, IdentityError> {
        self.key
            .get_or_try_init(|| async {
                let record = match db.saml_idp_key(secret_key).await? {
                    Some(record) => record,
                    None => {
                        let cn = common_name.to_owned();
                        let (pem, certificate) =
                            tokio::task::spawn_blocking(move || generate_key(&cn))
                                .await
                                .map_err(|e| IdentityError::Task(e.to_string()))??;
                        let record = db
                            .keep_saml_idp_key(IDP_KEY_ID, &pem, &certificate, secret_key)
                            .await?;
                        tracing::info!("new SAML identity provider key and certificate");
                        record
                    }
                };
                IdpKey::from_record(&record).map(Arc::new)
            })
            .await
            .cloned()
    }
}

/// What the single sign-on endpoint answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SamlOutcome {
    /// Post `saml_response_b64` (and `relay_state`) to `acs_url` from the browser.
    PostForm {
        /// The registered assertion consumer service URL.
        acs_url: String,
        /// The signed Response, base64.
        saml_response_b64: String,
        /// The request's RelayState, returned unchanged.
        relay_state: Option<String>,
        /// The NameID the person now has there (to sign them out later).
        name_id: String,
    },
    /// Nobody is signed in: sign in first, then come back to the same request.
    Login,
    /// Signed in, but without access to the instance: say so on a page.
    NoAccess {
        /// The instance's name, to name what they may not enter.
        instance_name: String,
    },
    /// The request cannot be answered (malformed, unknown service provider, unregistered
    /// consumer URL): say so on a page, never post anything.
    Untrusted(String),
}

/// Checks a service provider's registration: an entity id of 1–1024 characters without
/// whitespace or control characters, and an ACS URL that is https (http only on loopback)
/// without fragment. Returns both trimmed.
pub fn check_service_provider(entity_id: &str, acs_url: &str) -> Result<(String, String), Invalid> {
    let entity_id = entity_id.trim();
    if entity_id.is_empty()
        || entity_id.chars().count() > MAX_ENTITY_ID
        || entity_id
            .chars()
            .any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(Invalid::new(
            "entity_id",
            "Enter the service provider's entity id: at most 1024 characters, without spaces.",
        ));
    }
    let acs_url = check_redirect_uri("acs_url", acs_url)?;
    Ok((entity_id.to_owned(), acs_url))
}

/// The service provider as a client of its instance: the access rules are the same.
fn as_client(sp: &SamlServiceProviderRecord, name: &str) -> ClientRecord {
    ClientRecord {
        client_id: sp.entity_id.clone(),
        name: name.to_owned(),
        instance_id: Some(sp.instance_id),
        confidential: false,
        redirect_uris: vec![sp.acs_url.clone()],
        post_logout_redirect_uris: Vec::new(),
    }
}

impl Provider {
    /// The identity provider's entity id for instance `instance_id` (its metadata URL).
    pub fn saml_entity_id(&self, instance_id: i64) -> String {
        format!("{}{}", self.issuer(), metadata_path(instance_id))
    }

    /// The single sign-on URL of instance `instance_id`.
    pub fn saml_sso_url(&self, instance_id: i64) -> String {
        format!("{}{}", self.issuer(), sso_path(instance_id))
    }

    async fn saml_key(&self) -> Result<Arc<IdpKey>, IdentityError> {
        let host = url::Url::parse(self.issuer())
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
            .unwrap_or_default();
        self.saml_keys()
            .get(self.db(), self.secret_key(), &format!("Plenum SAML {host}"))
            .await
    }

    /// The signing certificate (DER, standard base64), as the metadata publishes it.
    pub async fn saml_certificate(&self) -> Result<String, IdentityError> {
        Ok(self.saml_key().await?.certificate_b64.clone())
    }

    async fn service_provider(
        &self,
        instance_id: i64,
    ) -> Result<Option<SamlServiceProviderRecord>, IdentityError> {
        match self.db().saml_service_provider(instance_id).await {
            Ok(sp) => Ok(Some(sp)),
            Err(StoreError::NotFound) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// The metadata of instance `instance_id`'s identity provider; None when the instance
    /// has no service provider registered.
    pub async fn saml_metadata(&self, instance_id: i64) -> Result<Option<String>, IdentityError> {
        if self.service_provider(instance_id).await?.is_none() {
            return Ok(None);
        }
        let key = self.saml_key().await?;
        Ok(Some(metadata::idp_metadata(&metadata::IdpDescription {
            entity_id: &self.saml_entity_id(instance_id),
            sso_url: &self.saml_sso_url(instance_id),
            slo_url: &self.saml_slo_url(instance_id),
            certificate_b64: &key.certificate_b64,
        })))
    }

    /// The single logout URL of instance `instance_id`.
    pub fn saml_slo_url(&self, instance_id: i64) -> String {
        format!("{}{}", self.issuer(), slo_path(instance_id))
    }

    /// Where to post a signed LogoutRequest for `name_id` at instance `instance_id`'s
    /// service provider, and the request (base64): None when it has no single logout
    /// service (or no longer a registration).
    pub async fn saml_logout_request(
        &self,
        instance_id: i64,
        name_id: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<(String, String)>, IdentityError> {
        let Some(slo_url) = self
            .service_provider(instance_id)
            .await?
            .and_then(|sp| sp.slo_url)
        else {
            return Ok(None);
        };
        let key = self.saml_key().await?;
        let xml = logout::signed_logout_request(
            &logout::Logout {
                issuer: &self.saml_entity_id(instance_id),
                destination: &slo_url,
                name_id,
                now,
            },
            &key,
        )?;
        Ok(Some((slo_url, STANDARD.encode(xml.as_bytes()))))
    }

    /// Registers (or replaces) the service provider of instance `instance_id` after
    /// [`check_service_provider`] (its single logout URL, if any, checked like the ACS URL).
    /// The store refuses an unknown instance (NotFound) and an entity id another instance's
    /// service provider has (Rejected).
    pub async fn register_saml_sp(
        &self,
        instance_id: i64,
        entity_id: &str,
        acs_url: &str,
        slo_url: Option<&str>,
    ) -> Result<SamlServiceProviderRecord, RegisterError> {
        let (entity_id, acs_url) = check_service_provider(entity_id, acs_url)?;
        let slo_url = slo_url
            .map(|url| check_redirect_uri("slo_url", url))
            .transpose()?;
        Ok(self
            .db()
            .register_saml_service_provider(instance_id, &entity_id, &acs_url, slo_url.as_deref())
            .await?)
    }

    /// Removes the service provider of instance `instance_id` (NotFound when it has none).
    pub async fn remove_saml_sp(&self, instance_id: i64) -> Result<(), StoreError> {
        self.db().remove_saml_service_provider(instance_id).await
    }

    /// The single sign-on endpoint: checks the HTTP-Redirect `saml_request` against the
    /// instance's registered service provider, then answers for the person signed in.
    pub async fn saml_sso(
        &self,
        instance_id: i64,
        saml_request: &str,
        relay_state: Option<&str>,
        signed_in: Option<&SignedIn>,
        now: DateTime<Utc>,
    ) -> Result<SamlOutcome, IdentityError> {
        let Some(sp) = self.service_provider(instance_id).await? else {
            return Ok(SamlOutcome::Untrusted(
                "No SAML service provider is registered for this instance.".into(),
            ));
        };
        let request = match request::parse_redirect(saml_request) {
            Ok(request) => request,
            Err(e) => {
                return Ok(SamlOutcome::Untrusted(format!(
                    "The SAML request cannot be read: {e}."
                )));
            }
        };
        if request.issuer != sp.entity_id {
            return Ok(SamlOutcome::Untrusted(
                "The SAML request comes from a service provider that is not registered for \
                 this instance."
                    .into(),
            ));
        }
        if let Some(acs_url) = &request.acs_url
            && *acs_url != sp.acs_url
        {
            return Ok(SamlOutcome::Untrusted(
                "The SAML request asks for an assertion consumer service URL that is not \
                 registered for this instance."
                    .into(),
            ));
        }
        if relay_state.is_some_and(|r| r.len() > MAX_RELAY_STATE) {
            return Ok(SamlOutcome::Untrusted("The RelayState is too long.".into()));
        }
        let Some(signed_in) = signed_in else {
            return Ok(SamlOutcome::Login);
        };
        let db = self.db();
        let instance = match db.instance(instance_id).await {
            Ok(instance) => instance,
            Err(StoreError::NotFound) => {
                return Ok(SamlOutcome::Untrusted(
                    "This instance does not exist.".into(),
                ));
            }
            Err(e) => return Err(e.into()),
        };
        let client = as_client(&sp, &instance.name);
        let Admission::Admitted(role) =
            admission(db, &client, &signed_in.user, now.date_naive()).await?
        else {
            return Ok(SamlOutcome::NoAccess {
                instance_name: instance.name,
            });
        };
        let person = person(db, &client, &signed_in.user, role).await?;
        let attributes: Vec<(&str, String)> = [
            ("saml_id", person.email.clone()),
            ("email", person.email.clone()),
            ("first_name", person.given_name.clone()),
            ("last_name", person.family_name.clone()),
            (
                "role",
                person
                    .role
                    .map(|r| r.as_str().to_owned())
                    .unwrap_or_default(),
            ),
        ]
        .into_iter()
        .filter(|(_, value)| !value.is_empty())
        .collect();
        let key = self.saml_key().await?;
        let xml = response::signed_response(
            &response::Login {
                issuer: &self.saml_entity_id(instance_id),
                audience: &sp.entity_id,
                acs_url: &sp.acs_url,
                in_response_to: &request.id,
                name_id: &person.email,
                attributes: &attributes,
                authn_instant: signed_in.auth_time,
                now,
            },
            &key,
        )?;
        Ok(SamlOutcome::PostForm {
            acs_url: sp.acs_url,
            saml_response_b64: STANDARD.encode(xml.as_bytes()),
            relay_state: relay_state.map(str::to_owned),
            name_id: person.email,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
pub(crate) mod tests {
    use std::sync::OnceLock;

    use super::*;

    /// One key for all tests (RSA key generation takes a while).
    pub(crate) fn test_key() -> &'static IdpKey {
        static KEY: OnceLock<IdpKey> = OnceLock::new();
        KEY.get_or_init(|| {
            let (pem, certificate_pem) = generate_key("Plenum SAML test").unwrap();
            IdpKey::from_record(&SamlIdpKeyRecord {
                id: IDP_KEY_ID.into(),
                private_pem: pem,
                certificate_pem,
                created_at: Utc::now(),
            })
            .unwrap()
        })
    }

    #[test]
    fn ids_are_random_xml_ids() {
        let id = new_id();
        assert!(id.starts_with('_') && id.len() == 33);
        assert_ne!(id, new_id());
    }

    #[test]
    fn the_certificate_certifies_the_key_and_a_foreign_one_is_refused() {
        use x509_cert::der::Decode;
        let key = test_key();
        let der = STANDARD.decode(&key.certificate_b64).unwrap();
        let certificate = x509_cert::Certificate::from_der(&der).unwrap();
        let subject = certificate.tbs_certificate.subject.to_string();
        assert_eq!(subject, "CN=Plenum SAML test");
        assert_eq!(certificate.tbs_certificate.issuer.to_string(), subject);
        let years = (certificate
            .tbs_certificate
            .validity
            .not_after
            .to_unix_duration()
            - certificate
                .tbs_certificate
                .validity
                .not_before
                .to_unix_duration())
        .as_secs()
            / 86_400;
        assert_eq!(years, CERTIFICATE_DAYS);

        let (other_pem, _) = generate_key("other").unwrap();
        let mismatched = SamlIdpKeyRecord {
            id: IDP_KEY_ID.into(),
            private_pem: other_pem,
            certificate_pem: to_pem(&der),
            created_at: Utc::now(),
        };
        assert!(matches!(
            IdpKey::from_record(&mismatched),
            Err(IdentityError::Key(_))
        ));
        assert!(!format!("{key:?}").contains("PRIVATE"));
    }

    #[test]
    fn pem_round_trips() {
        let der = (0u8..=200).collect::<Vec<_>>();
        let pem = to_pem(&der);
        assert!(pem.lines().all(|l| l.len() <= 64));
        assert_eq!(STANDARD.decode(pem_body(&pem)).unwrap(), der);
    }

    #[test]
    fn registrations_are_checked_by_field() {
        assert_eq!(
            check_service_provider(
                " https://os.example/system/saml/metadata ",
                "https://os.example/system/saml/acs"
            )
            .unwrap(),
            (
                "https://os.example/system/saml/metadata".to_owned(),
                "https://os.example/system/saml/acs".to_owned()
            )
        );
        assert!(check_service_provider("urn:x", "http://127.0.0.1:9101/system/saml/acs").is_ok());
        for (entity_id, acs_url, field) in [
            ("", "https://os.example/acs", "entity_id"),
            ("a b", "https://os.example/acs", "entity_id"),
            (&"x".repeat(1025), "https://os.example/acs", "entity_id"),
            ("urn:x", "http://os.example/acs", "acs_url"),
            ("urn:x", "https://os.example/acs#f", "acs_url"),
            ("urn:x", "/acs", "acs_url"),
        ] {
            assert_eq!(
                check_service_provider(entity_id, acs_url)
                    .unwrap_err()
                    .field,
                field,
                "{entity_id} {acs_url}"
            );
        }
    }
}
