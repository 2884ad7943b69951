//! Plenum as OpenID Connect provider over HTTP, on SQLite and PostgreSQL: discovery and keys
//! checked field by field against OpenID Connect Discovery 1.0 and Core 1.0, the code flow
//! with PKCE (ID token verified with the `openidconnect` crate as a relying party would),
//! userinfo, refresh rotation, revocation, logout, access by organisation role and grant,
//! and each abuse case: open redirects, code replay, PKCE downgrade, `alg: none` and
//! wrong-key tokens, mixed-up issuers, expired codes, other clients' codes.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chrono::Utc;
use identity::claims::PlenumIdToken;
use identity::clients::ClientRequest;
use openidconnect::core::{CoreIdTokenVerifier, CoreJsonWebKeySet};
use openidconnect::{AccessToken, AccessTokenHash, ClientId, IssuerUrl, Nonce};
use reqwest::StatusCode;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::common::{BACKENDS, Client, PASSWORD, TestServer, email};
use crate::instances::create_instance;

const CALLBACK: &str = "http://127.0.0.1:9/callback";
const LOGGED_OUT: &str = "http://127.0.0.1:9/logged-out";
const VERIFIER: &str = "a-verifier-of-at-least-43-characters-0123456789";

/// A registered relying party.
struct Rp {
    client_id: String,
    secret: Option<String>,
}

async fn register(server: &TestServer, instance_id: Option<i64>, confidential: bool) -> Rp {
    let (record, secret) = server
        .state
        .identity
        .register_client(ClientRequest {
            name: "Congress app".into(),
            instance_id,
            confidential,
            redirect_uris: vec![CALLBACK.into()],
            post_logout_redirect_uris: vec![LOGGED_OUT.into()],
        })
        .await
        .unwrap();
    Rp {
        client_id: record.client_id,
        secret: secret.map(|s| s.expose_str().unwrap().to_owned()),
    }
}

fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

fn query(url: &str) -> BTreeMap<String, String> {
    reqwest::Url::parse(url)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect()
}

fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("location")
        .unwrap_or_else(|| panic!("a redirect, got {}", response.status()))
        .to_str()
        .unwrap()
        .to_owned()
}

impl Rp {
    /// The authorization request's parameters, with PKCE.
    fn params(&self, state: &str, nonce: &str) -> Vec<(String, String)> {
        [
            ("response_type", "code"),
            ("client_id", self.client_id.as_str()),
            ("redirect_uri", CALLBACK),
            ("scope", "openid email profile"),
            ("state", state),
            ("nonce", nonce),
            ("code_challenge", &challenge(VERIFIER)),
            ("code_challenge_method", "S256"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
    }

    /// Asks for a code in `browser`'s session; the redirect's query.
    async fn code(
        &self,
        browser: &Client,
        params: &[(String, String)],
    ) -> BTreeMap<String, String> {
        let response = authorize(browser, params).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{params:?}");
        let to = location(&response);
        assert!(to.starts_with(CALLBACK), "{to}");
        query(&to)
    }

    /// POSTs `form` to the token endpoint with client_secret_basic.
    async fn token(&self, server: &TestServer, form: &[(&str, &str)]) -> (StatusCode, Value) {
        let mut request = reqwest::Client::new()
            .post(format!("{}/oidc/token", server.base))
            .form(form);
        if let Some(secret) = &self.secret {
            request = request.header(
                "authorization",
                format!(
                    "Basic {}",
                    STANDARD.encode(format!("{}:{secret}", self.client_id))
                ),
            );
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.headers().get("cache-control").unwrap(), "no-store");
        (response.status(), response.json().await.unwrap())
    }

    async fn redeem(&self, server: &TestServer, code: &str) -> (StatusCode, Value) {
        self.token(
            server,
            &[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", CALLBACK),
                ("code_verifier", VERIFIER),
            ],
        )
        .await
    }
}

async fn authorize(browser: &Client, params: &[(String, String)]) -> reqwest::Response {
    browser
        .http
        .get(format!("{}/oidc/authorize", browser.base))
        .query(params)
        .send()
        .await
        .unwrap()
}

async fn userinfo(server: &TestServer, access_token: &str) -> (StatusCode, Value) {
    let response = reqwest::Client::new()
        .get(format!("{}/oidc/userinfo", server.base))
        .bearer_auth(access_token)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn jwks(server: &TestServer) -> CoreJsonWebKeySet {
    reqwest::get(format!("{}/oidc/jwks", server.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// A customer with an organisation and a running instance in it, signed in in `browser`.
async fn customer_with_instance(server: &TestServer, slug: &str) -> (Client, String, i64) {
    let browser = server.client();
    let address = email("owner");
    assert!(
        browser
            .sign_up(&address, PASSWORD)
            .await
            .status
            .is_success()
    );
    let org_id = browser.first_org_id().await;
    let instance_id = create_instance(server, org_id, slug).await;
    (browser, address, instance_id)
}

#[tokio::test]
async fn discovery_and_keys_follow_the_specifications() {
    for backend in BACKENDS {
        let server = TestServer::start(backend).await;
        let doc: Value = reqwest::get(format!("{}/.well-known/openid-configuration", server.base))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let issuer = doc["issuer"].as_str().unwrap();
        assert_eq!(issuer, server.base, "the public URL, without a slash");
        for (field, path) in [
            ("authorization_endpoint", "/oidc/authorize"),
            ("token_endpoint", "/oidc/token"),
            ("userinfo_endpoint", "/oidc/userinfo"),
            ("jwks_uri", "/oidc/jwks"),
            ("revocation_endpoint", "/oidc/revoke"),
            ("end_session_endpoint", "/oidc/logout"),
        ] {
            assert_eq!(doc[field], format!("{issuer}{path}"), "{field}");
        }
        // Discovery 3: REQUIRED fields and the values Plenum supports.
        assert_eq!(doc["response_types_supported"], serde_json::json!(["code"]));
        assert_eq!(
            doc["subject_types_supported"],
            serde_json::json!(["public"])
        );
        assert_eq!(
            doc["id_token_signing_alg_values_supported"],
            serde_json::json!(["RS256"])
        );
        assert_eq!(
            doc["code_challenge_methods_supported"],
            serde_json::json!(["S256"])
        );
        assert_eq!(doc["authorization_response_iss_parameter_supported"], true);
        assert_eq!(
            doc["grant_types_supported"],
            serde_json::json!(["authorization_code", "refresh_token"])
        );
        let scopes = doc["scopes_supported"].as_array().unwrap();
        assert!(scopes.contains(&"openid".into()), "{scopes:?}");
        let claims = doc["claims_supported"].as_array().unwrap();
        for claim in [
            "sub",
            "email",
            "email_verified",
            "name",
            "given_name",
            "family_name",
            "preferred_username",
            "role",
        ] {
            assert!(claims.contains(&claim.into()), "{claim}");
        }
        let methods = doc["token_endpoint_auth_methods_supported"]
            .as_array()
            .unwrap();
        assert!(methods.contains(&"client_secret_basic".into()));
        // The crate's own parser accepts the document.
        let _: identity::metadata::PlenumProviderMetadata =
            serde_json::from_value(doc.clone()).unwrap();

        let keys: Value = reqwest::get(format!("{}/oidc/jwks", server.base))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let keys = keys["keys"].as_array().unwrap();
        assert_eq!(keys.len(), 1);
        let key = &keys[0];
        assert_eq!(key["kty"], "RSA");
        assert_eq!(key["use"], "sig");
        assert!(key["kid"].as_str().is_some_and(|k| !k.is_empty()));
        assert_eq!(key["e"], "AQAB");
        let n = URL_SAFE_NO_PAD.decode(key["n"].as_str().unwrap()).unwrap();
        assert_eq!(n.len(), 256, "a 2048-bit modulus");
        for private in ["d", "p", "q", "dp", "dq", "qi"] {
            assert!(
                key.get(private).is_none(),
                "private part {private} published"
            );
        }
    }
}

#[tokio::test]
async fn the_code_flow_signs_in_an_instance_owner_and_tokens_follow_the_rules() {
    for backend in BACKENDS {
        let server = TestServer::start(backend).await;
        let (browser, address, instance_id) = customer_with_instance(&server, "congress").await;
        let rp = register(&server, Some(instance_id), true).await;

        // Signed out: the request waits for the sign-in and comes back to the same URL.
        let stranger = server.client();
        let response = authorize(&stranger, &rp.params("s1", "n1")).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let login = location(&response);
        assert!(login.starts_with("/login?next="), "{login}");
        let next = query(&format!("http://x{login}"))["next"].clone();
        assert!(next.starts_with("/oidc/authorize?"), "{next}");
        let signed_in = stranger
            .call(
                "auth/login",
                &[("email", &address), ("password", PASSWORD), ("next", &next)],
            )
            .await;
        assert!(signed_in.status.is_redirection() || signed_in.status.is_success());
        let back = authorize_path(&stranger, &next).await;
        assert_eq!(back.status(), StatusCode::SEE_OTHER);
        let answer = query(&location(&back));
        assert_eq!(answer["state"], "s1");
        assert_eq!(answer["iss"], server.base, "RFC 9207 iss");

        // The code, redeemed with PKCE and client_secret_basic.
        let answer = rp.code(&browser, &rp.params("s2", "nonce-2")).await;
        let (status, tokens) = rp.redeem(&server, &answer["code"]).await;
        assert_eq!(status, StatusCode::OK, "{tokens}");
        assert_eq!(tokens["token_type"], "Bearer");
        assert_eq!(tokens["expires_in"], 600);
        assert_eq!(tokens["scope"], "openid email profile");
        let access = tokens["access_token"].as_str().unwrap();
        let refresh = tokens["refresh_token"].as_str().unwrap();

        // The ID token, verified like a relying party does.
        let verifier = CoreIdTokenVerifier::new_public_client(
            ClientId::new(rp.client_id.clone()),
            IssuerUrl::new(server.base.clone()).unwrap(),
            jwks(&server).await,
        );
        let id_token: PlenumIdToken = tokens["id_token"].as_str().unwrap().parse().unwrap();
        let claims = id_token
            .claims(&verifier, &Nonce::new("nonce-2".into()))
            .unwrap();
        let user_id = browser.me().await["id"].as_i64().unwrap();
        assert_eq!(claims.subject().as_str(), user_id.to_string());
        assert_eq!(claims.email().unwrap().as_str(), address);
        assert_eq!(
            claims.email_verified(),
            Some(false),
            "sign-up does not verify"
        );
        assert_eq!(claims.preferred_username().unwrap().as_str(), address);
        assert_eq!(
            claims.additional_claims().role.as_deref(),
            Some("admin"),
            "owner"
        );
        assert_eq!(claims.audiences().len(), 1);
        assert!(claims.auth_time().is_some());
        assert!(claims.expiration() > Utc::now());
        assert!(claims.expiration() <= Utc::now() + chrono::Duration::minutes(10));
        let at_hash = AccessTokenHash::from_token(
            &AccessToken::new(access.to_owned()),
            id_token.signing_alg().unwrap(),
            id_token.signing_key(&verifier).unwrap(),
        )
        .unwrap();
        assert_eq!(claims.access_token_hash(), Some(&at_hash));
        assert!(
            id_token
                .claims(&verifier, &Nonce::new("another nonce".into()))
                .is_err(),
            "the nonce is bound"
        );

        // Userinfo.
        let (status, info) = userinfo(&server, access).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(info["sub"], user_id.to_string());
        assert_eq!(info["email"], address);
        assert_eq!(info["role"], "admin");

        // Refresh rotates: the new pair works, the old refresh token is spent, and
        // presenting it again revokes the whole family.
        let (status, rotated) = rp
            .token(
                &server,
                &[("grant_type", "refresh_token"), ("refresh_token", refresh)],
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{rotated}");
        let new_access = rotated["access_token"].as_str().unwrap();
        assert_ne!(rotated["refresh_token"], tokens["refresh_token"]);
        assert_eq!(userinfo(&server, new_access).await.0, StatusCode::OK);
        let (status, reused) = rp
            .token(
                &server,
                &[("grant_type", "refresh_token"), ("refresh_token", refresh)],
            )
            .await;
        assert_eq!(
            (status, reused["error"].as_str()),
            (StatusCode::BAD_REQUEST, Some("invalid_grant"))
        );
        assert_eq!(
            userinfo(&server, new_access).await.0,
            StatusCode::UNAUTHORIZED
        );
        let (status, _) = rp
            .token(
                &server,
                &[
                    ("grant_type", "refresh_token"),
                    ("refresh_token", rotated["refresh_token"].as_str().unwrap()),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "the family is gone");

        // Revocation (RFC 7009) of an access token.
        let answer = rp.code(&browser, &rp.params("s3", "n3")).await;
        let (_, tokens) = rp.redeem(&server, &answer["code"]).await;
        let access = tokens["access_token"].as_str().unwrap();
        let revoked = reqwest::Client::new()
            .post(format!("{}/oidc/revoke", server.base))
            .basic_auth(&rp.client_id, rp.secret.as_deref())
            .form(&[("token", access)])
            .send()
            .await
            .unwrap();
        assert_eq!(revoked.status(), StatusCode::OK);
        assert_eq!(userinfo(&server, access).await.0, StatusCode::UNAUTHORIZED);
    }
}

async fn authorize_path(browser: &Client, path_and_query: &str) -> reqwest::Response {
    browser
        .http
        .get(format!("{}{path_and_query}", browser.base))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn access_follows_organisation_roles_grants_and_revocation() {
    for backend in BACKENDS {
        let server = TestServer::start(backend).await;
        let (_owner, _, instance_id) = customer_with_instance(&server, "assembly").await;
        let rp = register(&server, Some(instance_id), true).await;
        let delegate = server.client();
        let address = email("delegate");
        delegate.sign_up(&address, PASSWORD).await;

        // No grant: a clear page, no code.
        let response = authorize(&delegate, &rp.params("s", "n")).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        let page = response.text().await.unwrap();
        assert!(
            page.contains("sso-no-access") && page.contains("Congress app"),
            "{page}"
        );

        // Granted as participant, with names: admitted with that role and those names.
        let today = Utc::now().date_naive();
        let rosa = [address.as_str(), "Rosa", "Lux", "participant"];
        server.grant(instance_id, rosa, today, today).await;
        let answer = rp.code(&delegate, &rp.params("s", "n")).await;
        let (status, tokens) = rp.redeem(&server, &answer["code"]).await;
        assert_eq!(status, StatusCode::OK, "{tokens}");
        let (_, info) = userinfo(&server, tokens["access_token"].as_str().unwrap()).await;
        assert_eq!(info["role"], "participant");
        assert_eq!(info["name"], "Rosa Lux");
        assert_eq!(info["given_name"], "Rosa");

        // A grant that starts tomorrow does not admit today.
        let tomorrow = today + chrono::Days::new(1);
        server.grant(instance_id, rosa, tomorrow, tomorrow).await;
        assert_eq!(
            authorize(&delegate, &rp.params("s", "n")).await.status(),
            StatusCode::FORBIDDEN
        );

        // Revoked: the refresh is refused and the tokens stop working.
        let grant = server
            .state
            .db
            .access_of(instance_id, &address)
            .await
            .unwrap()
            .unwrap();
        server
            .state
            .db
            .revoke_access(instance_id, grant.id)
            .await
            .unwrap();
        let (status, refused) = rp
            .token(
                &server,
                &[
                    ("grant_type", "refresh_token"),
                    ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
                ],
            )
            .await;
        assert_eq!(
            (status, refused["error"].as_str()),
            (StatusCode::BAD_REQUEST, Some("invalid_grant"))
        );
        assert_eq!(
            userinfo(&server, tokens["access_token"].as_str().unwrap())
                .await
                .0,
            StatusCode::UNAUTHORIZED
        );
    }
}

#[tokio::test]
async fn abuse_is_refused() {
    for backend in BACKENDS {
        let server = TestServer::start_with(backend, |s| s.identity.code_seconds = 1).await;
        let (browser, owner, instance_id) = customer_with_instance(&server, "plenary").await;
        let rp = register(&server, Some(instance_id), true).await;
        let other = register(
            &server,
            Some(create_instance(&server, 1, "second").await),
            true,
        )
        .await;
        let public = register(&server, None, false).await;

        // Open redirect: an unregistered redirect URI is never followed.
        let mut params = rp.params("s", "n");
        params.retain(|(k, _)| k != "redirect_uri");
        params.push((
            "redirect_uri".into(),
            "https://evil.example/callback".into(),
        ));
        let response = authorize(&browser, &params).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert!(response.headers().get("location").is_none());
        let mut unknown = rp.params("s", "n");
        unknown.retain(|(k, _)| k != "client_id");
        unknown.push(("client_id".into(), "nobody".into()));
        assert_eq!(
            authorize(&browser, &unknown).await.status(),
            StatusCode::BAD_REQUEST
        );
        // … nor after signing in: `next` must be a path of Plenum's own.
        for evil in ["//evil.example", "https://evil.example/", "/\\evil.example"] {
            let login = server
                .client()
                .http
                .post(format!("{}/api/auth/login", server.base))
                .form(&[
                    ("email", owner.as_str()),
                    ("password", PASSWORD),
                    ("next", evil),
                ])
                .send()
                .await
                .unwrap();
            assert_eq!(login.headers().get("location").unwrap(), "/", "{evil}");
        }

        // Code replay: the second redemption fails and revokes what the first issued.
        let answer = rp.code(&browser, &rp.params("s", "n")).await;
        let (status, tokens) = rp.redeem(&server, &answer["code"]).await;
        assert_eq!(status, StatusCode::OK);
        let (status, replay) = rp.redeem(&server, &answer["code"]).await;
        assert_eq!(
            (status, replay["error"].as_str()),
            (StatusCode::BAD_REQUEST, Some("invalid_grant"))
        );
        assert_eq!(
            userinfo(&server, tokens["access_token"].as_str().unwrap())
                .await
                .0,
            StatusCode::UNAUTHORIZED
        );

        // PKCE: a wrong verifier, a missing one, and a downgrade (no challenge, verifier sent).
        let answer = rp.code(&browser, &rp.params("s", "n")).await;
        let (_, wrong) = rp
            .token(
                &server,
                &[
                    ("grant_type", "authorization_code"),
                    ("code", &answer["code"]),
                    ("redirect_uri", CALLBACK),
                    ("code_verifier", &"b".repeat(43)),
                ],
            )
            .await;
        assert_eq!(wrong["error"], "invalid_grant");
        let answer = rp.code(&browser, &rp.params("s", "n")).await;
        let (_, missing) = rp
            .token(
                &server,
                &[
                    ("grant_type", "authorization_code"),
                    ("code", &answer["code"]),
                    ("redirect_uri", CALLBACK),
                ],
            )
            .await;
        assert_eq!(missing["error"], "invalid_grant");
        let mut without_pkce = rp.params("s", "n");
        without_pkce.retain(|(k, _)| !k.starts_with("code_challenge"));
        let answer = rp.code(&browser, &without_pkce).await;
        let (_, downgrade) = rp.redeem(&server, &answer["code"]).await;
        assert_eq!(downgrade["error"], "invalid_grant");
        // A public client must use PKCE, and only S256.
        let mut plain = public.params("s", "n");
        plain.retain(|(k, _)| !k.starts_with("code_challenge"));
        let answer = public.code(&browser, &plain).await;
        assert_eq!(answer["error"], "invalid_request");
        assert_eq!(answer["state"], "s");
        let mut plain_method = public.params("s", "n");
        plain_method.retain(|(k, _)| k != "code_challenge_method");
        plain_method.push(("code_challenge_method".into(), "plain".into()));
        assert_eq!(
            public.code(&browser, &plain_method).await["error"],
            "invalid_request"
        );
        // A public client's flow works with PKCE and no secret.
        let answer = public.code(&browser, &public.params("s", "n")).await;
        let (status, _) = public
            .token(
                &server,
                &[
                    ("grant_type", "authorization_code"),
                    ("code", &answer["code"]),
                    ("redirect_uri", CALLBACK),
                    ("code_verifier", VERIFIER),
                    ("client_id", &public.client_id),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::OK);

        // Another client's code, a wrong secret, a changed redirect URI.
        let answer = rp.code(&browser, &rp.params("s", "n")).await;
        let (_, stolen) = other.redeem(&server, &answer["code"]).await;
        assert_eq!(stolen["error"], "invalid_grant");
        let impostor = Rp {
            client_id: rp.client_id.clone(),
            secret: Some("not-the-secret".into()),
        };
        let answer = rp.code(&browser, &rp.params("s", "n")).await;
        let (status, refused) = impostor.redeem(&server, &answer["code"]).await;
        assert_eq!(
            (status, refused["error"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("invalid_client"))
        );
        let (_, moved) = rp
            .token(
                &server,
                &[
                    ("grant_type", "authorization_code"),
                    ("code", &answer["code"]),
                    ("redirect_uri", "http://127.0.0.1:9/other"),
                    ("code_verifier", VERIFIER),
                ],
            )
            .await;
        assert_eq!(moved["error"], "invalid_grant");

        // Expired codes (code_seconds = 1 here).
        let answer = rp.code(&browser, &rp.params("s", "n")).await;
        tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
        let (_, expired) = rp.redeem(&server, &answer["code"]).await;
        assert_eq!(expired["error"], "invalid_grant");

        // Forged ID tokens as logout hints: `alg: none` and another key are not Plenum's.
        let answer = rp.code(&browser, &rp.params("s", "n")).await;
        let (_, tokens) = rp.redeem(&server, &answer["code"]).await;
        let genuine = tokens["id_token"].as_str().unwrap();
        let payload = genuine.split('.').nth(1).unwrap();
        let none_header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none"}"#);
        let unsigned = format!("{none_header}.{payload}.");
        let other_server = TestServer::start(backend).await;
        let other_rp = register(&other_server, None, true).await;
        let (other_browser, _, _) = customer_with_instance(&other_server, "elsewhere").await;
        let answer = other_rp
            .code(&other_browser, &other_rp.params("s", "n"))
            .await;
        let (_, foreign) = other_rp.redeem(&other_server, &answer["code"]).await;
        let foreign = foreign["id_token"].as_str().unwrap();
        let foreign_header = foreign.split('.').next().unwrap();
        let foreign_signature = foreign.split('.').nth(2).unwrap();
        let wrong_key = format!("{foreign_header}.{payload}.{foreign_signature}");
        for forged in [unsigned.as_str(), wrong_key.as_str(), foreign] {
            let response = logout(
                &browser,
                &[
                    ("id_token_hint", forged),
                    ("post_logout_redirect_uri", LOGGED_OUT),
                ],
            )
            .await;
            assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{forged}");
            assert!(response.headers().get("location").is_none());
        }
        assert!(browser.me().await.is_object(), "still signed in");

        // Mixed-up issuers: the authorization response names this issuer, so a client
        // talking to two providers can tell them apart.
        let answer = rp.code(&browser, &rp.params("s", "n")).await;
        assert_eq!(answer["iss"], server.base);
    }
}

async fn logout(browser: &Client, params: &[(&str, &str)]) -> reqwest::Response {
    browser
        .http
        .get(format!("{}/oidc/logout", browser.base))
        .query(params)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn rp_initiated_logout_ends_the_plenum_session() {
    for backend in BACKENDS {
        let server = TestServer::start(backend).await;
        let (browser, _, instance_id) = customer_with_instance(&server, "logout").await;
        let rp = register(&server, Some(instance_id), true).await;
        let answer = rp.code(&browser, &rp.params("s", "n")).await;
        let (_, tokens) = rp.redeem(&server, &answer["code"]).await;
        let hint = tokens["id_token"].as_str().unwrap();

        // An unregistered post-logout URI is refused, and nothing ends.
        let response = logout(
            &browser,
            &[
                ("id_token_hint", hint),
                ("post_logout_redirect_uri", "https://evil.example/"),
            ],
        )
        .await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert!(browser.me().await.is_object());

        // Without a hint, the person is asked first.
        let response = logout(&browser, &[]).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert!(
            response
                .text()
                .await
                .unwrap()
                .contains("sso-confirm-logout")
        );
        assert!(browser.me().await.is_object());

        // With the hint: signed out, back to the client with its state.
        let response = logout(
            &browser,
            &[
                ("id_token_hint", hint),
                ("post_logout_redirect_uri", LOGGED_OUT),
                ("state", "bye"),
            ],
        )
        .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&response), format!("{LOGGED_OUT}?state=bye"));
        assert!(browser.me().await.is_null(), "the Plenum session ended");
        // … so single sign-on ends: the next authorization asks for a sign-in again.
        let response = authorize(&browser, &rp.params("s", "n")).await;
        assert!(location(&response).starts_with("/login?next="));
    }
}

#[tokio::test]
async fn staff_register_external_clients_and_customers_may_not() {
    for backend in BACKENDS {
        let server = TestServer::start(backend).await;
        let (customer, _, instance_id) = customer_with_instance(&server, "clients").await;
        let form = [
            ("name", "Minutes app"),
            (
                "redirect_uris",
                "https://minutes.example.org/cb\nhttp://127.0.0.1:9/callback\n",
            ),
            ("post_logout_redirect_uris", ""),
        ];
        for endpoint in ["staff/clients/list", "staff/clients/register"] {
            let reply = customer.call(endpoint, &form).await;
            assert_eq!(reply.status, StatusCode::FORBIDDEN, "{endpoint}");
        }
        let staff = crate::instances::staff(&server).await;
        let bad = staff
            .call(
                "staff/clients/register",
                &[
                    ("name", "Bad"),
                    ("redirect_uris", "http://minutes.example.org/cb"),
                ],
            )
            .await;
        assert_eq!(
            (bad.status, bad.invalid().0.as_str()),
            (StatusCode::BAD_REQUEST, "redirect_uris")
        );
        let registered = staff.call("staff/clients/register", &form).await;
        assert_eq!(registered.status, StatusCode::OK, "{}", registered.text);
        let client_id = registered.body["client"]["client_id"]
            .as_str()
            .unwrap()
            .to_owned();
        let secret = registered.body["secret"].as_str().unwrap().to_owned();
        assert_eq!(registered.body["issuer"], server.base);
        assert_eq!(secret.len(), 43);
        let list = staff.call("staff/clients/list", &[]).await;
        assert!(
            !list.text.contains(&secret),
            "the secret is shown only once"
        );
        assert!(list.text.contains(&client_id));

        // The registered client signs a person in (any account: it is not an instance's).
        let rp = Rp {
            client_id: client_id.clone(),
            secret: Some(secret),
        };
        let answer = rp.code(&customer, &rp.params("s", "n")).await;
        let (status, tokens) = rp.redeem(&server, &answer["code"]).await;
        assert_eq!(status, StatusCode::OK, "{tokens}");
        assert!(tokens["id_token"].as_str().is_some());

        // An instance's own client is not removed by hand; an external one is.
        register(&server, Some(instance_id), true).await;
        let own = server
            .state
            .db
            .client_of_instance(instance_id)
            .await
            .unwrap();
        let refused = staff
            .call("staff/clients/remove", &[("client_id", &own.client_id)])
            .await;
        assert_eq!(refused.invalid().0, "client_id");
        let removed = staff
            .call("staff/clients/remove", &[("client_id", &client_id)])
            .await;
        assert_eq!(removed.status, StatusCode::OK, "{}", removed.text);
        assert_eq!(
            userinfo(&server, tokens["access_token"].as_str().unwrap())
                .await
                .0,
            StatusCode::UNAUTHORIZED,
            "its tokens went with it"
        );
    }
}
