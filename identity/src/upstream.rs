//! Plenum as relying party of an upstream OpenID Connect provider (the platform's, or an
//! organisation's own): the authorization request with PKCE, state and nonce, and the
//! callback — code exchange, ID token verification (the `openidconnect` crate), userinfo,
//! and the claims mapping that links an account only by a verified email address.

use domain::identity::upstream::{Refusal, UpstreamPerson, person_from_claims};
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AccessTokenHash, AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce,
    OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use store::{SecretValue, UpstreamRecord};

use crate::metadata::UPSTREAM_CALLBACK_PATH;

/// What Plenum keeps (in the browser's session) between sending someone to the provider and
/// their return.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingLogin {
    /// The provider.
    pub provider_id: i64,
    /// The `state` sent (checked on return: CSRF).
    pub state: String,
    /// The `nonce` sent (checked in the ID token: replay).
    pub nonce: String,
    /// The PKCE verifier.
    pub pkce_verifier: String,
    /// Where to go after signing in (a checked local path).
    pub next: Option<String>,
}

/// Why an upstream sign-in failed. The messages name the step, never a secret.
#[derive(Debug, thiserror::Error)]
pub enum UpstreamError {
    /// The provider's discovery document could not be had or used.
    #[error("the provider's configuration could not be read: {0}")]
    Discovery(String),
    /// The answer does not belong to the sign-in this browser started.
    #[error("this sign-in was not started here, or has expired; please start again")]
    State,
    /// The provider said no (its error code).
    #[error("the provider refused the sign-in: {0}")]
    Provider(String),
    /// The code could not be exchanged.
    #[error("the provider did not issue tokens: {0}")]
    Exchange(String),
    /// The ID token is not valid.
    #[error("the provider's ID token is not valid: {0}")]
    IdToken(String),
    /// Userinfo could not be had.
    #[error("the provider's user information could not be read: {0}")]
    UserInfo(String),
    /// The claims do not make a Plenum account.
    #[error(transparent)]
    Refused(#[from] Refusal),
}

/// An HTTP client for provider calls: no redirects (the crate's advice against SSRF), short
/// timeouts.
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .unwrap_or_default()
}

fn callback(plenum_issuer: &str) -> Result<RedirectUrl, UpstreamError> {
    RedirectUrl::new(format!("{plenum_issuer}{UPSTREAM_CALLBACK_PATH}"))
        .map_err(|e| UpstreamError::Discovery(e.to_string()))
}

async fn discover(
    http: &reqwest::Client,
    provider: &UpstreamRecord,
) -> Result<CoreProviderMetadata, UpstreamError> {
    let issuer = IssuerUrl::new(provider.issuer.clone())
        .map_err(|e| UpstreamError::Discovery(e.to_string()))?;
    CoreProviderMetadata::discover_async(issuer, http)
        .await
        .map_err(|e| UpstreamError::Discovery(e.to_string()))
}

/// Where to send the browser, and what to remember until it returns.
pub async fn begin(
    http: &reqwest::Client,
    provider: &UpstreamRecord,
    plenum_issuer: &str,
    next: Option<String>,
) -> Result<(String, PendingLogin), UpstreamError> {
    let metadata = discover(http, provider).await?;
    let client = CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(provider.client_id.clone()),
        None,
    )
    .set_redirect_uri(callback(plenum_issuer)?);
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, state, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("email".into()))
        .add_scope(Scope::new("profile".into()))
        .set_pkce_challenge(challenge)
        .url();
    Ok((
        url.to_string(),
        PendingLogin {
            provider_id: provider.id,
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
            next,
        },
    ))
}

/// The person the provider vouches for, from the callback's parameters (`code`, `state`, or
/// `error`).
pub async fn finish(
    http: &reqwest::Client,
    provider: &UpstreamRecord,
    secret: &SecretValue,
    plenum_issuer: &str,
    pending: PendingLogin,
    params: &[(String, String)],
) -> Result<UpstreamPerson, UpstreamError> {
    let param = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let state_ok =
        param("state").is_some_and(|s| domain::identity::pkce::constant_time_eq(s, &pending.state));
    if !state_ok || pending.provider_id != provider.id {
        return Err(UpstreamError::State);
    }
    if let Some(error) = param("error") {
        return Err(UpstreamError::Provider(error.chars().take(100).collect()));
    }
    let code = param("code").ok_or_else(|| UpstreamError::Provider("no code".into()))?;
    let metadata = discover(http, provider).await?;
    let userinfo_url = metadata.userinfo_endpoint().cloned();
    let secret = secret
        .expose_str()
        .ok_or_else(|| UpstreamError::Exchange("the stored secret is not text".into()))?;
    let client = CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(provider.client_id.clone()),
        Some(ClientSecret::new(secret.to_owned())),
    )
    .set_redirect_uri(callback(plenum_issuer)?);
    let tokens = client
        .exchange_code(AuthorizationCode::new(code.to_owned()))
        .map_err(|e| UpstreamError::Exchange(e.to_string()))?
        .set_pkce_verifier(PkceCodeVerifier::new(pending.pkce_verifier))
        .request_async(http)
        .await
        .map_err(|e| UpstreamError::Exchange(e.to_string()))?;
    let id_token = tokens
        .id_token()
        .ok_or_else(|| UpstreamError::IdToken("missing".into()))?;
    let verifier = client.id_token_verifier();
    let claims = id_token
        .claims(&verifier, &Nonce::new(pending.nonce))
        .map_err(|e| UpstreamError::IdToken(e.to_string()))?;
    if let Some(expected) = claims.access_token_hash() {
        let actual = AccessTokenHash::from_token(
            tokens.access_token(),
            id_token
                .signing_alg()
                .map_err(|e| UpstreamError::IdToken(e.to_string()))?,
            id_token
                .signing_key(&verifier)
                .map_err(|e| UpstreamError::IdToken(e.to_string()))?,
        )
        .map_err(|e| UpstreamError::IdToken(e.to_string()))?;
        if &actual != expected {
            return Err(UpstreamError::IdToken("at_hash does not match".into()));
        }
    }
    let subject = claims.subject().as_str().to_owned();
    // The mapped claims come from userinfo as plain JSON, so any claim name can be mapped.
    let userinfo_url =
        userinfo_url.ok_or_else(|| UpstreamError::UserInfo("no userinfo endpoint".into()))?;
    let info: Value = http
        .get(userinfo_url.url().clone())
        .bearer_auth(tokens.access_token().secret())
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .map_err(|e| UpstreamError::UserInfo(e.without_url().to_string()))?
        .json()
        .await
        .map_err(|e| UpstreamError::UserInfo(e.without_url().to_string()))?;
    if info.get("sub").and_then(Value::as_str) != Some(subject.as_str()) {
        return Err(UpstreamError::UserInfo(
            "its subject differs from the ID token's".into(),
        ));
    }
    Ok(person_from_claims(&info, &provider.mapping)?)
}
