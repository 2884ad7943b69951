//! Integration tests of the sign-in: the relying party talks over real HTTP
//! (ureq) to a mock provider (tiny_http on 127.0.0.1) that checks the token
//! request (client_secret_basic, PKCE S256, redirect URI, single-use codes)
//! and signs ID tokens with a test RSA key; the browser's side is simulated by
//! following the redirects and cookies by hand, and once through the app's own
//! HTTP server.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::config::{DatabaseSettings, OidcSettings, Secret};
use crate::oidc::{base64url, pkce_challenge, query_params};
use crate::rp::{RelyingParty, UreqTransport};
use crate::test_keys::TestKey;
use crate::web::{Reply, SignIn, index_page};

/// The issuer as the browser sees it (never contacted by the app).
const ISSUER: &str = "https://plenum.test";
/// A client id and secret with characters that need form-encoding.
const CLIENT_ID: &str = "demo app";
const CLIENT_SECRET: &str = "s3cr+t:x";
const PUBLIC_URL: &str = "https://a.test:18443";

/// A grant the mock provider made at its authorization endpoint.
struct Grant {
    nonce: String,
    code_challenge: String,
    redirect_uri: String,
    /// Claims replacing the defaults in the ID token.
    overrides: Value,
}

/// The mock provider's state.
struct ProviderState {
    codes: HashMap<String, Grant>,
    signer: &'static TestKey,
    jwks: String,
    token_requests: usize,
    issued_id_tokens: Vec<String>,
}

/// An OpenID Connect provider on 127.0.0.1 serving discovery, keys and token.
struct MockProvider {
    server: Arc<tiny_http::Server>,
    state: Arc<Mutex<ProviderState>>,
    url: String,
    thread: Option<JoinHandle<()>>,
}

impl MockProvider {
    fn start() -> MockProvider {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("mock provider"));
        let port = server.server_addr().to_ip().expect("an IP address").port();
        let state = Arc::new(Mutex::new(ProviderState {
            codes: HashMap::new(),
            signer: TestKey::first(),
            jwks: TestKey::first().jwks(),
            token_requests: 0,
            issued_id_tokens: Vec::new(),
        }));
        let thread = {
            let (server, state) = (server.clone(), state.clone());
            std::thread::spawn(move || {
                for mut request in server.incoming_requests() {
                    let (status, body) = answer(&mut request, &state);
                    let response = tiny_http::Response::from_string(body)
                        .with_status_code(status)
                        .with_header(
                            tiny_http::Header::from_bytes("Content-Type", "application/json")
                                .expect("header"),
                        );
                    let _ = request.respond(response);
                }
            })
        };
        MockProvider {
            server,
            state,
            url: format!("http://127.0.0.1:{port}"),
            thread: Some(thread),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, ProviderState> {
        self.state.lock().expect("mock state")
    }

    /// Rotates the provider's key: signs with and publishes only `key`.
    fn rotate_to(&self, key: &'static TestKey) {
        let mut state = self.state();
        state.signer = key;
        state.jwks = key.jwks();
    }

    /// Simulates the authorization endpoint for the URL the app redirected
    /// to: issues a code bound to its nonce, challenge and redirect URI.
    fn authorize(&self, location: &str, code: &str, overrides: Value) -> HashMap<String, String> {
        let (endpoint, _) = location.split_once('?').expect("a query");
        assert_eq!(endpoint, format!("{ISSUER}/oidc/authorize"));
        let params: HashMap<String, String> = query_params(location).into_iter().collect();
        assert_eq!(params["response_type"], "code");
        assert_eq!(params["client_id"], CLIENT_ID);
        assert_eq!(
            params["redirect_uri"],
            format!("{PUBLIC_URL}/oidc/callback")
        );
        assert_eq!(params["scope"], "openid email profile");
        assert_eq!(params["code_challenge_method"], "S256");
        for name in ["state", "nonce", "code_challenge"] {
            assert!(params[name].len() >= 43, "{name} has 256 random bits");
        }
        self.state().codes.insert(
            code.to_owned(),
            Grant {
                nonce: params["nonce"].clone(),
                code_challenge: params["code_challenge"].clone(),
                redirect_uri: params["redirect_uri"].clone(),
                overrides,
            },
        );
        params
    }
}

impl Drop for MockProvider {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The mock provider's answer to one request.
fn answer(request: &mut tiny_http::Request, state: &Mutex<ProviderState>) -> (u16, String) {
    let path = request.url().to_owned();
    match (request.method().as_str(), path.as_str()) {
        ("GET", "/.well-known/openid-configuration") => (
            200,
            json!({
                "issuer": ISSUER,
                "authorization_endpoint": format!("{ISSUER}/oidc/authorize"),
                "token_endpoint": format!("{ISSUER}/oidc/token"),
                "userinfo_endpoint": format!("{ISSUER}/oidc/userinfo"),
                "jwks_uri": format!("{ISSUER}/oidc/jwks"),
                "end_session_endpoint": format!("{ISSUER}/oidc/logout"),
                "code_challenge_methods_supported": ["S256"],
                "authorization_response_iss_parameter_supported": true,
            })
            .to_string(),
        ),
        ("GET", "/oidc/jwks") => (200, state.lock().expect("state").jwks.clone()),
        ("POST", "/oidc/token") => {
            let authorization = request
                .headers()
                .iter()
                .find(|h| h.field.equiv("Authorization"))
                .map(|h| h.value.as_str().to_owned());
            let content_type = request
                .headers()
                .iter()
                .find(|h| h.field.equiv("Content-Type"))
                .map(|h| h.value.as_str().to_owned());
            let mut body = String::new();
            let _ = request.as_reader().read_to_string(&mut body);
            let mut state = state.lock().expect("state");
            state.token_requests += 1;
            match token(&mut state, authorization, content_type, &body) {
                Ok(answer) => (200, answer.to_string()),
                Err(why) => (
                    400,
                    json!({"error": "invalid_grant", "error_description": why}).to_string(),
                ),
            }
        }
        _ => (404, json!({"error": "not_found"}).to_string()),
    }
}

/// Decodes `client_secret_basic` the way Plenum does (base64, then split at
/// the first `:`, then form-decode both halves).
fn basic_credentials(header: &str) -> Option<(String, String)> {
    let decoded = STANDARD.decode(header.strip_prefix("Basic ")?).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    let decode = |s: &str| {
        form_urlencoded::parse(format!("x={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
    };
    Some((decode(id)?, decode(secret)?))
}

/// The token endpoint: checks everything, then issues tokens.
fn token(
    state: &mut ProviderState,
    authorization: Option<String>,
    content_type: Option<String>,
    body: &str,
) -> Result<Value, String> {
    if content_type.as_deref() != Some("application/x-www-form-urlencoded") {
        return Err(format!("content type {content_type:?}"));
    }
    let credentials = authorization.as_deref().and_then(basic_credentials);
    if credentials != Some((CLIENT_ID.to_owned(), CLIENT_SECRET.to_owned())) {
        return Err(format!("bad client credentials {credentials:?}"));
    }
    let form: HashMap<String, String> = form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect();
    let field = |name: &str| form.get(name).cloned().unwrap_or_default();
    if field("grant_type") != "authorization_code" {
        return Err("grant_type".to_owned());
    }
    let grant = state
        .codes
        .remove(&field("code"))
        .ok_or("the code is unknown or was used")?;
    if field("redirect_uri") != grant.redirect_uri {
        return Err("redirect_uri differs".to_owned());
    }
    if pkce_challenge(&field("code_verifier")) != grant.code_challenge {
        return Err("PKCE verification failed".to_owned());
    }
    let access_token = format!("at-{}", field("code"));
    let digest = Sha256::digest(access_token.as_bytes());
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    let mut claims = json!({
        "iss": ISSUER,
        "sub": "17",
        "aud": [CLIENT_ID],
        "azp": CLIENT_ID,
        "exp": now + 300,
        "iat": now,
        "auth_time": now,
        "nonce": grant.nonce,
        "at_hash": base64url(&digest[..16]),
        "email": "ann@example.org",
        "email_verified": true,
        "name": "Ann <Admin>",
        "given_name": "Ann",
        "preferred_username": "ann@example.org",
        "role": "admin",
    });
    if let (Some(claims), Some(overrides)) = (claims.as_object_mut(), grant.overrides.as_object()) {
        for (name, value) in overrides {
            claims.insert(name.clone(), value.clone());
        }
    }
    let id_token = state.signer.sign(&claims);
    state.issued_id_tokens.push(id_token.clone());
    Ok(json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": 300,
        "id_token": id_token,
    }))
}

fn settings(internal_url: &str) -> OidcSettings {
    OidcSettings {
        issuer: ISSUER.to_owned(),
        internal_url: internal_url.to_owned(),
        client_id: CLIENT_ID.to_owned(),
        client_secret: Secret::new(CLIENT_SECRET),
        public_url: PUBLIC_URL.to_owned(),
    }
}

fn header<'a>(reply: &'a Reply, name: &str) -> Vec<&'a str> {
    reply
        .headers
        .iter()
        .filter(|(n, _)| *n == name)
        .map(|(_, v)| v.as_str())
        .collect()
}

/// The `name=value` part of the reply's `Set-Cookie` for `name`, as a `Cookie` header.
fn cookie_of(reply: &Reply, name: &str) -> String {
    header(reply, "Set-Cookie")
        .into_iter()
        .find(|c| c.starts_with(&format!("{name}=")))
        .and_then(|c| c.split(';').next())
        .unwrap_or_else(|| panic!("no cookie {name} in {:?}", reply.headers))
        .to_owned()
}

/// What the browser holds after `/oidc/login` and the provider's sign-in.
struct Started {
    login_cookie: String,
    state: String,
}

/// Starts a sign-in and lets the provider grant `code` with `overrides`.
fn start(rp: &RelyingParty, provider: &MockProvider, code: &str, overrides: Value) -> Started {
    let reply = rp.login();
    assert_eq!(reply.status, 302, "{}", reply.body);
    let location = header(&reply, "Location")[0];
    let set_cookie = header(&reply, "Set-Cookie")[0];
    assert!(set_cookie.starts_with("demo_login="));
    assert!(set_cookie.ends_with("; Path=/; HttpOnly; SameSite=Lax; Secure; Max-Age=600"));
    let params = provider.authorize(location, code, overrides);
    Started {
        login_cookie: cookie_of(&reply, "demo_login"),
        state: params["state"].clone(),
    }
}

fn callback_target(code: &str, state: &str, iss: &str) -> String {
    crate::oidc::with_query(
        "/oidc/callback",
        &[("code", code), ("state", state), ("iss", iss)],
    )
}

/// Signs in and returns the session cookie.
fn sign_in(rp: &RelyingParty, provider: &MockProvider, code: &str) -> String {
    let started = start(rp, provider, code, json!({}));
    let reply = rp.callback(
        &callback_target(code, &started.state, ISSUER),
        Some(&started.login_cookie),
    );
    assert_eq!(reply.status, 302, "{}", reply.body);
    assert_eq!(header(&reply, "Location"), ["/"]);
    cookie_of(&reply, "demo_session")
}

#[test]
fn sign_in_shows_the_user_and_sign_out_goes_to_the_provider() {
    let provider = MockProvider::start();
    let rp = RelyingParty::new(settings(&provider.url));
    assert_eq!(rp.user(None), None);

    let started = start(&rp, &provider, "code-1", json!({}));
    let reply = rp.callback(
        &callback_target("code-1", &started.state, ISSUER),
        Some(&format!("other=1; {}", started.login_cookie)),
    );
    assert_eq!(reply.status, 302, "{}", reply.body);
    assert_eq!(header(&reply, "Location"), ["/"]);
    let cookies = header(&reply, "Set-Cookie");
    assert_eq!(cookies.len(), 2, "{cookies:?}");
    assert!(cookies[0].starts_with("demo_session="));
    assert!(cookies[0].ends_with("; Path=/; HttpOnly; SameSite=Lax; Secure"));
    assert_eq!(
        cookies[1],
        "demo_login=; Path=/; HttpOnly; SameSite=Lax; Secure; Max-Age=0"
    );
    assert_eq!(rp.counts(), (1, 0), "one session, no pending sign-in left");

    let session = cookie_of(&reply, "demo_session");
    let user = rp.user(Some(&session)).expect("signed in");
    assert_eq!(user.sub, "17");
    assert_eq!(user.role.as_deref(), Some("admin"));
    let page = index_page("Rat", "1.1", 3, SignIn::SignedIn(&user));
    assert!(
        page.contains("<p id=\"signed-in\">Signed in as Ann &lt;Admin&gt; (ann@example.org)</p>")
    );
    assert!(page.contains("<span id=\"role\">admin</span>"));
    assert!(page.contains("<a id=\"sign-out\" href=\"/oidc/logout\">"));

    let reply = rp.logout(Some(&session));
    assert_eq!(reply.status, 302);
    let location = header(&reply, "Location")[0];
    assert!(
        location.starts_with(&format!("{ISSUER}/oidc/logout?")),
        "{location}"
    );
    let params: HashMap<String, String> = query_params(location).into_iter().collect();
    let issued = provider.state().issued_id_tokens.clone();
    assert_eq!(params["id_token_hint"], issued[0]);
    assert_eq!(params["client_id"], CLIENT_ID);
    assert_eq!(params["post_logout_redirect_uri"], format!("{PUBLIC_URL}/"));
    assert!(params["state"].len() >= 43);
    assert_eq!(
        header(&reply, "Set-Cookie"),
        ["demo_session=; Path=/; HttpOnly; SameSite=Lax; Secure; Max-Age=0"]
    );
    assert_eq!(rp.user(Some(&session)), None);
    assert_eq!(rp.counts(), (0, 0));

    // Signed out already: straight back to the start page.
    let again = rp.logout(Some(&session));
    assert_eq!((again.status, header(&again, "Location")), (302, vec!["/"]));
}

#[test]
fn the_state_is_checked_and_used_once() {
    let provider = MockProvider::start();
    let rp = RelyingParty::new(settings(&provider.url));
    let started = start(&rp, &provider, "code-1", json!({}));
    let cookie = Some(started.login_cookie.as_str());

    let forged = rp.callback(&callback_target("code-1", "forged", ISSUER), cookie);
    assert_eq!(forged.status, 400);
    assert!(
        forged.body.contains("state does not match"),
        "{}",
        forged.body
    );
    assert!(
        header(&forged, "Set-Cookie")
            .iter()
            .any(|c| c.starts_with("demo_login=;"))
    );
    // The pending sign-in is gone, even with the right state now.
    let replay = rp.callback(&callback_target("code-1", &started.state, ISSUER), cookie);
    assert_eq!(replay.status, 400);
    assert!(
        replay.body.contains("No sign-in was started"),
        "{}",
        replay.body
    );
    // Without the cookie there is no pending sign-in at all.
    let started = start(&rp, &provider, "code-2", json!({}));
    let no_cookie = rp.callback(&callback_target("code-2", &started.state, ISSUER), None);
    assert_eq!(no_cookie.status, 400);
    assert_eq!(provider.state().token_requests, 0, "no code was exchanged");
    assert_eq!(rp.counts().0, 0);
}

#[test]
fn an_answer_from_another_issuer_is_refused() {
    let provider = MockProvider::start();
    let rp = RelyingParty::new(settings(&provider.url));
    let started = start(&rp, &provider, "code-1", json!({}));
    let reply = rp.callback(
        &callback_target("code-1", &started.state, "https://evil.test"),
        Some(&started.login_cookie),
    );
    assert_eq!(reply.status, 400);
    assert!(
        reply.body.contains("another issuer (https://evil.test)"),
        "{}",
        reply.body
    );
    assert_eq!(provider.state().token_requests, 0);
}

#[test]
fn provider_errors_are_shown_escaped() {
    let provider = MockProvider::start();
    let rp = RelyingParty::new(settings(&provider.url));
    let started = start(&rp, &provider, "code-1", json!({}));
    let target = crate::oidc::with_query(
        "/oidc/callback",
        &[
            ("error", "access_denied"),
            ("error_description", "You have no access to <Rat>."),
            ("state", &started.state),
            ("iss", ISSUER),
        ],
    );
    let reply = rp.callback(&target, Some(&started.login_cookie));
    assert_eq!(reply.status, 403);
    assert!(
        reply.body.contains("<h1>Sign-in refused</h1>"),
        "{}",
        reply.body
    );
    assert!(
        reply
            .body
            .contains("access_denied: You have no access to &lt;Rat&gt;."),
        "{}",
        reply.body
    );
    let reply = rp.callback("/oidc/callback?error=server_error", None);
    assert_eq!(reply.status, 400);
    assert!(reply.body.contains("server_error"));
}

#[test]
fn bad_id_tokens_are_refused() {
    let cases = [
        (json!({"nonce": "replayed"}), "nonce"),
        (json!({"aud": ["other-app"]}), "aud"),
        (json!({"iss": "https://evil.test"}), "iss"),
        (json!({"exp": 1_000_000_000}), "expired"),
        (json!({"at_hash": "AAAAAAAAAAAAAAAAAAAAAA"}), "at_hash"),
    ];
    let provider = MockProvider::start();
    let rp = RelyingParty::new(settings(&provider.url));
    for (i, (overrides, reason)) in cases.into_iter().enumerate() {
        let code = format!("code-{i}");
        let started = start(&rp, &provider, &code, overrides);
        let reply = rp.callback(
            &callback_target(&code, &started.state, ISSUER),
            Some(&started.login_cookie),
        );
        assert_eq!(reply.status, 502, "{reason}");
        assert!(reply.body.contains(reason), "{reason}: {}", reply.body);
        assert!(
            header(&reply, "Set-Cookie")
                .iter()
                .all(|c| !c.starts_with("demo_session"))
        );
    }
    assert_eq!(rp.counts(), (0, 0));
}

#[test]
fn a_used_code_is_refused_by_the_token_endpoint() {
    let provider = MockProvider::start();
    let rp = RelyingParty::new(settings(&provider.url));
    let started = start(&rp, &provider, "code-1", json!({}));
    provider.state().codes.remove("code-1");
    let reply = rp.callback(
        &callback_target("code-1", &started.state, ISSUER),
        Some(&started.login_cookie),
    );
    assert_eq!(reply.status, 502);
    assert!(
        reply
            .body
            .contains("invalid_grant: the code is unknown or was used"),
        "{}",
        reply.body
    );
}

#[test]
fn rotated_keys_are_fetched_again() {
    let provider = MockProvider::start();
    let rp = RelyingParty::new(settings(&provider.url)).refetch_keys_at_once();
    sign_in(&rp, &provider, "code-1");
    provider.rotate_to(TestKey::second());
    sign_in(&rp, &provider, "code-2");

    // Without waiting for the refetch interval the new key stays unknown.
    let provider = MockProvider::start();
    let rp = RelyingParty::new(settings(&provider.url));
    sign_in(&rp, &provider, "code-1");
    provider.rotate_to(TestKey::second());
    let started = start(&rp, &provider, "code-2", json!({}));
    let reply = rp.callback(
        &callback_target("code-2", &started.state, ISSUER),
        Some(&started.login_cookie),
    );
    assert_eq!(reply.status, 502);
    assert!(reply.body.contains("no key"), "{}", reply.body);
}

#[test]
fn an_unreachable_provider_is_a_502() {
    let rp = RelyingParty::new(settings("http://127.0.0.1:1"));
    let reply = rp.login();
    assert_eq!(reply.status, 502);
    assert!(
        reply
            .body
            .contains("cannot reach http://127.0.0.1:1/.well-known/openid-configuration"),
        "{}",
        reply.body
    );
    assert!(header(&reply, "Set-Cookie").is_empty());
}

/// The whole round trip through the app's own HTTP server (routing, cookies
/// and headers as tiny_http writes them), with a browser simulated by ureq.
#[test]
fn the_http_server_wires_the_sign_in() {
    let provider = MockProvider::start();
    let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("app server"));
    let port = server.server_addr().to_ip().expect("IP").port();
    let app = Arc::new(crate::App {
        config: crate::config::Config {
            port,
            instance_name: "Rat".to_owned(),
            app_version: "1.1".to_owned(),
            database: DatabaseSettings {
                host: "127.0.0.1".to_owned(),
                port: 1,
                name: "none".to_owned(),
                user: "none".to_owned(),
                password_file: None,
            },
            oidc: Some(settings(&provider.url)),
        },
        database: crate::db::Database::new(DatabaseSettings {
            host: "127.0.0.1".to_owned(),
            port: 1,
            name: "none".to_owned(),
            user: "none".to_owned(),
            password_file: None,
        }),
        relying_party: Some(RelyingParty::<UreqTransport>::new(settings(&provider.url))),
    });
    let worker = {
        let (server, app) = (server.clone(), app.clone());
        std::thread::spawn(move || crate::serve(&server, &app))
    };
    let browser = ureq::Agent::new_with_config(
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .proxy(None)
            .build(),
    );
    let base = format!("http://127.0.0.1:{port}");
    let get = |path: &str, cookie: Option<&str>| {
        let mut request = browser.get(format!("{base}{path}"));
        if let Some(cookie) = cookie {
            request = request.header("Cookie", cookie);
        }
        request.call().expect("app answers")
    };
    let headers = |response: &ureq::http::Response<ureq::Body>, name: &str| -> Vec<String> {
        response
            .headers()
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(str::to_owned)
            .collect()
    };

    let login = get("/oidc/login", None);
    assert_eq!(login.status(), 302);
    let location = headers(&login, "Location").remove(0);
    let login_cookie = headers(&login, "Set-Cookie")
        .remove(0)
        .split(';')
        .next()
        .expect("cookie")
        .to_owned();
    let params = provider.authorize(&location, "code-1", json!({"role": "participant"}));

    let callback = get(
        &callback_target("code-1", &params["state"], ISSUER),
        Some(&format!("theme=dark; {login_cookie}")),
    );
    assert_eq!(callback.status(), 302);
    assert_eq!(headers(&callback, "Location"), ["/"]);
    let set_cookies = headers(&callback, "Set-Cookie");
    assert_eq!(set_cookies.len(), 2, "{set_cookies:?}");
    let session = set_cookies[0].split(';').next().expect("cookie").to_owned();
    assert!(session.starts_with("demo_session="));
    let user = app
        .relying_party
        .as_ref()
        .and_then(|rp| rp.user(Some(&session)))
        .expect("signed in");
    assert_eq!(user.role.as_deref(), Some("participant"));

    // The page itself needs the database (down here: 503).
    assert_eq!(get("/", Some(&session)).status(), 503);

    let logout = get("/oidc/logout", Some(&session));
    assert_eq!(logout.status(), 302);
    assert!(
        headers(&logout, "Location")[0]
            .starts_with(&format!("{ISSUER}/oidc/logout?id_token_hint="))
    );
    assert_eq!(
        headers(&logout, "Cache-Control"),
        ["no-store"],
        "no answer of the sign-in is cached"
    );

    server.unblock();
    let _ = worker.join();
}
