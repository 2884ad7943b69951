//! The endpoints' logic: authorization, token (code and refresh), userinfo, revocation and
//! RP-initiated logout. Inputs are the request's parameters as sent; outputs are what the
//! HTTP layer answers. Time comes in as `now`, so tests choose it.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chrono::{DateTime, Duration, Utc};
use domain::identity::authorize::{AuthorizeError, ClientRegistration, check_request};
use domain::identity::pkce::{constant_time_eq, verify_s256};
use domain::identity::redirect::matches_registered;
use openidconnect::core::{CoreIdTokenVerifier, CoreJsonWebKeySet};
use openidconnect::{ClientId, IssuerUrl};
use serde_json::{Value, json};
use store::{
    ClientRecord, Db, NewCode, NewToken, Redeemed, Rotated, SecretKey, StoreError, TokenKind,
    UserRecord,
};
use url::Url;

use crate::access::{Admission, admission, person};
use crate::claims::{IdTokenInput, PlenumIdToken, id_token, userinfo};
use crate::keys::KeyRing;
use crate::metadata::{discovery, issuer};
use crate::secrets::{random_token, token_hash};
use crate::{IdentityError, IdentitySettings, OAuthError};

/// The person signed in to Plenum in the browser that asks.
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// Their account.
    pub user: UserRecord,
    /// When they signed in.
    pub auth_time: DateTime<Utc>,
}

/// What the authorization endpoint answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthorizeOutcome {
    /// Send the browser here: the client's redirect URI with a code or an error.
    Redirect(String),
    /// Nobody is signed in: sign in first, then come back to the same request.
    Login,
    /// The client or redirect URI cannot be trusted: say so on a page, never redirect.
    Untrusted(String),
    /// Signed in, but without access to this client's instance: say so on a page.
    NoAccess {
        /// The client's name, to name what they may not enter.
        client_name: String,
    },
}

/// What the end-session endpoint decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EndSession {
    /// End the Plenum session now, then send the browser to `redirect` (or show "signed
    /// out" when None).
    LogOut {
        /// The client's post-logout redirect URI with its state.
        redirect: Option<String>,
    },
    /// The request did not prove which client sent it: ask the person to confirm.
    Confirm,
    /// The request is malformed or names an unregistered URI: say so, do not redirect.
    Refused(String),
}

/// Plenum's OpenID Connect provider. Cheap to clone.
#[derive(Clone)]
pub struct Provider {
    inner: Arc<Inner>,
}

struct Inner {
    db: Db,
    secret_key: SecretKey,
    issuer: IssuerUrl,
    settings: IdentitySettings,
    keys: RwLock<Arc<KeyRing>>,
    discovery: Value,
    /// The SAML identity provider's key, loaded on first use.
    saml: crate::saml::KeyCache,
}

impl std::fmt::Debug for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Provider")
            .field("issuer", &self.inner.issuer.as_str())
            .finish_non_exhaustive()
    }
}

fn params_map(params: &[(String, String)]) -> Result<BTreeMap<&str, &str>, OAuthError> {
    let mut map = BTreeMap::new();
    for (k, v) in params {
        if map.insert(k.as_str(), v.as_str()).is_some() {
            return Err(OAuthError::invalid_request(format!(
                "parameter {k} appears more than once"
            )));
        }
    }
    Ok(map)
}

/// Client credentials from an `Authorization: Basic` header: both halves are
/// form-urlencoded before base64 (RFC 6749 2.3.1), so they are decoded here.
pub fn basic_credentials(header: &str) -> Option<(String, String)> {
    let encoded = header
        .strip_prefix("Basic ")
        .or_else(|| header.strip_prefix("basic "))?;
    let decoded = STANDARD.decode(encoded.trim()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    let unescape = |s: &str| {
        url::form_urlencoded::parse(format!("x={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
    };
    Some((unescape(id)?, unescape(secret)?))
}

fn with_query(base: &str, pairs: &[(&str, Option<&str>)]) -> String {
    match Url::parse(base) {
        Ok(mut url) => {
            {
                let mut query = url.query_pairs_mut();
                for (k, v) in pairs {
                    if let Some(v) = v {
                        query.append_pair(k, v);
                    }
                }
            }
            url.to_string()
        }
        // Registered URIs are checked absolute URLs; an unparsable one gets nothing.
        Err(_) => base.to_owned(),
    }
}

impl Provider {
    /// Starts the provider for `public_url`: loads (or makes) the signing keys.
    pub async fn start(
        db: Db,
        secret_key: SecretKey,
        public_url: &str,
        settings: IdentitySettings,
    ) -> Result<Self, IdentityError> {
        let issuer = issuer(public_url).map_err(|e| IdentityError::Key(e.to_string()))?;
        let discovery = serde_json::to_value(
            discovery(&issuer).map_err(|e| IdentityError::Key(e.to_string()))?,
        )
        .map_err(|e| IdentityError::Key(e.to_string()))?;
        let keys = KeyRing::load(&db, &secret_key, rotation(&settings), Utc::now()).await?;
        Ok(Self {
            inner: Arc::new(Inner {
                db,
                secret_key,
                issuer,
                settings,
                keys: RwLock::new(Arc::new(keys)),
                discovery,
                saml: crate::saml::KeyCache::default(),
            }),
        })
    }

    /// Rotates the signing key when it is due and forgets expired codes; run periodically.
    pub async fn maintain(&self, now: DateTime<Utc>) -> Result<(), IdentityError> {
        let inner = &self.inner;
        let keys =
            KeyRing::load(&inner.db, &inner.secret_key, rotation(&inner.settings), now).await?;
        *inner.keys.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(keys);
        inner
            .db
            .delete_codes_expired_before(now - Duration::hours(1))
            .await?;
        Ok(())
    }

    /// Registers a client (see [`crate::clients::register`]); the secret is returned once.
    pub async fn register_client(
        &self,
        request: crate::clients::ClientRequest,
    ) -> Result<(ClientRecord, Option<store::SecretValue>), crate::clients::RegisterError> {
        crate::clients::register(&self.inner.db, &self.inner.secret_key, request).await
    }

    /// The issuer URL.
    pub fn issuer(&self) -> &str {
        self.inner.issuer.as_str()
    }

    /// The discovery document.
    pub fn discovery(&self) -> &Value {
        &self.inner.discovery
    }

    /// The database (for the SAML identity provider in [`crate::saml`]).
    pub(crate) fn db(&self) -> &Db {
        &self.inner.db
    }

    /// The key stored secrets are sealed with.
    pub fn secret_key(&self) -> &SecretKey {
        &self.inner.secret_key
    }

    /// The SAML identity provider's key cache.
    pub(crate) fn saml_keys(&self) -> &crate::saml::KeyCache {
        &self.inner.saml
    }

    fn keys(&self) -> Arc<KeyRing> {
        self.inner
            .keys
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The published key set.
    pub fn jwks(&self) -> CoreJsonWebKeySet {
        self.keys().jwks.clone()
    }

    async fn client(&self, client_id: &str) -> Result<Option<ClientRecord>, IdentityError> {
        match self.inner.db.client(client_id).await {
            Ok(client) => Ok(Some(client)),
            Err(StoreError::NotFound) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// The authorization endpoint (GET or POST): checks the request against the client,
    /// then answers for the person signed in.
    pub async fn authorize(
        &self,
        params: &[(String, String)],
        signed_in: Option<&SignedIn>,
        now: DateTime<Utc>,
    ) -> Result<AuthorizeOutcome, IdentityError> {
        let client_id = params
            .iter()
            .find(|(k, _)| k == "client_id")
            .map(|(_, v)| v.as_str())
            .unwrap_or_default();
        let client = self.client(client_id).await?;
        let registration = client.as_ref().map(|c| ClientRegistration {
            client_id: c.client_id.clone(),
            redirect_uris: c.redirect_uris.clone(),
            confidential: c.confidential,
        });
        let request = match check_request(params, |_| registration) {
            Ok(request) => request,
            Err(AuthorizeError::Untrusted(message)) => {
                return Ok(AuthorizeOutcome::Untrusted(message));
            }
            Err(AuthorizeError::ToClient {
                redirect_uri,
                state,
                error,
                description,
            }) => {
                return Ok(AuthorizeOutcome::Redirect(self.error_redirect(
                    &redirect_uri,
                    state.as_deref(),
                    error,
                    &description,
                )));
            }
        };
        let Some(client) = client else {
            return Ok(AuthorizeOutcome::Untrusted(
                "This application is not registered with Plenum.".into(),
            ));
        };
        let Some(signed_in) = signed_in else {
            if request.prompt_none {
                return Ok(AuthorizeOutcome::Redirect(self.error_redirect(
                    &request.redirect_uri,
                    request.state.as_deref(),
                    "login_required",
                    "nobody is signed in to Plenum",
                )));
            }
            return Ok(AuthorizeOutcome::Login);
        };
        if admission(&self.inner.db, &client, &signed_in.user, now.date_naive()).await?
            == Admission::Refused
        {
            if request.prompt_none {
                return Ok(AuthorizeOutcome::Redirect(self.error_redirect(
                    &request.redirect_uri,
                    request.state.as_deref(),
                    "access_denied",
                    "the signed-in person has no access to this application",
                )));
            }
            return Ok(AuthorizeOutcome::NoAccess {
                client_name: client.name,
            });
        }
        let code = random_token();
        let scope: Vec<&str> = request
            .scope
            .iter()
            .map(String::as_str)
            .filter(|s| crate::metadata::SCOPES.contains(s))
            .collect();
        self.inner
            .db
            .insert_code(NewCode {
                code_hash: token_hash(&code),
                client_id: client.client_id,
                user_id: signed_in.user.id,
                redirect_uri: request.redirect_uri.clone(),
                scope: scope.join(" "),
                nonce: request.nonce,
                code_challenge: request.code_challenge,
                auth_time: signed_in.auth_time,
                expires_at: now + Duration::seconds(i64::from(self.inner.settings.code_seconds)),
            })
            .await?;
        Ok(AuthorizeOutcome::Redirect(with_query(
            &request.redirect_uri,
            &[
                ("code", Some(&code)),
                ("state", request.state.as_deref()),
                ("iss", Some(self.issuer())),
            ],
        )))
    }

    fn error_redirect(
        &self,
        redirect_uri: &str,
        state: Option<&str>,
        error: &str,
        description: &str,
    ) -> String {
        with_query(
            redirect_uri,
            &[
                ("error", Some(error)),
                ("error_description", Some(description)),
                ("state", state),
                ("iss", Some(self.issuer())),
            ],
        )
    }

    /// Authenticates the client of a token or revocation request: a confidential client by
    /// its secret (Basic or form, not both), a public one by its id alone.
    async fn authenticate_client(
        &self,
        form: &BTreeMap<&str, &str>,
        basic: Option<(String, String)>,
    ) -> Result<ClientRecord, OAuthError> {
        let (client_id, secret) = match (basic, form.get("client_secret")) {
            (Some(_), Some(_)) => {
                return Err(OAuthError::invalid_request(
                    "use one way of client authentication, not two",
                ));
            }
            (Some((id, secret)), None) => {
                if form.get("client_id").is_some_and(|form_id| *form_id != id) {
                    return Err(OAuthError::invalid_request(
                        "client_id differs from the authenticated client",
                    ));
                }
                (id, Some(secret))
            }
            (None, secret) => (
                form.get("client_id")
                    .ok_or_else(OAuthError::invalid_client)?
                    .to_string(),
                secret.map(|s| (*s).to_owned()),
            ),
        };
        let client = self
            .client(&client_id)
            .await?
            .ok_or_else(OAuthError::invalid_client)?;
        let stored = self
            .inner
            .db
            .client_secret(&client.client_id, &self.inner.secret_key)
            .await
            .map_err(IdentityError::from)?;
        match (stored, secret) {
            (Some(stored), Some(given))
                if stored
                    .expose_str()
                    .is_some_and(|stored| constant_time_eq(stored, &given)) =>
            {
                Ok(client)
            }
            (None, None) => Ok(client),
            _ => Err(OAuthError::invalid_client()),
        }
    }

    /// The token endpoint: `authorization_code` and `refresh_token` grants.
    pub async fn token(
        &self,
        params: &[(String, String)],
        basic: Option<(String, String)>,
        now: DateTime<Utc>,
    ) -> Result<Value, OAuthError> {
        let form = params_map(params)?;
        let client = self.authenticate_client(&form, basic).await?;
        match form.get("grant_type") {
            Some(&"authorization_code") => self.redeem_code(&form, &client, now).await,
            Some(&"refresh_token") => self.refresh(&form, &client, now).await,
            Some(_) => Err(OAuthError::new(
                "unsupported_grant_type",
                "only authorization_code and refresh_token are supported",
            )),
            None => Err(OAuthError::invalid_request("grant_type is missing")),
        }
    }

    async fn redeem_code(
        &self,
        form: &BTreeMap<&str, &str>,
        client: &ClientRecord,
        now: DateTime<Utc>,
    ) -> Result<Value, OAuthError> {
        let code = form
            .get("code")
            .ok_or_else(|| OAuthError::invalid_request("code is missing"))?;
        let hash = token_hash(code);
        let code = match self
            .inner
            .db
            .redeem_code(&hash, now)
            .await
            .map_err(IdentityError::from)?
        {
            Redeemed::Fresh(code) => code,
            Redeemed::Expired => return Err(OAuthError::invalid_grant("the code has expired")),
            Redeemed::Replayed => {
                tracing::warn!(client = %client.client_id, "authorization code replayed; its tokens are revoked");
                return Err(OAuthError::invalid_grant("the code was already used"));
            }
            Redeemed::Unknown => return Err(OAuthError::invalid_grant("unknown code")),
        };
        if code.client_id != client.client_id {
            return Err(OAuthError::invalid_grant(
                "the code was issued to another client",
            ));
        }
        if form.get("redirect_uri") != Some(&code.redirect_uri.as_str()) {
            return Err(OAuthError::invalid_grant(
                "redirect_uri differs from the authorization request",
            ));
        }
        match (&code.code_challenge, form.get("code_verifier")) {
            (Some(challenge), Some(verifier)) if verify_s256(verifier, challenge) => {}
            (Some(_), Some(_)) => {
                return Err(OAuthError::invalid_grant("code_verifier does not match"));
            }
            (Some(_), None) => return Err(OAuthError::invalid_grant("code_verifier is missing")),
            (None, Some(_)) => {
                return Err(OAuthError::invalid_grant(
                    "code_verifier sent, but the authorization request had no code_challenge",
                ));
            }
            (None, None) => {}
        }
        self.issue(
            client,
            code.user_id,
            &code.scope,
            &hash,
            code.nonce.as_deref(),
            code.auth_time,
            now,
            None,
        )
        .await
    }

    async fn refresh(
        &self,
        form: &BTreeMap<&str, &str>,
        client: &ClientRecord,
        now: DateTime<Utc>,
    ) -> Result<Value, OAuthError> {
        let token = form
            .get("refresh_token")
            .ok_or_else(|| OAuthError::invalid_request("refresh_token is missing"))?;
        let hash = token_hash(token);
        let db = &self.inner.db;
        let current = db
            .usable_token(&hash, TokenKind::Refresh, now)
            .await
            .map_err(IdentityError::from)?
            .filter(|t| t.client_id == client.client_id);
        let Some(current) = current else {
            // A spent token presented again revokes its family.
            if let Rotated::Reused = db
                .rotate_refresh_token(&hash, &client.client_id, now, |_| Vec::new())
                .await
                .map_err(IdentityError::from)?
            {
                tracing::warn!(client = %client.client_id, "refresh token reused; its family is revoked");
            }
            return Err(OAuthError::invalid_grant("the refresh token is not valid"));
        };
        if let Some(scope) = form.get("scope") {
            let granted: Vec<&str> = current.scope.split(' ').collect();
            if scope
                .split(' ')
                .any(|s| !s.is_empty() && !granted.contains(&s))
            {
                return Err(OAuthError::new(
                    "invalid_scope",
                    "a refresh cannot widen the granted scope",
                ));
            }
        }
        self.issue(
            client,
            current.user_id,
            &current.scope,
            &current.family,
            None,
            current.auth_time,
            now,
            Some(&hash),
        )
        .await
    }

    /// Issues access, refresh and ID tokens to `user_id` at `client`, after checking their
    /// access afresh; `rotating` is the refresh token being exchanged.
    #[allow(clippy::too_many_arguments)]
    async fn issue(
        &self,
        client: &ClientRecord,
        user_id: i64,
        scope: &str,
        family: &str,
        nonce: Option<&str>,
        auth_time: DateTime<Utc>,
        now: DateTime<Utc>,
        rotating: Option<&str>,
    ) -> Result<Value, OAuthError> {
        let db = &self.inner.db;
        let user = match db.find_user(user_id).await {
            Ok(user) => user,
            Err(StoreError::NotFound) => {
                return Err(OAuthError::invalid_grant("the account no longer exists"));
            }
            Err(e) => return Err(IdentityError::from(e).into()),
        };
        let Admission::Admitted(role) = admission(db, client, &user, now.date_naive()).await?
        else {
            db.revoke_token_family(family, now)
                .await
                .map_err(IdentityError::from)?;
            return Err(OAuthError::invalid_grant(
                "the person no longer has access to this application",
            ));
        };
        let settings = &self.inner.settings;
        let access_lifetime = Duration::minutes(i64::from(settings.access_token_minutes));
        let access = random_token();
        let refresh = random_token();
        let new_token = |token: &str, kind, expires_at| NewToken {
            token_hash: token_hash(token),
            kind,
            client_id: client.client_id.clone(),
            user_id,
            scope: scope.to_owned(),
            family: family.to_owned(),
            auth_time,
            expires_at,
        };
        let tokens = vec![
            new_token(&access, TokenKind::Access, now + access_lifetime),
            new_token(
                &refresh,
                TokenKind::Refresh,
                now + Duration::days(i64::from(settings.refresh_token_days)),
            ),
        ];
        match rotating {
            Some(old) => {
                match db
                    .rotate_refresh_token(old, &client.client_id, now, |_| tokens)
                    .await
                    .map_err(IdentityError::from)?
                {
                    Rotated::Done(_) => {}
                    Rotated::Reused | Rotated::Invalid => {
                        return Err(OAuthError::invalid_grant("the refresh token is not valid"));
                    }
                }
            }
            None => db
                .insert_tokens(tokens)
                .await
                .map_err(IdentityError::from)?,
        }
        let person = person(db, client, &user, role).await?;
        let scopes: Vec<String> = scope.split(' ').map(str::to_owned).collect();
        let keys = self.keys();
        let id_token = id_token(
            &IdTokenInput {
                issuer: &self.inner.issuer,
                client_id: &client.client_id,
                person: &person,
                scopes: &scopes,
                nonce,
                auth_time,
                now,
                lifetime: access_lifetime,
                access_token: &access,
            },
            &keys.signing,
        )?;
        Ok(json!({
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": access_lifetime.num_seconds(),
            "refresh_token": refresh,
            "id_token": id_token,
            "scope": scope,
        }))
    }

    /// The userinfo endpoint: the claims the access token's scopes allow, while the person
    /// still has access.
    pub async fn userinfo(&self, bearer: &str, now: DateTime<Utc>) -> Result<Value, OAuthError> {
        let invalid = || OAuthError::new("invalid_token", "the access token is not valid");
        let db = &self.inner.db;
        let token = db
            .usable_token(&token_hash(bearer), TokenKind::Access, now)
            .await
            .map_err(IdentityError::from)?
            .ok_or_else(invalid)?;
        let client = self.client(&token.client_id).await?.ok_or_else(invalid)?;
        let user = db.find_user(token.user_id).await.map_err(|_| invalid())?;
        let Admission::Admitted(role) = admission(db, &client, &user, now.date_naive()).await?
        else {
            return Err(invalid());
        };
        let person = person(db, &client, &user, role).await?;
        let scopes: Vec<String> = token.scope.split(' ').map(str::to_owned).collect();
        Ok(userinfo(&person, &scopes))
    }

    /// The revocation endpoint (RFC 7009): the client revokes one of its own tokens; unknown
    /// tokens are answered like known ones.
    pub async fn revoke(
        &self,
        params: &[(String, String)],
        basic: Option<(String, String)>,
        now: DateTime<Utc>,
    ) -> Result<(), OAuthError> {
        let form = params_map(params)?;
        let client = self.authenticate_client(&form, basic).await?;
        let token = form
            .get("token")
            .ok_or_else(|| OAuthError::invalid_request("token is missing"))?;
        self.inner
            .db
            .revoke_token(&token_hash(token), &client.client_id, now)
            .await
            .map_err(IdentityError::from)?;
        Ok(())
    }

    /// The end-session endpoint: checks the hint and the post-logout redirect URI, and
    /// decides whether to log out at once (`signed_in` is the browser's user, if any).
    pub async fn end_session(
        &self,
        params: &[(String, String)],
        signed_in: Option<i64>,
        confirmed: bool,
    ) -> Result<EndSession, IdentityError> {
        let Ok(form) = params_map(params) else {
            return Ok(EndSession::Refused(
                "A parameter appears more than once.".into(),
            ));
        };
        let hint = match form.get("id_token_hint") {
            Some(hint) => match self.verify_hint(hint) {
                Some(hint) => Some(hint),
                None => {
                    return Ok(EndSession::Refused(
                        "The ID token hint was not issued by Plenum.".into(),
                    ));
                }
            },
            None => None,
        };
        let client_id = match (form.get("client_id"), &hint) {
            (Some(id), Some((aud, _))) if id != aud => {
                return Ok(EndSession::Refused(
                    "client_id does not match the ID token hint.".into(),
                ));
            }
            (Some(id), _) => Some((*id).to_owned()),
            (None, Some((aud, _))) => Some(aud.clone()),
            (None, None) => None,
        };
        let redirect = match (form.get("post_logout_redirect_uri"), &client_id) {
            (None, _) => None,
            (Some(_), None) => {
                return Ok(EndSession::Refused(
                    "A post-logout redirect needs client_id or id_token_hint.".into(),
                ));
            }
            (Some(uri), Some(client_id)) => {
                let client = self.client(client_id).await?;
                match client {
                    Some(client) if matches_registered(uri, &client.post_logout_redirect_uris) => {
                        Some(with_query(uri, &[("state", form.get("state").copied())]))
                    }
                    _ => {
                        return Ok(EndSession::Refused(
                            "The post-logout redirect URI is not registered for this application."
                                .into(),
                        ));
                    }
                }
            }
        };
        let hint_names_user = hint.as_ref().map(|(_, sub)| sub.clone());
        let proven = match signed_in {
            None => true,
            Some(user_id) => hint_names_user.as_deref() == Some(user_id.to_string().as_str()),
        };
        if proven || confirmed {
            Ok(EndSession::LogOut { redirect })
        } else {
            Ok(EndSession::Confirm)
        }
    }

    /// The audience and subject of an ID token this provider signed (expired ones too, as
    /// RP-Initiated Logout allows); None when it is not one of ours.
    fn verify_hint(&self, hint: &str) -> Option<(String, String)> {
        let payload = hint.split('.').nth(1)?;
        let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
        let aud = match &claims["aud"] {
            Value::String(aud) => aud.clone(),
            Value::Array(auds) => auds.first()?.as_str()?.to_owned(),
            _ => return None,
        };
        let token: PlenumIdToken = hint.parse().ok()?;
        let verifier = CoreIdTokenVerifier::new_public_client(
            ClientId::new(aud.clone()),
            self.inner.issuer.clone(),
            self.jwks(),
        )
        .set_time_fn(|| DateTime::<Utc>::UNIX_EPOCH);
        let claims = token
            .claims(&verifier, |_: Option<&openidconnect::Nonce>| Ok(()))
            .ok()?;
        Some((aud, claims.subject().as_str().to_owned()))
    }
}

fn rotation(settings: &IdentitySettings) -> Duration {
    Duration::days(i64::from(settings.key_rotation_days))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials_are_url_decoded() {
        let header = format!("Basic {}", STANDARD.encode("my%20app:s3cr%2Bt%3Ax"));
        assert_eq!(
            basic_credentials(&header),
            Some(("my app".into(), "s3cr+t:x".into()))
        );
        assert_eq!(basic_credentials("Bearer abc"), None);
        assert_eq!(basic_credentials("Basic !!!"), None);
    }

    #[test]
    fn redirects_keep_the_registered_query() {
        assert_eq!(
            with_query(
                "https://a.example/cb?x=1",
                &[("code", Some("c d")), ("state", None)]
            ),
            "https://a.example/cb?x=1&code=c+d"
        );
    }
}
