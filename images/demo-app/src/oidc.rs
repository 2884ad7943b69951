//! The OpenID Connect relying party's protocol rules, without any I/O: the
//! authorization and logout URLs, PKCE, the client's Basic credentials, the
//! checks of the authorization response, the discovery document, the token
//! answer and the verification of ID tokens (RS256 with the provider's keys).
//!
//! The flow that uses them (random values, HTTP calls, sessions) is in
//! [`crate::rp`].

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use rsa::{BigUint, Pkcs1v15Sign, RsaPublicKey};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The scopes the app asks for.
pub const SCOPE: &str = "openid email profile";

/// How far `exp` may lie in the past (clock skew between app and provider).
pub const EXPIRY_LEEWAY_SECONDS: u64 = 60;

/// Encodes `text` as `application/x-www-form-urlencoded` (space as `+`,
/// everything but `*-._` and ASCII letters and digits percent-encoded).
pub fn form_encode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// `base` with `pairs` appended to its query (after `?`, or `&` when `base`
/// already has a query).
pub fn with_query(base: &str, pairs: &[(&str, &str)]) -> String {
    let mut url = base.to_owned();
    let mut separator = if base.contains('?') { '&' } else { '?' };
    for (name, value) in pairs {
        url.push(separator);
        url.push_str(&form_encode(name));
        url.push('=');
        url.push_str(&form_encode(value));
        separator = '&';
    }
    url
}

/// The decoded query parameters of a request target (`/path?query#fragment`).
pub fn query_params(target: &str) -> Vec<(String, String)> {
    let without_fragment = target.split('#').next().unwrap_or_default();
    match without_fragment.split_once('?') {
        Some((_, query)) => form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect(),
        None => Vec::new(),
    }
}

/// Base64url without padding, as JWTs and PKCE use it.
pub fn base64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The PKCE `code_challenge` of `verifier` for the method `S256` (RFC 7636 4.2).
pub fn pkce_challenge(verifier: &str) -> String {
    base64url(&Sha256::digest(verifier.as_bytes()))
}

/// What an authorization request carries (besides the fixed `response_type`,
/// `scope` and `code_challenge_method`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationRequest<'a> {
    /// The provider's authorization endpoint.
    pub endpoint: &'a str,
    /// The app's client id.
    pub client_id: &'a str,
    /// The app's callback URL.
    pub redirect_uri: &'a str,
    /// Binds the answer to the browser that asked (checked at the callback).
    pub state: &'a str,
    /// Binds the ID token to this sign-in (checked in the ID token).
    pub nonce: &'a str,
    /// The PKCE challenge of the verifier sent with the token request.
    pub code_challenge: &'a str,
}

/// The URL that starts a sign-in (authorization code flow with PKCE S256).
pub fn authorization_url(request: &AuthorizationRequest<'_>) -> String {
    with_query(
        request.endpoint,
        &[
            ("response_type", "code"),
            ("client_id", request.client_id),
            ("redirect_uri", request.redirect_uri),
            ("scope", SCOPE),
            ("state", request.state),
            ("nonce", request.nonce),
            ("code_challenge", request.code_challenge),
            ("code_challenge_method", "S256"),
        ],
    )
}

/// The URL that ends the session at the provider (RP-Initiated Logout 1.0).
pub fn logout_url(
    end_session_endpoint: &str,
    id_token_hint: &str,
    client_id: &str,
    post_logout_redirect_uri: &str,
    state: &str,
) -> String {
    with_query(
        end_session_endpoint,
        &[
            ("id_token_hint", id_token_hint),
            ("client_id", client_id),
            ("post_logout_redirect_uri", post_logout_redirect_uri),
            ("state", state),
        ],
    )
}

/// The `Authorization` header value of `client_secret_basic`: id and secret
/// form-urlencoded first, then joined by `:` and base64-encoded (RFC 6749 2.3.1).
pub fn basic_authorization(client_id: &str, client_secret: &str) -> String {
    let credentials = format!("{}:{}", form_encode(client_id), form_encode(client_secret));
    format!("Basic {}", STANDARD.encode(credentials))
}

/// The form body of the token request for an authorization code.
pub fn token_request_body(code: &str, redirect_uri: &str, code_verifier: &str) -> String {
    form_urlencoded::Serializer::new(String::new())
        .append_pair("grant_type", "authorization_code")
        .append_pair("code", code)
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("code_verifier", code_verifier)
        .finish()
}

/// The provider's endpoints, from its discovery document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    /// Where the browser signs in (used through the issuer URL).
    pub authorization: String,
    /// Where codes are exchanged (server to server).
    pub token: String,
    /// The provider's public keys (server to server).
    pub jwks: String,
    /// Where the browser signs out (RP-initiated logout), if the provider has it.
    pub end_session: Option<String>,
}

/// Reads the discovery document: its `issuer` must be `issuer` exactly
/// (OpenID Connect Discovery 1.0, 4.3), and it must name the authorization,
/// token and key set endpoints. The token and key set endpoints are rewritten
/// for `internal_url` (see [`internal_endpoint`]).
pub fn parse_discovery(body: &str, issuer: &str, internal_url: &str) -> Result<Endpoints, String> {
    let doc: Value = serde_json::from_str(body)
        .map_err(|e| format!("the discovery document is not JSON: {e}"))?;
    let field = |name: &str| -> Result<Option<String>, String> {
        match doc.get(name).and_then(Value::as_str) {
            None => Ok(None),
            // The browser is sent to some of them: no header injection, ASCII only.
            Some(url)
                if (url.starts_with("https://") || url.starts_with("http://"))
                    && url.bytes().all(|b| b.is_ascii_graphic()) =>
            {
                Ok(Some(url.to_owned()))
            }
            Some(url) => Err(format!(
                "the discovery document's {name} {url:?} is not an http(s) URL"
            )),
        }
    };
    let required =
        |name: &str| field(name)?.ok_or_else(|| format!("the discovery document has no {name}"));
    let announced = required("issuer")?;
    if announced != issuer {
        return Err(format!(
            "the discovery document names the issuer {announced:?}, but OIDC_ISSUER is {issuer:?}"
        ));
    }
    Ok(Endpoints {
        authorization: required("authorization_endpoint")?,
        token: internal_endpoint(&required("token_endpoint")?, issuer, internal_url),
        jwks: internal_endpoint(&required("jwks_uri")?, issuer, internal_url),
        end_session: field("end_session_endpoint")?,
    })
}

/// The URL of a server-to-server endpoint: the issuer prefix of `endpoint`
/// replaced by `internal_url`; endpoints elsewhere are used as they are.
pub fn internal_endpoint(endpoint: &str, issuer: &str, internal_url: &str) -> String {
    let issuer = issuer.trim_end_matches('/');
    match endpoint.strip_prefix(issuer) {
        Some(rest) if rest.is_empty() || rest.starts_with(['/', '?']) => {
            format!("{}{rest}", internal_url.trim_end_matches('/'))
        }
        _ => endpoint.to_owned(),
    }
}

/// Why an authorization response (the callback's query) is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallbackError {
    /// The provider answered with an error (e.g. `access_denied`).
    Provider {
        /// The error code.
        error: String,
        /// The provider's explanation, if any.
        description: Option<String>,
    },
    /// No sign-in was started in this browser, or it expired or was used.
    NoPendingLogin,
    /// A parameter appears more than once.
    Repeated(String),
    /// `state` is missing or is not the one of the pending sign-in.
    StateMismatch,
    /// `iss` names another issuer (RFC 9207).
    IssuerMismatch(String),
    /// There is no `code`.
    MissingCode,
}

impl CallbackError {
    /// The HTTP status of the answer: 403 when the person was denied, else 400.
    pub fn status(&self) -> u16 {
        match self {
            CallbackError::Provider { error, .. } if error == "access_denied" => 403,
            _ => 400,
        }
    }

    /// An explanation for the person (no secrets).
    pub fn message(&self) -> String {
        match self {
            CallbackError::Provider { error, description } => match description {
                Some(description) => format!("The provider answered {error}: {description}"),
                None => format!("The provider answered {error}."),
            },
            CallbackError::NoPendingLogin => "No sign-in was started in this browser, or it \
                 expired or was already completed. Please sign in again."
                .to_owned(),
            CallbackError::Repeated(name) => {
                format!("The parameter {name} appears more than once.")
            }
            CallbackError::StateMismatch => "The state does not match the sign-in started in \
                 this browser. Please sign in again."
                .to_owned(),
            CallbackError::IssuerMismatch(iss) => {
                format!("The answer comes from another issuer ({iss}); it was refused.")
            }
            CallbackError::MissingCode => "The answer carries no authorization code.".to_owned(),
        }
    }
}

/// Checks an authorization response and returns its code. `expected_state` is
/// the state of the browser's pending sign-in (`None`: there is none).
///
/// An `error` is reported first (with its description). Otherwise `state`
/// must equal the pending one, and `iss`, when present, must equal `issuer`
/// exactly (RFC 9207).
pub fn check_callback(
    params: &[(String, String)],
    expected_state: Option<&str>,
    issuer: &str,
) -> Result<String, CallbackError> {
    let mut seen: Vec<&str> = Vec::new();
    for (name, _) in params {
        if seen.contains(&name.as_str()) {
            return Err(CallbackError::Repeated(name.clone()));
        }
        seen.push(name);
    }
    let get = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    if let Some(error) = get("error") {
        return Err(CallbackError::Provider {
            error: error.to_owned(),
            description: get("error_description")
                .filter(|d| !d.is_empty())
                .map(str::to_owned),
        });
    }
    let expected_state = expected_state.ok_or(CallbackError::NoPendingLogin)?;
    if get("state") != Some(expected_state) {
        return Err(CallbackError::StateMismatch);
    }
    if let Some(iss) = get("iss")
        && iss != issuer
    {
        return Err(CallbackError::IssuerMismatch(iss.to_owned()));
    }
    match get("code") {
        Some(code) if !code.is_empty() => Ok(code.to_owned()),
        _ => Err(CallbackError::MissingCode),
    }
}

/// The useful part of a successful token answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tokens {
    /// The ID token (a signed JWT).
    pub id_token: String,
    /// The access token, if any (checked against the ID token's `at_hash`).
    pub access_token: Option<String>,
}

/// Reads the token endpoint's answer (`status`, `body`).
pub fn parse_token_response(status: u16, body: &str) -> Result<Tokens, String> {
    let json: Option<Value> = serde_json::from_str(body).ok();
    let field = |name: &str| {
        json.as_ref()
            .and_then(|j| j.get(name))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    if !(200..300).contains(&status) {
        return Err(match (field("error"), field("error_description")) {
            (Some(error), Some(description)) => format!(
                "the token endpoint refused the code with status {status}: {error}: {description}"
            ),
            (Some(error), None) => {
                format!("the token endpoint refused the code with status {status}: {error}")
            }
            _ => format!("the token endpoint answered status {status}"),
        });
    }
    if json.is_none() {
        return Err("the token endpoint's answer is not JSON".to_owned());
    }
    let id_token = field("id_token")
        .filter(|t| !t.is_empty())
        .ok_or("the token endpoint's answer has no id_token")?;
    Ok(Tokens {
        id_token,
        access_token: field("access_token"),
    })
}

/// The provider's RSA signature keys (a JWK set, RFC 7517).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KeySet {
    /// The usable keys with their key ids.
    keys: Vec<(Option<String>, RsaPublicKey)>,
}

impl KeySet {
    /// Reads a JWK set; keys that are not RSA signature keys (or are for
    /// another algorithm than RS256) are skipped.
    pub fn parse(body: &str) -> Result<KeySet, String> {
        let doc: Value =
            serde_json::from_str(body).map_err(|e| format!("the key set is not JSON: {e}"))?;
        let keys = doc
            .get("keys")
            .and_then(Value::as_array)
            .ok_or("the key set has no keys array")?;
        let keys = keys
            .iter()
            .filter_map(|key| {
                let text = |name: &str| key.get(name).and_then(Value::as_str);
                let usable = text("kty") == Some("RSA")
                    && text("use").is_none_or(|u| u == "sig")
                    && text("alg").is_none_or(|a| a == "RS256");
                if !usable {
                    return None;
                }
                let n = decode_base64url(text("n")?).ok()?;
                let e = decode_base64url(text("e")?).ok()?;
                let public =
                    RsaPublicKey::new(BigUint::from_bytes_be(&n), BigUint::from_bytes_be(&e))
                        .ok()?;
                Some((text("kid").map(str::to_owned), public))
            })
            .collect();
        Ok(KeySet { keys })
    }

    /// The key for a token's `kid`; a token without `kid` is only accepted
    /// when the set holds exactly one key.
    fn find(&self, kid: Option<&str>) -> Option<&RsaPublicKey> {
        match kid {
            Some(kid) => self
                .keys
                .iter()
                .find(|(k, _)| k.as_deref() == Some(kid))
                .map(|(_, key)| key),
            None => match self.keys.as_slice() {
                [(_, key)] => Some(key),
                _ => None,
            },
        }
    }
}

/// Decodes base64url, with or without padding.
fn decode_base64url(text: &str) -> Result<Vec<u8>, base64::DecodeError> {
    URL_SAFE_NO_PAD.decode(text.trim_end_matches('='))
}

/// What the ID token must say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expected<'a> {
    /// `iss`, compared exactly.
    pub issuer: &'a str,
    /// Must be in `aud` (and be `azp` when that is present).
    pub client_id: &'a str,
    /// `nonce`, compared exactly.
    pub nonce: &'a str,
    /// Now, in seconds since the Unix epoch (`exp` must be later, give or take
    /// [`EXPIRY_LEEWAY_SECONDS`]).
    pub now: u64,
    /// The access token issued with it: checked against `at_hash` when both
    /// are present.
    pub access_token: Option<&'a str>,
}

/// The signed-in person, from a verified ID token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// The provider's subject identifier.
    pub sub: String,
    /// Full name (`name`), if given.
    pub name: Option<String>,
    /// E-mail address (`email`), if given.
    pub email: Option<String>,
    /// The instance role (`role`: `admin` or `participant`), if given.
    pub role: Option<String>,
}

impl User {
    /// The name to greet the person with: the name, else the e-mail address,
    /// else the subject.
    pub fn display_name(&self) -> &str {
        self.name
            .as_deref()
            .or(self.email.as_deref())
            .unwrap_or(&self.sub)
    }
}

/// Why an ID token is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdTokenError {
    /// Not a JWS compact serialisation with JSON header and claims.
    Malformed(String),
    /// Signed with another algorithm than RS256.
    Algorithm(String),
    /// No key of the key set has the token's `kid` (fetch the keys again: the
    /// provider may have rotated them).
    UnknownKey(Option<String>),
    /// The signature does not verify.
    Signature,
    /// A claim is missing or wrong.
    Claim(String),
}

impl std::fmt::Display for IdTokenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            IdTokenError::Malformed(why) => write!(f, "the ID token is malformed: {why}"),
            IdTokenError::Algorithm(alg) => {
                write!(f, "the ID token is signed with {alg:?}, not RS256")
            }
            IdTokenError::UnknownKey(Some(kid)) => {
                write!(f, "the provider publishes no key {kid:?} for the ID token")
            }
            IdTokenError::UnknownKey(None) => {
                write!(f, "the ID token names no key and the provider has several")
            }
            IdTokenError::Signature => write!(f, "the ID token's signature does not verify"),
            IdTokenError::Claim(why) => write!(f, "the ID token is not valid: {why}"),
        }
    }
}

/// Verifies an ID token (OpenID Connect Core 3.1.3.7): an RS256 signature by
/// the key of its `kid`, `iss` equal to the issuer, the client in `aud` (and
/// `azp`, if present, equal to it; required with several audiences), `exp` in
/// the future, `nonce` equal, `at_hash` matching the access token, and a `sub`.
pub fn verify_id_token(
    token: &str,
    keys: &KeySet,
    expected: &Expected<'_>,
) -> Result<User, IdTokenError> {
    let malformed = |why: &str| IdTokenError::Malformed(why.to_owned());
    let mut parts = token.split('.');
    let (Some(header_b64), Some(claims_b64), Some(signature_b64), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(malformed("expected three dot-separated parts"));
    };
    let json = |part: &str, what: &str| -> Result<Value, IdTokenError> {
        let bytes = decode_base64url(part)
            .map_err(|_| IdTokenError::Malformed(format!("the {what} is not base64url")))?;
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(value @ Value::Object(_)) => Ok(value),
            _ => Err(IdTokenError::Malformed(format!(
                "the {what} is not a JSON object"
            ))),
        }
    };
    let header = json(header_b64, "header")?;
    let alg = header.get("alg").and_then(Value::as_str).unwrap_or("");
    if alg != "RS256" {
        return Err(IdTokenError::Algorithm(alg.to_owned()));
    }
    if header.get("crit").is_some() {
        return Err(malformed("it has critical header parameters"));
    }
    let kid = header.get("kid").and_then(Value::as_str);
    let key = keys
        .find(kid)
        .ok_or_else(|| IdTokenError::UnknownKey(kid.map(str::to_owned)))?;
    let signature = decode_base64url(signature_b64).map_err(|_| malformed("bad signature"))?;
    let signed = &token[..header_b64.len() + 1 + claims_b64.len()];
    key.verify(
        Pkcs1v15Sign::new::<Sha256>(),
        &Sha256::digest(signed.as_bytes()),
        &signature,
    )
    .map_err(|_| IdTokenError::Signature)?;

    let claims = json(claims_b64, "claim set")?;
    let text = |name: &str| claims.get(name).and_then(Value::as_str);
    let claim = |why: String| IdTokenError::Claim(why);
    match text("iss") {
        Some(iss) if iss == expected.issuer => {}
        other => {
            return Err(claim(format!(
                "iss is {other:?}, expected {:?}",
                expected.issuer
            )));
        }
    }
    let audiences: Vec<&str> = match claims.get("aud") {
        Some(Value::String(aud)) => vec![aud.as_str()],
        Some(Value::Array(auds)) => auds.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if !audiences.contains(&expected.client_id) {
        return Err(claim(format!(
            "aud {audiences:?} does not include the client {:?}",
            expected.client_id
        )));
    }
    match text("azp") {
        Some(azp) if azp != expected.client_id => {
            return Err(claim(format!("azp is {azp:?}, not this client")));
        }
        None if audiences.len() > 1 => {
            return Err(claim("several audiences but no azp".to_owned()));
        }
        _ => {}
    }
    let exp = claims
        .get("exp")
        .and_then(Value::as_u64)
        .ok_or_else(|| claim("exp is missing".to_owned()))?;
    if exp.saturating_add(EXPIRY_LEEWAY_SECONDS) <= expected.now {
        return Err(claim(format!("it expired at {exp} (now {})", expected.now)));
    }
    if text("nonce") != Some(expected.nonce) {
        return Err(claim("the nonce is not the one of this sign-in".to_owned()));
    }
    if let (Some(at_hash), Some(access_token)) = (text("at_hash"), expected.access_token) {
        // OpenID Connect Core 3.1.3.6: the left half of the SHA-256 hash.
        let digest = Sha256::digest(access_token.as_bytes());
        if at_hash != base64url(&digest[..digest.len() / 2]) {
            return Err(claim("at_hash does not match the access token".to_owned()));
        }
    }
    let sub = text("sub")
        .filter(|s| !s.is_empty())
        .ok_or_else(|| claim("sub is missing".to_owned()))?;
    let optional = |name: &str| text(name).filter(|v| !v.is_empty()).map(str::to_owned);
    Ok(User {
        sub: sub.to_owned(),
        name: optional("name"),
        email: optional("email"),
        role: optional("role"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_keys::{TestKey, signed_token};
    use serde_json::json;

    const ISSUER: &str = "https://plenum.example.org";

    #[test]
    fn form_encoding_follows_the_urlencoded_serializer() {
        assert_eq!(
            form_encode("a b+c&d=e/f:g~h"),
            "a+b%2Bc%26d%3De%2Ff%3Ag%7Eh"
        );
        assert_eq!(form_encode("Ab9*-._"), "Ab9*-._");
        assert_eq!(form_encode("ä"), "%C3%A4");
    }

    #[test]
    fn queries_are_appended_and_parsed() {
        assert_eq!(
            with_query("https://p/x", &[("a", "1 2"), ("b", "&")]),
            "https://p/x?a=1+2&b=%26"
        );
        assert_eq!(
            with_query("https://p/x?y=1", &[("a", "b")]),
            "https://p/x?y=1&a=b"
        );
        assert_eq!(
            query_params("/oidc/callback?code=a%2Bb+c&state=s#frag"),
            vec![
                ("code".to_owned(), "a+b c".to_owned()),
                ("state".to_owned(), "s".to_owned())
            ]
        );
        assert!(query_params("/oidc/callback").is_empty());
    }

    #[test]
    fn pkce_s256_matches_rfc_7636_appendix_b() {
        assert_eq!(
            pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn authorization_url_carries_every_parameter() {
        let url = authorization_url(&AuthorizationRequest {
            endpoint: "https://plenum.example.org/oidc/authorize",
            client_id: "demo a",
            redirect_uri: "https://a.example.org/oidc/callback",
            state: "st",
            nonce: "no",
            code_challenge: "ch",
        });
        assert_eq!(
            url,
            "https://plenum.example.org/oidc/authorize?response_type=code&client_id=demo+a\
             &redirect_uri=https%3A%2F%2Fa.example.org%2Foidc%2Fcallback\
             &scope=openid+email+profile&state=st&nonce=no&code_challenge=ch\
             &code_challenge_method=S256"
        );
    }

    #[test]
    fn logout_url_carries_hint_redirect_and_state() {
        assert_eq!(
            logout_url(
                "https://plenum.example.org/oidc/logout",
                "h.i.nt",
                "demo",
                "https://a.example.org/",
                "s"
            ),
            "https://plenum.example.org/oidc/logout?id_token_hint=h.i.nt&client_id=demo\
             &post_logout_redirect_uri=https%3A%2F%2Fa.example.org%2F&state=s"
        );
    }

    #[test]
    fn basic_credentials_are_form_encoded_before_base64() {
        // "my app:s3cr+t:x" would be ambiguous; RFC 6749 2.3.1 encodes first.
        let header = basic_authorization("my app", "s3cr+t:x");
        let encoded = header.strip_prefix("Basic ").expect("Basic scheme");
        let decoded = STANDARD.decode(encoded).expect("base64");
        assert_eq!(decoded, b"my+app:s3cr%2Bt%3Ax");
        assert_eq!(
            basic_authorization("demo", "secret"),
            format!("Basic {}", STANDARD.encode("demo:secret"))
        );
    }

    #[test]
    fn token_request_body_is_a_form() {
        assert_eq!(
            token_request_body("c+d", "https://a/oidc/callback", "v"),
            "grant_type=authorization_code&code=c%2Bd\
             &redirect_uri=https%3A%2F%2Fa%2Foidc%2Fcallback&code_verifier=v"
        );
    }

    fn discovery(issuer: &str) -> String {
        json!({
            "issuer": issuer,
            "authorization_endpoint": format!("{issuer}/oidc/authorize"),
            "token_endpoint": format!("{issuer}/oidc/token"),
            "jwks_uri": format!("{issuer}/oidc/jwks"),
            "end_session_endpoint": format!("{issuer}/oidc/logout"),
        })
        .to_string()
    }

    #[test]
    fn discovery_maps_server_to_server_endpoints_to_the_internal_url() {
        let endpoints = parse_discovery(&discovery(ISSUER), ISSUER, "http://plenum_server:3000")
            .expect("valid discovery");
        assert_eq!(
            endpoints,
            Endpoints {
                authorization: "https://plenum.example.org/oidc/authorize".to_owned(),
                token: "http://plenum_server:3000/oidc/token".to_owned(),
                jwks: "http://plenum_server:3000/oidc/jwks".to_owned(),
                end_session: Some("https://plenum.example.org/oidc/logout".to_owned()),
            }
        );
    }

    #[test]
    fn discovery_of_another_issuer_is_refused() {
        let err = parse_discovery(&discovery("https://evil.example"), ISSUER, ISSUER)
            .expect_err("other issuer");
        assert!(err.contains("OIDC_ISSUER"), "{err}");
        let err = parse_discovery(&discovery(&format!("{ISSUER}/")), ISSUER, ISSUER)
            .expect_err("trailing slash differs");
        assert!(err.contains("issuer"), "{err}");
        assert!(parse_discovery("<html>", ISSUER, ISSUER).is_err());
        let mut injected: Value = serde_json::from_str(&discovery(ISSUER)).expect("json");
        injected["authorization_endpoint"] = json!("https://p/x\r\nSet-Cookie: a=b");
        let err = parse_discovery(&injected.to_string(), ISSUER, ISSUER).expect_err("CR LF");
        assert!(err.contains("authorization_endpoint"), "{err}");
        assert!(
            parse_discovery(
                r#"{"issuer": "https://plenum.example.org"}"#,
                ISSUER,
                ISSUER
            )
            .is_err()
        );
    }

    #[test]
    fn internal_endpoints_replace_only_the_issuer_prefix() {
        let internal = "http://plenum_server:3000/";
        assert_eq!(
            internal_endpoint("https://p.example/oidc/jwks", "https://p.example", internal),
            "http://plenum_server:3000/oidc/jwks"
        );
        assert_eq!(
            internal_endpoint(
                "https://p.example/base/token",
                "https://p.example/base",
                internal
            ),
            "http://plenum_server:3000/token"
        );
        // Another host, or a host that merely starts like the issuer's, stays.
        assert_eq!(
            internal_endpoint(
                "https://p.example.evil/token",
                "https://p.example",
                internal
            ),
            "https://p.example.evil/token"
        );
        assert_eq!(
            internal_endpoint("https://keys.example/jwks", "https://p.example", internal),
            "https://keys.example/jwks"
        );
    }

    fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn callback_with_matching_state_and_issuer_yields_the_code() {
        let ok = params(&[("code", "c"), ("state", "s"), ("iss", ISSUER)]);
        assert_eq!(check_callback(&ok, Some("s"), ISSUER), Ok("c".to_owned()));
        // iss is optional (providers without RFC 9207).
        let no_iss = params(&[("code", "c"), ("state", "s")]);
        assert_eq!(
            check_callback(&no_iss, Some("s"), ISSUER),
            Ok("c".to_owned())
        );
    }

    #[test]
    fn callback_state_and_issuer_are_checked() {
        let answer = params(&[("code", "c"), ("state", "s"), ("iss", ISSUER)]);
        assert_eq!(
            check_callback(&answer, Some("other"), ISSUER),
            Err(CallbackError::StateMismatch)
        );
        assert_eq!(
            check_callback(&answer, None, ISSUER),
            Err(CallbackError::NoPendingLogin)
        );
        let no_state = params(&[("code", "c")]);
        assert_eq!(
            check_callback(&no_state, Some("s"), ISSUER),
            Err(CallbackError::StateMismatch)
        );
        let mix_up = params(&[
            ("code", "c"),
            ("state", "s"),
            ("iss", "https://evil.example"),
        ]);
        let err = check_callback(&mix_up, Some("s"), ISSUER).expect_err("mix-up");
        assert_eq!(
            err,
            CallbackError::IssuerMismatch("https://evil.example".to_owned())
        );
        assert_eq!(err.status(), 400);
        let trailing = params(&[
            ("code", "c"),
            ("state", "s"),
            ("iss", "https://plenum.example.org/"),
        ]);
        assert!(check_callback(&trailing, Some("s"), ISSUER).is_err());
        let no_code = params(&[("state", "s")]);
        assert_eq!(
            check_callback(&no_code, Some("s"), ISSUER),
            Err(CallbackError::MissingCode)
        );
        let twice = params(&[("code", "c"), ("state", "x"), ("state", "s")]);
        assert_eq!(
            check_callback(&twice, Some("s"), ISSUER),
            Err(CallbackError::Repeated("state".to_owned()))
        );
    }

    #[test]
    fn provider_errors_come_first_with_their_status() {
        let denied = params(&[
            ("error", "access_denied"),
            ("error_description", "no access to <this> app"),
            ("state", "s"),
        ]);
        let err = check_callback(&denied, None, ISSUER).expect_err("denied");
        assert_eq!(err.status(), 403);
        assert_eq!(
            err.message(),
            "The provider answered access_denied: no access to <this> app"
        );
        let invalid = params(&[("error", "invalid_request")]);
        let err = check_callback(&invalid, Some("s"), ISSUER).expect_err("error");
        assert_eq!(err.status(), 400);
        assert_eq!(err.message(), "The provider answered invalid_request.");
    }

    #[test]
    fn token_answers_are_read() {
        let tokens = parse_token_response(
            200,
            r#"{"id_token":"a.b.c","access_token":"at","token_type":"Bearer"}"#,
        )
        .expect("tokens");
        assert_eq!(
            tokens,
            Tokens {
                id_token: "a.b.c".to_owned(),
                access_token: Some("at".to_owned())
            }
        );
        let err = parse_token_response(
            400,
            r#"{"error":"invalid_grant","error_description":"the code was used"}"#,
        )
        .expect_err("refused");
        assert!(err.contains("invalid_grant: the code was used"), "{err}");
        assert!(
            parse_token_response(502, "<html>")
                .expect_err("html")
                .contains("502")
        );
        assert!(parse_token_response(200, r#"{"access_token":"at"}"#).is_err());
        assert!(parse_token_response(200, "nope").is_err());
    }

    const NOW: u64 = 1_800_000_000;

    fn claims() -> Value {
        json!({
            "iss": ISSUER,
            "sub": "42",
            "aud": ["demo"],
            "azp": "demo",
            "exp": NOW + 300,
            "iat": NOW,
            "nonce": "n-1",
            "email": "ann@example.org",
            "name": "Ann <Admin>",
            "role": "admin",
            "at_hash": at_hash("at-1"),
        })
    }

    fn at_hash(access_token: &str) -> String {
        let digest = Sha256::digest(access_token.as_bytes());
        base64url(&digest[..16])
    }

    fn expected() -> Expected<'static> {
        Expected {
            issuer: ISSUER,
            client_id: "demo",
            nonce: "n-1",
            now: NOW,
            access_token: Some("at-1"),
        }
    }

    fn verify_with(key: &TestKey, token: &str) -> Result<User, IdTokenError> {
        let keys = KeySet::parse(&key.jwks()).expect("key set");
        verify_id_token(token, &keys, &expected())
    }

    #[test]
    fn a_valid_id_token_yields_the_user() {
        let key = TestKey::first();
        let user = verify_with(key, &key.sign(&claims())).expect("valid");
        assert_eq!(
            user,
            User {
                sub: "42".to_owned(),
                name: Some("Ann <Admin>".to_owned()),
                email: Some("ann@example.org".to_owned()),
                role: Some("admin".to_owned()),
            }
        );
        assert_eq!(user.display_name(), "Ann <Admin>");
        // A single audience as a string, no azp, no at_hash.
        let mut plain = claims();
        plain["aud"] = json!("demo");
        if let Some(map) = plain.as_object_mut() {
            map.remove("azp");
            map.remove("at_hash");
        }
        assert!(verify_with(key, &key.sign(&plain)).is_ok());
    }

    #[test]
    fn wrong_claims_are_refused() {
        let key = TestKey::first();
        let cases: Vec<(&str, Value)> = vec![
            ("iss", json!("https://evil.example")),
            ("iss", json!("https://plenum.example.org/")),
            ("aud", json!(["other"])),
            ("aud", json!("other")),
            ("azp", json!("other")),
            ("exp", json!(NOW - EXPIRY_LEEWAY_SECONDS)),
            ("exp", json!("soon")),
            ("nonce", json!("n-2")),
            ("at_hash", json!(at_hash("at-2"))),
            ("sub", json!("")),
        ];
        for (name, value) in cases {
            let mut bad = claims();
            bad[name] = value.clone();
            let err = verify_with(key, &key.sign(&bad)).expect_err(name);
            assert!(
                matches!(err, IdTokenError::Claim(_)),
                "{name}={value}: {err}"
            );
        }
        let mut several = claims();
        several["aud"] = json!(["demo", "other"]);
        if let Some(map) = several.as_object_mut() {
            map.remove("azp");
        }
        assert!(verify_with(key, &key.sign(&several)).is_err());
        let mut no_nonce = claims();
        if let Some(map) = no_nonce.as_object_mut() {
            map.remove("nonce");
        }
        assert!(verify_with(key, &key.sign(&no_nonce)).is_err());
        // Just inside the leeway still passes.
        let mut late = claims();
        late["exp"] = json!(NOW - EXPIRY_LEEWAY_SECONDS + 1);
        assert!(verify_with(key, &key.sign(&late)).is_ok());
    }

    #[test]
    fn signatures_and_keys_are_checked() {
        let (first, second) = (TestKey::first(), TestKey::second());
        // Signed by a key the set does not hold (its kid is unknown).
        assert_eq!(
            verify_with(first, &second.sign(&claims())),
            Err(IdTokenError::UnknownKey(Some(second.kid.clone())))
        );
        // Signed by another key under the expected kid.
        let forged = signed_token(
            &second.private,
            &json!({"alg": "RS256", "kid": first.kid}),
            &claims(),
        );
        assert_eq!(verify_with(first, &forged), Err(IdTokenError::Signature));
        // Claims changed after signing.
        let token = first.sign(&claims());
        let parts: Vec<&str> = token.split('.').collect();
        let mut changed = claims();
        changed["role"] = json!("admin-of-everything");
        let tampered = format!(
            "{}.{}.{}",
            parts[0],
            base64url(changed.to_string().as_bytes()),
            parts[2]
        );
        assert_eq!(verify_with(first, &tampered), Err(IdTokenError::Signature));
        // Other algorithms, including none, are refused.
        let none = format!(
            "{}.{}.",
            base64url(br#"{"alg":"none"}"#),
            base64url(claims().to_string().as_bytes())
        );
        assert_eq!(
            verify_with(first, &none),
            Err(IdTokenError::Algorithm("none".to_owned()))
        );
        let hs256 = signed_token(
            &first.private,
            &json!({"alg": "HS256", "kid": first.kid}),
            &claims(),
        );
        assert!(matches!(
            verify_with(first, &hs256),
            Err(IdTokenError::Algorithm(_))
        ));
        assert!(matches!(
            verify_with(first, "a.b"),
            Err(IdTokenError::Malformed(_))
        ));
        assert!(matches!(
            verify_with(first, "a.b.c.d"),
            Err(IdTokenError::Malformed(_))
        ));
        assert!(matches!(
            verify_with(first, "!!.!!.!!"),
            Err(IdTokenError::Malformed(_))
        ));
    }

    #[test]
    fn tokens_without_kid_need_a_single_key() {
        let first = TestKey::first();
        let token = signed_token(&first.private, &json!({"alg": "RS256"}), &claims());
        assert!(verify_with(first, &token).is_ok());
        let both = format!(
            r#"{{"keys":[{},{}]}}"#,
            first.jwk(),
            TestKey::second().jwk()
        );
        let keys = KeySet::parse(&both).expect("key set");
        assert_eq!(
            verify_id_token(&token, &keys, &expected()),
            Err(IdTokenError::UnknownKey(None))
        );
    }

    #[test]
    fn key_sets_skip_unusable_keys() {
        let first = TestKey::first();
        let doc = format!(
            r#"{{"keys":[{{"kty":"EC","kid":"ec"}},{{"kty":"RSA","kid":"enc","use":"enc","n":"AQAB","e":"AQAB"}},{}]}}"#,
            first.jwk()
        );
        let keys = KeySet::parse(&doc).expect("key set");
        assert_eq!(keys.keys.len(), 1);
        assert!(KeySet::parse("{}").is_err());
        assert!(KeySet::parse("[").is_err());
    }
}
