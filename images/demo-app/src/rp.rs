//! The OpenID Connect relying party: sign-in with the authorization code flow
//! (PKCE S256, `state`, `nonce`, `iss` checked), sessions and RP-initiated
//! logout. The protocol's rules are in [`crate::oidc`], the session store in
//! [`crate::sessions`]; this module does the I/O: random values, the clock, and
//! the HTTP calls to the provider (through a [`Transport`], plain HTTP with
//! [`UreqTransport`]).
//!
//! The provider's discovery document is fetched on first use (from
//! `OIDC_INTERNAL_URL`) and kept; its key set is fetched on first use and again
//! when an ID token names an unknown key (at most every
//! [`KEYS_REFETCH_INTERVAL`]), so key rotations need no restart.
//!
//! Sessions and pending sign-ins live in this process's memory (see
//! [`crate::sessions`]): each map keeps at most [`MAX_ENTRIES`] entries.

use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::config::OidcSettings;
use crate::oidc::{
    self, AuthorizationRequest, Endpoints, Expected, IdTokenError, KeySet, Tokens, User,
};
use crate::sessions::{BoundedMap, LOGIN_COOKIE, SESSION_COOKIE, clear_cookie, cookie, set_cookie};
use crate::web::{Reply, failure_page};

/// At most this many sessions, and this many pending sign-ins, are kept; beyond,
/// the oldest are dropped.
pub const MAX_ENTRIES: usize = 10_000;
/// How long a started sign-in may take (also the `demo_login` cookie's lifetime).
pub const LOGIN_TIMEOUT: Duration = Duration::from_secs(10 * 60);
/// How long a session lasts: as long as Plenum's tokens (10 minutes by default), so that a
/// person whose access was revoked is out within that bound; signing in again is one
/// redirect while their Plenum session and access last.
pub const SESSION_LIFETIME: Duration = Duration::from_secs(10 * 60);
/// The key set is fetched again for an unknown key id at most this often.
pub const KEYS_REFETCH_INTERVAL: Duration = Duration::from_secs(10);
/// Time limit of one call to the provider.
pub const PROVIDER_TIMEOUT: Duration = Duration::from_secs(10);

/// An HTTP answer: status and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpAnswer {
    /// The status code.
    pub status: u16,
    /// The body as text.
    pub body: String,
}

/// How the app talks to the provider (server to server).
pub trait Transport: Send + Sync {
    /// `GET url`.
    fn get(&self, url: &str) -> Result<HttpAnswer, String>;
    /// `POST url` with a form body and an `Authorization` header.
    fn post_form(&self, url: &str, authorization: &str, body: &str) -> Result<HttpAnswer, String>;
}

/// [`Transport`] over plain HTTP with `ureq` (no TLS, no proxy, no redirects,
/// [`PROVIDER_TIMEOUT`] per call; any status is an answer).
pub struct UreqTransport {
    /// The HTTP client (keeps connections to the provider).
    agent: ureq::Agent,
}

impl UreqTransport {
    /// A transport with the settings above.
    pub fn new() -> UreqTransport {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(PROVIDER_TIMEOUT))
            .max_redirects(0)
            .proxy(None)
            .user_agent(concat!("plenum-demo-app/", env!("CARGO_PKG_VERSION")))
            .build();
        UreqTransport {
            agent: ureq::Agent::new_with_config(config),
        }
    }
}

impl Default for UreqTransport {
    fn default() -> Self {
        UreqTransport::new()
    }
}

/// Reads an answer's body, naming the URL in errors.
fn answer(
    url: &str,
    result: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
) -> Result<HttpAnswer, String> {
    let mut response = result.map_err(|e| format!("cannot reach {url}: {e}"))?;
    let status = response.status().as_u16();
    let body = response
        .body_mut()
        .read_to_string()
        .map_err(|e| format!("cannot read the answer of {url}: {e}"))?;
    Ok(HttpAnswer { status, body })
}

impl Transport for UreqTransport {
    fn get(&self, url: &str) -> Result<HttpAnswer, String> {
        answer(
            url,
            self.agent
                .get(url)
                .header("Accept", "application/json")
                .call(),
        )
    }

    fn post_form(&self, url: &str, authorization: &str, body: &str) -> Result<HttpAnswer, String> {
        answer(
            url,
            self.agent
                .post(url)
                .header("Accept", "application/json")
                .header("Authorization", authorization)
                .content_type("application/x-www-form-urlencoded")
                .send(body),
        )
    }
}

/// A sign-in started in a browser, waiting for the provider's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingLogin {
    /// The `state` sent to the provider.
    pub state: String,
    /// The `nonce` sent to the provider.
    pub nonce: String,
    /// The PKCE verifier whose challenge was sent.
    pub code_verifier: String,
}

/// A signed-in browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// Who is signed in.
    pub user: User,
    /// The raw ID token (the `id_token_hint` of the logout).
    pub id_token: String,
}

/// What is known about the provider.
#[derive(Default)]
struct ProviderCache {
    /// From the discovery document (kept once fetched).
    endpoints: Option<Endpoints>,
    /// The key set last fetched.
    keys: Option<KeySet>,
    /// When the key set was last fetched.
    keys_fetched: Option<Instant>,
}

/// The relying party: settings, the provider's cached metadata, and the
/// in-memory sessions and pending sign-ins (per process).
pub struct RelyingParty<T: Transport = UreqTransport> {
    /// The configuration.
    settings: OidcSettings,
    /// How the provider is called.
    transport: T,
    /// What is known about the provider.
    provider: Mutex<ProviderCache>,
    /// Pending sign-ins by the `demo_login` cookie's value.
    pending: Mutex<BoundedMap<PendingLogin>>,
    /// Sessions by the `demo_session` cookie's value.
    sessions: Mutex<BoundedMap<Session>>,
    /// Minimum time between two fetches of the key set for an unknown key.
    keys_refetch_interval: Duration,
}

/// Locks `mutex`, also when another thread panicked while holding it (the maps
/// stay consistent: every change is a single insert or removal).
fn lock<V>(mutex: &Mutex<V>) -> MutexGuard<'_, V> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// 32 random bytes, base64url (state, nonce, PKCE verifier, cookie keys).
fn random_value() -> Result<String, String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| format!("no random numbers: {e}"))?;
    Ok(oidc::base64url(&bytes))
}

/// Seconds since the Unix epoch.
fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The answer when the app itself fails (no secrets in `reason`).
fn internal_failure(reason: &str) -> Reply {
    eprintln!("demo-app: sign-in failed: {reason}");
    failure_page(500, "Sign-in failed", reason)
}

/// The answer when the provider cannot be used (no secrets in `reason`).
fn provider_failure(reason: &str) -> Reply {
    eprintln!("demo-app: sign-in failed: {reason}");
    failure_page(502, "Sign-in failed", reason)
}

impl RelyingParty<UreqTransport> {
    /// The relying party for `settings`, talking to the provider over HTTP.
    pub fn new(settings: OidcSettings) -> Self {
        RelyingParty::with_transport(settings, UreqTransport::new())
    }
}

impl<T: Transport> RelyingParty<T> {
    /// The relying party for `settings`, talking to the provider through `transport`.
    pub fn with_transport(settings: OidcSettings, transport: T) -> Self {
        RelyingParty {
            settings,
            transport,
            provider: Mutex::new(ProviderCache::default()),
            pending: Mutex::new(BoundedMap::new(MAX_ENTRIES, LOGIN_TIMEOUT)),
            sessions: Mutex::new(BoundedMap::new(MAX_ENTRIES, SESSION_LIFETIME)),
            keys_refetch_interval: KEYS_REFETCH_INTERVAL,
        }
    }

    /// The person signed in with the request's `Cookie` header, if any.
    pub fn user(&self, cookies: Option<&str>) -> Option<User> {
        let id = cookie(cookies, SESSION_COOKIE)?;
        lock(&self.sessions)
            .get(id, Instant::now())
            .map(|session| session.user.clone())
    }

    /// `GET /oidc/login`: remembers a new pending sign-in under a random key
    /// (cookie `demo_login`) and sends the browser to the provider.
    pub fn login(&self) -> Reply {
        let endpoints = match self.endpoints() {
            Ok(endpoints) => endpoints,
            Err(e) => return provider_failure(&e),
        };
        let values = (|| {
            Ok::<_, String>((
                random_value()?,
                random_value()?,
                random_value()?,
                random_value()?,
            ))
        })();
        let (key, state, nonce, code_verifier) = match values {
            Ok(values) => values,
            Err(e) => return internal_failure(&e),
        };
        let redirect_uri = self.settings.redirect_uri();
        let location = oidc::authorization_url(&AuthorizationRequest {
            endpoint: &endpoints.authorization,
            client_id: &self.settings.client_id,
            redirect_uri: &redirect_uri,
            state: &state,
            nonce: &nonce,
            code_challenge: &oidc::pkce_challenge(&code_verifier),
        });
        lock(&self.pending).insert(
            key.clone(),
            PendingLogin {
                state,
                nonce,
                code_verifier,
            },
            Instant::now(),
        );
        Reply::redirect(location).with_cookie(set_cookie(
            LOGIN_COOKIE,
            &key,
            self.settings.secure_cookies(),
            Some(LOGIN_TIMEOUT),
        ))
    }

    /// `GET /oidc/callback?…` (`target` is the request target): checks the
    /// answer against the browser's pending sign-in (used up either way),
    /// exchanges the code, verifies the ID token and starts a session
    /// (cookie `demo_session`), then sends the browser to `/`.
    pub fn callback(&self, target: &str, cookies: Option<&str>) -> Reply {
        let secure = self.settings.secure_cookies();
        let pending = cookie(cookies, LOGIN_COOKIE)
            .and_then(|key| lock(&self.pending).take(key, Instant::now()));
        let reply = match self.complete(target, pending.as_ref()) {
            Ok(session) => match random_value() {
                Ok(id) => {
                    eprintln!(
                        "demo-app: signed in {} (role {})",
                        session.user.sub,
                        session.user.role.as_deref().unwrap_or("none")
                    );
                    // A new session replaces the browser's old one.
                    if let Some(old) = cookie(cookies, SESSION_COOKIE) {
                        lock(&self.sessions).take(old, Instant::now());
                    }
                    lock(&self.sessions).insert(id.clone(), session, Instant::now());
                    Reply::redirect("/").with_cookie(set_cookie(SESSION_COOKIE, &id, secure, None))
                }
                Err(e) => internal_failure(&e),
            },
            Err(reply) => reply,
        };
        if cookie(cookies, LOGIN_COOKIE).is_some() {
            reply.with_cookie(clear_cookie(LOGIN_COOKIE, secure))
        } else {
            reply
        }
    }

    /// The callback's work: the session to start, or the error page.
    fn complete(&self, target: &str, pending: Option<&PendingLogin>) -> Result<Session, Reply> {
        let params = oidc::query_params(target);
        let code = oidc::check_callback(
            &params,
            pending.map(|p| p.state.as_str()),
            &self.settings.issuer,
        )
        .map_err(|e| {
            eprintln!("demo-app: sign-in refused: {e:?}");
            let heading = if e.status() == 403 {
                "Sign-in refused"
            } else {
                "Sign-in failed"
            };
            failure_page(e.status(), heading, &e.message())
        })?;
        // check_callback refuses answers without a pending sign-in.
        let pending = pending.ok_or_else(|| internal_failure("no pending sign-in"))?;
        let endpoints = self.endpoints().map_err(|e| provider_failure(&e))?;
        let tokens = self
            .exchange(&endpoints, &code, &pending.code_verifier)
            .map_err(|e| provider_failure(&e))?;
        let user = self
            .verify(&endpoints, &tokens, &pending.nonce)
            .map_err(|e| provider_failure(&e))?;
        Ok(Session {
            user,
            id_token: tokens.id_token,
        })
    }

    /// Exchanges the code at the token endpoint (`client_secret_basic`).
    fn exchange(
        &self,
        endpoints: &Endpoints,
        code: &str,
        verifier: &str,
    ) -> Result<Tokens, String> {
        let body = oidc::token_request_body(code, &self.settings.redirect_uri(), verifier);
        let authorization = oidc::basic_authorization(
            &self.settings.client_id,
            self.settings.client_secret.expose(),
        );
        let answer = self
            .transport
            .post_form(&endpoints.token, &authorization, &body)?;
        oidc::parse_token_response(answer.status, &answer.body)
    }

    /// Verifies the ID token, fetching the key set when it is not known yet
    /// or lacks the token's key.
    fn verify(&self, endpoints: &Endpoints, tokens: &Tokens, nonce: &str) -> Result<User, String> {
        let expected = Expected {
            issuer: &self.settings.issuer,
            client_id: &self.settings.client_id,
            nonce,
            now: unix_now(),
            access_token: tokens.access_token.as_deref(),
        };
        let cached = lock(&self.provider).keys.clone();
        let keys = match cached {
            Some(keys) => keys,
            None => self.fetch_keys(endpoints)?,
        };
        match oidc::verify_id_token(&tokens.id_token, &keys, &expected) {
            Err(IdTokenError::UnknownKey(_)) if self.may_refetch_keys() => {
                let keys = self.fetch_keys(endpoints)?;
                oidc::verify_id_token(&tokens.id_token, &keys, &expected)
            }
            result => result,
        }
        .map_err(|e| e.to_string())
    }

    /// Whether the key set was fetched long enough ago to fetch it again.
    fn may_refetch_keys(&self) -> bool {
        lock(&self.provider)
            .keys_fetched
            .is_none_or(|at| at.elapsed() >= self.keys_refetch_interval)
    }

    /// Fetches the key set and keeps it.
    fn fetch_keys(&self, endpoints: &Endpoints) -> Result<KeySet, String> {
        let answer = self.transport.get(&endpoints.jwks)?;
        if answer.status != 200 {
            return Err(format!(
                "the key set {} answered status {}",
                endpoints.jwks, answer.status
            ));
        }
        let keys = KeySet::parse(&answer.body)?;
        let mut provider = lock(&self.provider);
        provider.keys = Some(keys.clone());
        provider.keys_fetched = Some(Instant::now());
        Ok(keys)
    }

    /// The provider's endpoints, from its discovery document (fetched once).
    fn endpoints(&self) -> Result<Endpoints, String> {
        if let Some(endpoints) = &lock(&self.provider).endpoints {
            return Ok(endpoints.clone());
        }
        let url = format!(
            "{}/.well-known/openid-configuration",
            self.settings.internal_url
        );
        let answer = self.transport.get(&url)?;
        if answer.status != 200 {
            return Err(format!(
                "the discovery document {url} answered status {}",
                answer.status
            ));
        }
        let endpoints = oidc::parse_discovery(
            &answer.body,
            &self.settings.issuer,
            &self.settings.internal_url,
        )?;
        lock(&self.provider).endpoints = Some(endpoints.clone());
        Ok(endpoints)
    }

    /// `GET /oidc/logout`: ends the browser's session here, then sends it to
    /// the provider's end-session endpoint (with `id_token_hint`,
    /// `post_logout_redirect_uri` = `PUBLIC_URL/` and a `state`), or to `/`
    /// when nobody was signed in.
    pub fn logout(&self, cookies: Option<&str>) -> Reply {
        let secure = self.settings.secure_cookies();
        let session = cookie(cookies, SESSION_COOKIE)
            .and_then(|id| lock(&self.sessions).take(id, Instant::now()));
        let reply = match session {
            None => Reply::redirect("/"),
            Some(session) => {
                eprintln!("demo-app: signed out {}", session.user.sub);
                match self.logout_location(&session) {
                    Ok(location) => Reply::redirect(location),
                    Err(e) => {
                        eprintln!("demo-app: provider logout unavailable: {e}");
                        failure_page(
                            502,
                            "Signed out of the demo app only",
                            &format!(
                                "You are signed out of this app, but not at the provider: {e}"
                            ),
                        )
                    }
                }
            }
        };
        if cookie(cookies, SESSION_COOKIE).is_some() {
            reply.with_cookie(clear_cookie(SESSION_COOKIE, secure))
        } else {
            reply
        }
    }

    /// The provider's logout URL for `session`.
    fn logout_location(&self, session: &Session) -> Result<String, String> {
        let endpoints = self.endpoints()?;
        let end_session = endpoints
            .end_session
            .ok_or("the provider announces no end_session_endpoint")?;
        Ok(oidc::logout_url(
            &end_session,
            &session.id_token,
            &self.settings.client_id,
            &self.settings.post_logout_redirect_uri(),
            &random_value()?,
        ))
    }
}

#[cfg(test)]
impl<T: Transport> RelyingParty<T> {
    /// Number of sessions and pending sign-ins held.
    pub fn counts(&self) -> (usize, usize) {
        (lock(&self.sessions).len(), lock(&self.pending).len())
    }

    /// Lets tests fetch the key set again at once.
    pub fn refetch_keys_at_once(mut self) -> Self {
        self.keys_refetch_interval = Duration::ZERO;
        self
    }
}
