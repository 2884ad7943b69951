//! The discovery document (OpenID Connect Discovery 1.0, section 3) and the endpoints' paths.

use openidconnect::core::{
    CoreAuthDisplay, CoreClaimName, CoreClaimType, CoreClientAuthMethod, CoreGrantType,
    CoreJsonWebKey, CoreJweContentEncryptionAlgorithm, CoreJweKeyManagementAlgorithm,
    CoreJwsSigningAlgorithm, CoreResponseMode, CoreResponseType, CoreSubjectIdentifierType,
};
use openidconnect::{
    AdditionalProviderMetadata, AuthUrl, EndSessionUrl, IssuerUrl, JsonWebKeySetUrl,
    PkceCodeChallengeMethod, ProviderMetadata, ResponseTypes, RevocationUrl, Scope, TokenUrl,
    UserInfoUrl,
};
use serde::{Deserialize, Serialize};

/// Path of the authorization endpoint.
pub const AUTHORIZE_PATH: &str = "/oidc/authorize";
/// Path of the token endpoint.
pub const TOKEN_PATH: &str = "/oidc/token";
/// Path of the userinfo endpoint.
pub const USERINFO_PATH: &str = "/oidc/userinfo";
/// Path of the key set.
pub const JWKS_PATH: &str = "/oidc/jwks";
/// Path of the revocation endpoint (RFC 7009).
pub const REVOKE_PATH: &str = "/oidc/revoke";
/// Path of the end-session endpoint (RP-Initiated Logout 1.0).
pub const LOGOUT_PATH: &str = "/oidc/logout";
/// Path where upstream providers send people back to Plenum.
pub const UPSTREAM_CALLBACK_PATH: &str = "/auth/upstream/callback";
/// Path that starts a sign-in through upstream provider `{id}`.
pub const UPSTREAM_START_PATH: &str = "/auth/upstream/{id}";
/// Path of the discovery document.
pub const DISCOVERY_PATH: &str = "/.well-known/openid-configuration";

/// The scopes Plenum understands.
pub const SCOPES: &[&str] = &["openid", "email", "profile"];
/// The claims Plenum may issue.
pub const CLAIMS: &[&str] = &[
    "sub",
    "iss",
    "aud",
    "exp",
    "iat",
    "auth_time",
    "nonce",
    "email",
    "email_verified",
    "name",
    "given_name",
    "family_name",
    "preferred_username",
    "role",
];

/// The discovery fields the `openidconnect` crate has no setter for.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct ExtraMetadata {
    /// RP-initiated logout.
    pub end_session_endpoint: EndSessionUrl,
    /// Token revocation.
    pub revocation_endpoint: RevocationUrl,
    /// How the revocation endpoint authenticates clients.
    pub revocation_endpoint_auth_methods_supported: Vec<CoreClientAuthMethod>,
    /// Only S256.
    pub code_challenge_methods_supported: Vec<PkceCodeChallengeMethod>,
    /// RFC 9207: `iss` comes with every authorization response.
    pub authorization_response_iss_parameter_supported: bool,
}

impl AdditionalProviderMetadata for ExtraMetadata {}

/// Plenum's discovery document.
pub type PlenumProviderMetadata = ProviderMetadata<
    ExtraMetadata,
    CoreAuthDisplay,
    CoreClientAuthMethod,
    CoreClaimName,
    CoreClaimType,
    CoreGrantType,
    CoreJweContentEncryptionAlgorithm,
    CoreJweKeyManagementAlgorithm,
    CoreJsonWebKey,
    CoreResponseMode,
    CoreResponseType,
    CoreSubjectIdentifierType,
>;

/// The issuer's URL for `public_url` (no trailing slash, as clients compare it exactly).
pub fn issuer(public_url: &str) -> Result<IssuerUrl, url::ParseError> {
    IssuerUrl::new(public_url.trim_end_matches('/').to_owned())
}

/// The discovery document of `issuer`.
pub fn discovery(issuer: &IssuerUrl) -> Result<PlenumProviderMetadata, url::ParseError> {
    let at = |path: &str| format!("{}{path}", issuer.as_str());
    let auth_methods = vec![
        CoreClientAuthMethod::ClientSecretBasic,
        CoreClientAuthMethod::ClientSecretPost,
        CoreClientAuthMethod::None,
    ];
    Ok(PlenumProviderMetadata::new(
        issuer.clone(),
        AuthUrl::new(at(AUTHORIZE_PATH))?,
        JsonWebKeySetUrl::new(at(JWKS_PATH))?,
        vec![ResponseTypes::new(vec![CoreResponseType::Code])],
        vec![CoreSubjectIdentifierType::Public],
        vec![CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256],
        ExtraMetadata {
            end_session_endpoint: EndSessionUrl::new(at(LOGOUT_PATH))?,
            revocation_endpoint: RevocationUrl::new(at(REVOKE_PATH))?,
            revocation_endpoint_auth_methods_supported: auth_methods.clone(),
            code_challenge_methods_supported: vec![PkceCodeChallengeMethod::new("S256".into())],
            authorization_response_iss_parameter_supported: true,
        },
    )
    .set_token_endpoint(Some(TokenUrl::new(at(TOKEN_PATH))?))
    .set_userinfo_endpoint(Some(UserInfoUrl::new(at(USERINFO_PATH))?))
    .set_scopes_supported(Some(
        SCOPES.iter().map(|s| Scope::new((*s).to_owned())).collect(),
    ))
    .set_claims_supported(Some(
        CLAIMS
            .iter()
            .map(|c| CoreClaimName::new((*c).to_owned()))
            .collect(),
    ))
    .set_grant_types_supported(Some(vec![
        CoreGrantType::AuthorizationCode,
        CoreGrantType::RefreshToken,
    ]))
    .set_response_modes_supported(Some(vec![CoreResponseMode::Query]))
    .set_token_endpoint_auth_methods_supported(Some(auth_methods)))
}
