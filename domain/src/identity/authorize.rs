//! The authorization request of the code flow (OpenID Connect Core 3.1.2.1), checked against
//! the client's registration before anyone is asked to sign in.
//!
//! Errors come in two kinds, as the specification demands: when the client or its redirect
//! URI cannot be trusted, the browser must not be sent there ([`AuthorizeError::Untrusted`],
//! shown as a page by Plenum); every other error goes back to the client's redirect URI
//! ([`AuthorizeError::ToClient`]).

use std::collections::BTreeMap;

use crate::identity::pkce;
use crate::identity::redirect::matches_registered;

/// Longest `state` or `nonce` accepted, in bytes.
pub const PARAM_MAX_LEN: usize = 1024;

/// What Plenum knows of a registered client when it checks a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientRegistration {
    /// The client id.
    pub client_id: String,
    /// The exact redirect URIs it may use.
    pub redirect_uris: Vec<String>,
    /// Whether it authenticates with a secret (confidential) or not (public: PKCE required).
    pub confidential: bool,
}

/// A checked authorization request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizeRequest {
    /// The client.
    pub client_id: String,
    /// The registered redirect URI the code goes to.
    pub redirect_uri: String,
    /// The requested scopes (including `openid`).
    pub scope: Vec<String>,
    /// The client's opaque state, returned unchanged.
    pub state: Option<String>,
    /// The nonce to put into the ID token.
    pub nonce: Option<String>,
    /// The S256 PKCE challenge, when the client sent one.
    pub code_challenge: Option<String>,
    /// `prompt=none`: answer without any interaction, or with `login_required`.
    pub prompt_none: bool,
}

/// Why an authorization request is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthorizeError {
    /// The client or redirect URI is unknown or does not match: say so on a page, never
    /// redirect.
    #[error("{0}")]
    Untrusted(String),
    /// An OAuth error to return to the client's redirect URI.
    #[error("{error}: {description}")]
    ToClient {
        /// Where to send it.
        redirect_uri: String,
        /// The client's state.
        state: Option<String>,
        /// The OAuth error code (`invalid_request`, `unsupported_response_type`, …).
        error: &'static str,
        /// A description for the client's developer.
        description: String,
    },
}

/// Checks the request `params` (every parameter as sent, so duplicates show) of a client
/// that `lookup` finds by id (None: unknown).
pub fn check_request(
    params: &[(String, String)],
    lookup: impl FnOnce(&str) -> Option<ClientRegistration>,
) -> Result<AuthorizeRequest, AuthorizeError> {
    let mut map: BTreeMap<&str, &str> = BTreeMap::new();
    let mut repeated = None;
    for (k, v) in params {
        if map.insert(k.as_str(), v.as_str()).is_some() {
            repeated = Some(k.as_str());
        }
    }
    let untrusted = |m: &str| AuthorizeError::Untrusted(m.to_owned());
    let client_id = map
        .get("client_id")
        .ok_or_else(|| untrusted("The request names no client (client_id is missing)."))?;
    if repeated == Some("client_id") || repeated == Some("redirect_uri") {
        return Err(untrusted("The request repeats client_id or redirect_uri."));
    }
    let client = lookup(client_id)
        .ok_or_else(|| untrusted("This application is not registered with Plenum."))?;
    let redirect_uri = map
        .get("redirect_uri")
        .ok_or_else(|| untrusted("The request names no redirect URI (redirect_uri is missing)."))?;
    if !matches_registered(redirect_uri, &client.redirect_uris) {
        return Err(untrusted(
            "The redirect URI is not registered for this application.",
        ));
    }
    let state = map.get("state").map(|s| (*s).to_owned());
    let to_client = |error: &'static str, description: &str| AuthorizeError::ToClient {
        redirect_uri: (*redirect_uri).to_owned(),
        state: state.clone(),
        error,
        description: description.to_owned(),
    };
    if let Some(name) = repeated {
        return Err(to_client(
            "invalid_request",
            &format!("parameter {name} appears more than once"),
        ));
    }
    if map.contains_key("request") || map.contains_key("request_uri") {
        return Err(to_client(
            "request_not_supported",
            "request objects are not supported",
        ));
    }
    match map.get("response_type") {
        Some(&"code") => {}
        Some(_) => {
            return Err(to_client(
                "unsupported_response_type",
                "only the authorization code flow (response_type=code) is supported",
            ));
        }
        None => return Err(to_client("invalid_request", "response_type is missing")),
    }
    if map.get("response_mode").is_some_and(|m| *m != "query") {
        return Err(to_client(
            "invalid_request",
            "only response_mode=query is supported",
        ));
    }
    let scope: Vec<String> = map
        .get("scope")
        .map(|s| {
            s.split(' ')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    if !scope.iter().any(|s| s == "openid") {
        return Err(to_client("invalid_scope", "the scope must include openid"));
    }
    let nonce = map.get("nonce").map(|s| (*s).to_owned());
    if state.as_ref().is_some_and(|s| s.len() > PARAM_MAX_LEN)
        || nonce.as_ref().is_some_and(|s| s.len() > PARAM_MAX_LEN)
    {
        return Err(to_client(
            "invalid_request",
            &format!("state and nonce may be at most {PARAM_MAX_LEN} bytes"),
        ));
    }
    let code_challenge = match (map.get("code_challenge"), map.get("code_challenge_method")) {
        (None, None) if client.confidential => None,
        (None, _) => {
            return Err(to_client(
                "invalid_request",
                "PKCE is required: send code_challenge with code_challenge_method=S256",
            ));
        }
        (Some(challenge), Some(&"S256")) if pkce::is_well_formed(challenge) => {
            Some((*challenge).to_owned())
        }
        (Some(_), Some(&"S256")) => {
            return Err(to_client(
                "invalid_request",
                "code_challenge must be 43 to 128 characters of [A-Za-z0-9-._~]",
            ));
        }
        (Some(_), _) => {
            return Err(to_client(
                "invalid_request",
                "only code_challenge_method=S256 is supported",
            ));
        }
    };
    let prompt_none = match map.get("prompt") {
        None => false,
        Some(&"none") => true,
        Some(p)
            if p.split(' ')
                .all(|p| matches!(p, "login" | "consent" | "select_account")) =>
        {
            false
        }
        Some(_) => {
            return Err(to_client(
                "invalid_request",
                "prompt=none cannot be combined with other values",
            ));
        }
    };
    Ok(AuthorizeRequest {
        client_id: client.client_id,
        redirect_uri: (*redirect_uri).to_owned(),
        scope,
        state,
        nonce,
        code_challenge,
        prompt_none,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const CB: &str = "https://a.example.org/cb";
    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    fn client(confidential: bool) -> Option<ClientRegistration> {
        Some(ClientRegistration {
            client_id: "c1".into(),
            redirect_uris: vec![CB.into()],
            confidential,
        })
    }

    fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn base() -> Vec<(&'static str, &'static str)> {
        vec![
            ("client_id", "c1"),
            ("redirect_uri", CB),
            ("response_type", "code"),
            ("scope", "openid email"),
            ("state", "s1"),
            ("nonce", "n1"),
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
        ]
    }

    fn without<'a>(key: &str) -> Vec<(&'a str, &'a str)> {
        base().into_iter().filter(|(k, _)| *k != key).collect()
    }

    fn with<'a>(key: &'a str, value: &'a str) -> Vec<(&'a str, &'a str)> {
        let mut p = without(key);
        p.push((key, value));
        p
    }

    fn client_error(p: &[(&str, &str)], confidential: bool) -> &'static str {
        match check_request(&params(p), |_| client(confidential)) {
            Err(AuthorizeError::ToClient {
                error,
                redirect_uri,
                state,
                ..
            }) => {
                assert_eq!(redirect_uri, CB);
                assert_eq!(state.as_deref(), Some("s1"));
                error
            }
            other => panic!("expected an error for the client, got {other:?}"),
        }
    }

    #[test]
    fn a_complete_request_is_accepted() {
        let req = check_request(&params(&base()), |_| client(false)).unwrap();
        assert_eq!(req.scope, ["openid", "email"]);
        assert_eq!(req.code_challenge.as_deref(), Some(CHALLENGE));
        assert_eq!(req.nonce.as_deref(), Some("n1"));
        assert!(!req.prompt_none);
    }

    #[test]
    fn unknown_clients_and_redirects_are_never_followed() {
        let untrusted = |p: &[(&str, &str)]| {
            matches!(
                check_request(&params(p), |id| if id == "c1" {
                    client(true)
                } else {
                    None
                }),
                Err(AuthorizeError::Untrusted(_))
            )
        };
        assert!(untrusted(&without("client_id")));
        assert!(untrusted(&with("client_id", "other")));
        assert!(untrusted(&without("redirect_uri")));
        assert!(untrusted(&with("redirect_uri", "https://evil.example/cb")));
        assert!(untrusted(&with(
            "redirect_uri",
            "https://a.example.org/cb/../x"
        )));
        let mut twice = base();
        twice.push(("redirect_uri", "https://evil.example/cb"));
        assert!(untrusted(&twice));
    }

    #[test]
    fn pkce_is_required_for_public_clients_and_only_s256() {
        assert_eq!(
            client_error(&without("code_challenge"), false),
            "invalid_request"
        );
        assert_eq!(
            client_error(&with("code_challenge_method", "plain"), false),
            "invalid_request"
        );
        assert_eq!(
            client_error(&without("code_challenge_method"), true),
            "invalid_request",
            "a challenge without method means plain"
        );
        assert_eq!(
            client_error(&with("code_challenge", "abc"), true),
            "invalid_request"
        );
        let confidential = without("code_challenge");
        let confidential: Vec<_> = confidential
            .into_iter()
            .filter(|(k, _)| *k != "code_challenge_method")
            .collect();
        assert!(check_request(&params(&confidential), |_| client(true)).is_ok());
    }

    #[test]
    fn other_errors_go_back_to_the_client() {
        assert_eq!(
            client_error(&with("response_type", "token"), false),
            "unsupported_response_type"
        );
        assert_eq!(
            client_error(&without("response_type"), false),
            "invalid_request"
        );
        assert_eq!(
            client_error(&with("scope", "email"), false),
            "invalid_scope"
        );
        assert_eq!(
            client_error(&with("request", "eyJ..."), false),
            "request_not_supported"
        );
        assert_eq!(
            client_error(&with("response_mode", "fragment"), false),
            "invalid_request"
        );
        assert_eq!(
            client_error(&with("prompt", "none login"), false),
            "invalid_request"
        );
        let mut twice = base();
        twice.push(("scope", "openid"));
        assert_eq!(client_error(&twice, false), "invalid_request");
        let long = "n".repeat(PARAM_MAX_LEN + 1);
        assert_eq!(
            client_error(&with("nonce", &long), false),
            "invalid_request"
        );
    }

    #[test]
    fn prompt_none_is_recognised() {
        let req = check_request(&params(&with("prompt", "none")), |_| client(false)).unwrap();
        assert!(req.prompt_none);
    }
}
