//! Plenum as SAML 2.0 identity provider, against the service provider OpenSlides 4 runs:
//! samlify 2.12.0 (`server/tests/saml/sp.mjs`, installed by `npm ci` in that directory, which
//! scripts/test.sh does), on SQLite and PostgreSQL. The browser's part is played by a reqwest
//! client: SP `/login` → Plenum's single sign-on URL → (sign-in) → the auto-submitting form
//! → the SP's ACS, where samlify verifies the signature and extracts the attributes.
//! Also: the metadata as samlify reads it, no access, a tampered response, malformed
//! requests, and requests that do not match the registration; and the settings an
//! `openslides-4` instance fetches for itself, with samlify set up from them exactly as
//! OpenSlides' auth service sets itself up.

use std::process::Stdio;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::Utc;
use reqwest::StatusCode;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::common::{BACKENDS, Client, PASSWORD, TestServer, email};
use crate::instances::create_instance;

const HARNESS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/saml");

/// samlify's service provider, running as `node sp.mjs`; killed when dropped.
struct ServiceProvider {
    base: String,
    entity_id: String,
    acs_url: String,
    _child: tokio::process::Child,
}

impl ServiceProvider {
    /// Starts the harness on a free port, reading the IdP metadata from `idp_metadata_url`.
    async fn start(idp_metadata_url: &str) -> Self {
        Self::start_with(&[("IDP_METADATA_URL", idp_metadata_url)]).await
    }

    /// Starts the harness on a free port with the environment `env` (see `sp.mjs`).
    async fn start_with(env: &[(&str, &str)]) -> Self {
        assert!(
            std::path::Path::new(HARNESS)
                .join("node_modules/samlify")
                .is_dir(),
            "samlify is not installed: run `npm ci` in {HARNESS} (scripts/test.sh does)"
        );
        let mut child = tokio::process::Command::new("node")
            .arg("sp.mjs")
            .current_dir(HARNESS)
            .env("PORT", "0")
            .envs(env.iter().copied())
            // Also refuse responses whose InResponseTo, Destination or Audience do not match.
            .env("STRICT", "1")
            // Gone with the test process, even should it not get to kill it.
            .env("EXIT_WITH_STDIN", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("node runs (install Node.js 18 or later)");
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let ready = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
            .await
            .expect("the service provider starts within 30 s")
            .unwrap()
            .expect("the service provider says it is ready");
        let ready: Value = serde_json::from_str(&ready).unwrap();
        assert_eq!(ready["samlify"], "2.12.0", "OpenSlides' samlify");
        // Keep reading its output so that it never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Self {
            base: format!("http://127.0.0.1:{}", ready["port"]),
            entity_id: ready["entityID"].as_str().unwrap().to_owned(),
            acs_url: ready["acs"].as_str().unwrap().to_owned(),
            _child: child,
        }
    }

    /// The single sign-on URL the service provider sends a browser to.
    async fn login_location(&self) -> String {
        let response = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
            .get(format!("{}/login", self.base))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::FOUND);
        location(&response)
    }

    /// Posts the form to the ACS as the browser does; status and body.
    async fn post(&self, action: &str, fields: &[(String, String)]) -> (StatusCode, String) {
        assert_eq!(action, self.acs_url, "the form goes to the registered ACS");
        let response = reqwest::Client::new()
            .post(action)
            .form(fields)
            .send()
            .await
            .unwrap();
        (response.status(), response.text().await.unwrap())
    }
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

/// Parameter `name` of the query of `path` (a local path with query).
fn query_param(path: &str, name: &str) -> String {
    reqwest::Url::parse(&format!("http://plenum.invalid{path}"))
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| panic!("{name} in {path}"))
}

fn unescape_html(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The value of the first `attribute="…"` after `marker` in `html`.
fn attribute_after(html: &str, marker: &str, attribute: &str) -> Option<String> {
    let rest = &html[html.find(marker)? + marker.len()..];
    let start = rest.find(&format!("{attribute}=\""))? + attribute.len() + 2;
    let end = rest[start..].find('"')? + start;
    Some(unescape_html(&rest[start..end]))
}

/// The auto-submitting form of Plenum's answer: its action and fields.
fn form(html: &str) -> (String, Vec<(String, String)>) {
    assert!(
        html.contains("document.getElementById(\"saml-form\").submit()")
            && html.contains("<noscript>"),
        "{html}"
    );
    let action = attribute_after(html, "<form method=\"post\"", "action").unwrap();
    let mut fields = vec![(
        "SAMLResponse".to_owned(),
        attribute_after(html, "name=\"SAMLResponse\"", "value").unwrap(),
    )];
    if let Some(relay) = attribute_after(html, "name=\"RelayState\"", "value") {
        fields.push(("RelayState".to_owned(), relay));
    }
    (action, fields)
}

async fn get(browser: &Client, url: &str) -> reqwest::Response {
    browser.http.get(url).send().await.unwrap()
}

/// Follows the service provider's redirect in `browser` (signed in) to Plenum's form.
async fn answer(browser: &Client, sso_url: &str) -> (String, Vec<(String, String)>) {
    let response = get(browser, sso_url).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "no-store");
    form(&response.text().await.unwrap())
}

/// The X509Certificate in a response's KeyInfo.
fn signing_certificate(saml_response_b64: &str) -> String {
    let xml = String::from_utf8(STANDARD.decode(saml_response_b64).unwrap()).unwrap();
    let start = xml.find("<ds:X509Certificate>").unwrap() + "<ds:X509Certificate>".len();
    let end = xml.find("</ds:X509Certificate>").unwrap();
    xml[start..end].to_owned()
}

#[tokio::test]
async fn samlify_signs_in_granted_people_with_their_attributes() {
    for backend in BACKENDS {
        let server = TestServer::start(backend).await;
        let owner = server.client();
        let owner_email = email("owner");
        assert!(
            owner
                .sign_up(&owner_email, PASSWORD)
                .await
                .status
                .is_success()
        );
        let org_id = owner.first_org_id().await;
        let instance_id = create_instance(&server, org_id, "assembly").await;
        let identity = &server.state.identity;
        let idp_entity_id = format!("{}/saml/{instance_id}/metadata", server.base);
        let sso_url = format!("{}/saml/{instance_id}/sso", server.base);

        // No service provider registered: no metadata.
        let metadata = reqwest::get(&idp_entity_id).await.unwrap();
        assert_eq!(metadata.status(), StatusCode::NOT_FOUND);

        let sp = ServiceProvider::start(&idp_entity_id).await;
        identity
            .register_saml_sp(instance_id, &sp.entity_id, &sp.acs_url, None)
            .await
            .unwrap();

        // The metadata, as served and as samlify reads it.
        let metadata = reqwest::get(&idp_entity_id).await.unwrap();
        assert_eq!(metadata.status(), StatusCode::OK);
        assert_eq!(
            metadata.headers()["content-type"],
            "application/samlmetadata+xml"
        );
        let xml = metadata.text().await.unwrap();
        assert!(
            xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"),
            "{xml}"
        );
        let certificate = identity.saml_certificate().await.unwrap();
        let seen: Value = reqwest::get(format!("{}/idp", sp.base))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(seen["entityID"], idp_entity_id);
        assert_eq!(seen["signingCert"], certificate.as_str());
        assert_eq!(seen["wantAuthnRequestsSigned"], false);
        assert_eq!(seen["ssoRedirect"], sso_url);
        assert_eq!(
            seen["nameIDFormat"],
            "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
        );

        // A delegate, granted as participant with names that need escaping.
        let delegate_email = email("delegate");
        let delegate = server.client();
        delegate.sign_up(&delegate_email, PASSWORD).await;
        delegate.call("auth/logout", &[]).await;
        let today = Utc::now().date_naive();
        let person = [
            delegate_email.as_str(),
            "Tom & Jerry",
            "<O'Brien> \"Ö\"",
            "participant",
        ];
        server.grant(instance_id, person, today, today).await;

        // Signed out: Plenum's sign-in, then back to the same request.
        let to_sso = sp.login_location().await;
        assert!(
            to_sso.starts_with(&format!("{sso_url}?SAMLRequest=")),
            "{to_sso}"
        );
        let to_sso = format!("{to_sso}&RelayState=%2Fmeeting%2F1%3Fa%3D%3Cb%3E%26c");
        let response = get(&delegate, &to_sso).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let login = query_param(&location(&response), "next");
        assert!(
            login.starts_with(&format!("/saml/{instance_id}/sso?SAMLRequest=")),
            "{login}"
        );
        let signed_in = delegate
            .call(
                "auth/login",
                &[
                    ("email", &delegate_email),
                    ("password", PASSWORD),
                    ("next", &login),
                ],
            )
            .await;
        assert!(signed_in.status.is_success() || signed_in.status.is_redirection());
        let (action, fields) = answer(&delegate, &format!("{}{login}", server.base)).await;
        assert_eq!(
            fields[1],
            ("RelayState".to_owned(), "/meeting/1?a=<b>&c".to_owned())
        );
        assert_eq!(
            signing_certificate(&fields[0].1),
            certificate,
            "KeyInfo = metadata"
        );
        let (status, body) = sp.post(&action, &fields).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let accepted: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(
            accepted["nameID"], delegate_email,
            "the NameID is the saml_id"
        );
        assert_eq!(accepted["issuer"], idp_entity_id);
        assert_eq!(accepted["audience"], sp.entity_id);
        assert_eq!(accepted["relayState"], "/meeting/1?a=<b>&c");
        assert_eq!(
            accepted["checks"],
            serde_json::json!({"inResponseToKnown": true, "destinationMatches": true, "audienceMatches": true})
        );
        let attributes = &accepted["attributes"];
        assert_eq!(attributes["saml_id"], delegate_email);
        assert_eq!(attributes["email"], delegate_email);
        assert_eq!(attributes["first_name"], "Tom & Jerry");
        assert_eq!(attributes["last_name"], "<O'Brien> \"Ö\"");
        assert_eq!(attributes["role"], "participant");

        // The same response a second time: the request it answered is spent.
        let (status, _) = sp.post(&action, &fields).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "replay");

        // A tampered response (one byte of an attribute) fails samlify's signature check.
        let (action, mut fields) = answer(&delegate, &sp.login_location().await).await;
        let xml = String::from_utf8(STANDARD.decode(&fields[0].1).unwrap()).unwrap();
        let tampered = xml.replacen(">participant<", ">Participant<", 1);
        assert_ne!(tampered, xml);
        fields[0].1 = STANDARD.encode(tampered);
        let (status, body) = sp.post(&action, &fields).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert!(body.contains("samlify rejected"), "{body}");

        // The owner enters as admin; names they never gave are left out.
        let (action, fields) = answer(&owner, &sp.login_location().await).await;
        assert_eq!(fields.len(), 1, "no RelayState was sent");
        let (status, body) = sp.post(&action, &fields).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let accepted: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(accepted["attributes"]["role"], "admin");
        assert_eq!(accepted["attributes"]["saml_id"], owner_email);
        assert!(accepted["attributes"].get("first_name").is_none());

        // Someone without access gets a page, and nothing to post.
        let stranger = server.client();
        stranger.sign_up(&email("stranger"), PASSWORD).await;
        let response = get(&stranger, &sp.login_location().await).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        let page = response.text().await.unwrap();
        assert!(
            page.contains("sso-no-access") && page.contains("Congress assembly"),
            "{page}"
        );
        assert!(!page.contains("SAMLResponse"));
    }
}

#[tokio::test]
async fn requests_that_do_not_match_the_registration_are_refused() {
    for backend in BACKENDS {
        let server = TestServer::start(backend).await;
        let owner = server.client();
        assert!(
            owner
                .sign_up(&email("owner"), PASSWORD)
                .await
                .status
                .is_success()
        );
        let org_id = owner.first_org_id().await;
        let instance_id = create_instance(&server, org_id, "forum").await;
        let other_instance = create_instance(&server, org_id, "other").await;
        let identity = &server.state.identity;
        let idp_entity_id = format!("{}/saml/{instance_id}/metadata", server.base);
        let sp = ServiceProvider::start(&idp_entity_id).await;
        identity
            .register_saml_sp(instance_id, &sp.entity_id, &sp.acs_url, None)
            .await
            .unwrap();

        let refused = |response: reqwest::Response| async move {
            assert_eq!(response.status(), StatusCode::BAD_REQUEST);
            let page = response.text().await.unwrap();
            assert!(page.contains("sso-invalid"), "{page}");
            assert!(!page.contains("SAMLResponse"));
            page
        };
        let sso = format!("{}/saml/{instance_id}/sso", server.base);

        // Malformed requests: a clear page, whoever asks.
        for query in [
            "",
            "?SAMLRequest=not%20base64!",
            "?SAMLRequest=bm90IGRlZmxhdGU%3D",
            "?SAMLRequest=a&SAMLRequest=b",
        ] {
            refused(get(&owner, &format!("{sso}{query}")).await).await;
        }
        let page = refused(get(&owner, &format!("{sso}?SAMLRequest=%25%25")).await).await;
        assert!(page.contains("cannot be read"), "{page}");
        refused(get(&owner, &format!("{}/saml/x/sso?SAMLRequest=a", server.base)).await).await;

        // A genuine request sent to an instance it is not registered with.
        let to_sso = sp.login_location().await;
        let elsewhere = to_sso.replace(
            &format!("/saml/{instance_id}/sso"),
            &format!("/saml/{other_instance}/sso"),
        );
        refused(get(&owner, &elsewhere).await).await;
        identity
            .register_saml_sp(
                other_instance,
                "urn:another:sp",
                "https://another.example/acs",
                None,
            )
            .await
            .unwrap();
        let page = refused(get(&owner, &elsewhere).await).await;
        assert!(page.contains("not registered for this instance"), "{page}");

        // The request names another ACS URL than the registered one: nothing is posted.
        identity
            .register_saml_sp(
                instance_id,
                &sp.entity_id,
                "https://os.example/system/saml/acs",
                None,
            )
            .await
            .unwrap();
        let page = refused(get(&owner, &to_sso).await).await;
        assert!(page.contains("assertion consumer service URL"), "{page}");

        // Registration rules.
        let invalid = identity
            .register_saml_sp(instance_id, &sp.entity_id, "http://os.example/acs", None)
            .await
            .unwrap_err();
        assert!(
            matches!(&invalid, identity::clients::RegisterError::Invalid(i) if i.field == "acs_url"),
            "{invalid:?}"
        );
        let taken = identity
            .register_saml_sp(other_instance, &sp.entity_id, &sp.acs_url, None)
            .await
            .unwrap_err();
        assert!(
            matches!(&taken, identity::clients::RegisterError::Store(store::StoreError::Rejected(i)) if i.field == "entity_id"),
            "{taken:?}"
        );
        assert!(matches!(
            identity
                .register_saml_sp(999_999, "urn:x", "https://x.example/acs", None)
                .await,
            Err(identity::clients::RegisterError::Store(
                store::StoreError::NotFound
            ))
        ));

        // Removed: no metadata, no sign-in.
        identity.remove_saml_sp(instance_id).await.unwrap();
        assert_eq!(
            reqwest::get(&idp_entity_id).await.unwrap().status(),
            StatusCode::NOT_FOUND
        );
        refused(get(&owner, &to_sso).await).await;
        assert_eq!(
            reqwest::get(format!("{}/saml/abc/metadata", server.base))
                .await
                .unwrap()
                .status(),
            StatusCode::NOT_FOUND
        );
    }
}

/// Creates an `openslides-4` instance whose settings token is `token`.
async fn openslides_instance(server: &TestServer, org_id: i64, slug: &str, token: &str) -> i64 {
    let new = store::NewInstance {
        organisation_id: org_id,
        name: format!("Assembly {slug}"),
        slug: domain::instance::Slug::parse(slug).unwrap(),
        template: "openslides-4".to_owned(),
        version: "4.3.2".to_owned(),
        replicas: std::collections::BTreeMap::new(),
        limits: std::collections::BTreeMap::new(),
        lifecycle: domain::instance::Lifecycle::Running,
    };
    let secrets = std::collections::BTreeMap::from([(
        "saml_settings_token".to_owned(),
        store::SecretValue::new(token),
    )]);
    server
        .state
        .db
        .create_instance(
            &new,
            &secrets,
            server.state.identity.secret_key(),
            None,
            "create from template openslides-4",
        )
        .await
        .unwrap()
        .id
}

async fn fetch_settings(
    server: &TestServer,
    instance_id: i64,
    token: Option<&str>,
) -> reqwest::Response {
    let url = format!(
        "{}{}",
        server.base,
        domain::identity::saml_settings_path(instance_id)
    );
    let request = reqwest::Client::new().get(url);
    match token {
        Some(token) => request.bearer_auth(token),
        None => request,
    }
    .send()
    .await
    .unwrap()
}

#[tokio::test]
async fn an_openslides_instance_fetches_settings_that_samlify_signs_in_with() {
    for backend in BACKENDS {
        let server = TestServer::start(backend).await;
        let owner = server.client();
        owner.sign_up(&email("owner"), PASSWORD).await;
        let org_id = owner.first_org_id().await;
        let token = "t".repeat(48);
        let instance_id = openslides_instance(&server, org_id, "assembly", &token).await;
        let other_token = "o".repeat(48);
        let other = openslides_instance(&server, org_id, "other", &other_token).await;
        let demo = create_instance(&server, org_id, "demo").await;

        // The harness as OpenSlides' auth service: everything from the settings file.
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("settings.json");
        let sp = ServiceProvider::start_with(&[("SP_SETTINGS_FILE", file.to_str().unwrap())]).await;
        server
            .state
            .identity
            .register_saml_sp(
                instance_id,
                &sp.entity_id,
                &sp.acs_url,
                Some(&format!("{}/system/saml/idplogout", sp.base)),
            )
            .await
            .unwrap();
        server
            .state
            .identity
            .register_saml_sp(
                other,
                "https://other.example/system/saml/metadata",
                "https://other.example/system/saml/acs",
                None,
            )
            .await
            .unwrap();

        // Only the instance's own token gets its settings; every refusal looks the same.
        for (id, presented) in [
            (instance_id, None),
            (instance_id, Some("wrong")),
            (instance_id, Some(other_token.as_str())),
            (other, Some(token.as_str())),
            (demo, Some(token.as_str())),
            (999_999, Some(token.as_str())),
        ] {
            let refused = fetch_settings(&server, id, presented).await;
            assert_eq!(
                refused.status(),
                StatusCode::UNAUTHORIZED,
                "{id} {presented:?}"
            );
            assert_eq!(refused.headers()["www-authenticate"], "Bearer");
            assert_eq!(
                refused.text().await.unwrap(),
                "Present the instance's settings token."
            );
        }
        let fetched = fetch_settings(&server, instance_id, Some(&token)).await;
        assert_eq!(fetched.status(), StatusCode::OK);
        assert_eq!(fetched.headers()["cache-control"], "no-store");
        let body: Value = fetched.json().await.unwrap();
        assert_eq!(body[0]["action"], "organization.update");
        let settings = body[0]["data"][0].clone();
        assert_eq!(settings["id"], 1);
        assert_eq!(settings["saml_enabled"], true);
        let again: Value = fetch_settings(&server, instance_id, Some(&token))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(again, body, "the service provider keeps its key");
        let key = settings["saml_private_key"].as_str().unwrap();
        assert!(key.starts_with("-----BEGIN PRIVATE KEY-----"));
        let others: Value = fetch_settings(&server, other, Some(&other_token))
            .await
            .json()
            .await
            .unwrap();
        assert_ne!(
            others[0]["data"][0]["saml_private_key"].as_str(),
            Some(key),
            "each instance's service provider has its own key"
        );
        std::fs::write(&file, settings.to_string()).unwrap();

        // samlify reads the service provider Plenum described, with a key that fits it.
        let seen: Value = reqwest::get(format!("{}/sp", sp.base))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(seen["entityID"], sp.entity_id);
        assert_eq!(seen["acs"], sp.acs_url);
        assert_eq!(seen["authnRequestsSigned"], false);
        assert_eq!(seen["wantAssertionsSigned"], false);
        assert_eq!(seen["keyMatchesCertificate"], true);
        let idp: Value = reqwest::get(format!("{}/idp", sp.base))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            idp["entityID"],
            format!("{}/saml/{instance_id}/metadata", server.base)
        );

        // A granted delegate signs in; samlify accepts, and the mapping gives OpenSlides'
        // fields.
        let delegate_email = email("delegate");
        let delegate = server.client();
        delegate.sign_up(&delegate_email, PASSWORD).await;
        let today = Utc::now().date_naive();
        server
            .grant(
                instance_id,
                [delegate_email.as_str(), "Rosa", "Lux", "participant"],
                today,
                today,
            )
            .await;
        let (action, fields) = answer(&delegate, &sp.login_location().await).await;
        let (status, body) = sp.post(&action, &fields).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let accepted: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(
            accepted["checks"],
            serde_json::json!({"inResponseToKnown": true, "destinationMatches": true, "audienceMatches": true})
        );
        assert_eq!(
            accepted["mapped"],
            serde_json::json!({
                "saml_id": delegate_email,
                "first_name": "Rosa",
                "last_name": "Lux",
                "email": delegate_email,
            })
        );

        // Signing out of Plenum signs the person out there too: Plenum's page posts a signed
        // LogoutRequest to the service provider's idplogout, which ends the sessions of the
        // NameID's user and sends the browser back; then the login page.
        let out = delegate.call("auth/logout", &[]).await;
        assert_eq!(out.body, "/saml/logout", "{}", out.text);
        let page = get(&delegate, &format!("{}/saml/logout", server.base)).await;
        assert_eq!(page.status(), StatusCode::OK);
        let html = page.text().await.unwrap();
        let action = attribute_after(&html, "<form method=\"post\"", "action").unwrap();
        assert_eq!(action, format!("{}/system/saml/idplogout", sp.base));
        let request = attribute_after(&html, "name=\"SAMLRequest\"", "value").unwrap();
        let post_logout = |request: String| {
            let action = action.clone();
            async move {
                reqwest::Client::builder()
                    .redirect(reqwest::redirect::Policy::none())
                    .build()
                    .unwrap()
                    .post(&action)
                    .form(&[("SAMLRequest", request.as_str())])
                    .send()
                    .await
                    .unwrap()
            }
        };
        // (A forged request for someone else: the auth service itself checks no signature
        // there, but the signature check beside it fails — so its pass below means something.)
        let xml = String::from_utf8(STANDARD.decode(&request).unwrap()).unwrap();
        let forged = STANDARD.encode(xml.replace(&delegate_email, "mallory@example.org"));
        assert_eq!(post_logout(forged).await.status(), StatusCode::FOUND);
        let back = post_logout(request).await;
        assert_eq!(
            back.status(),
            StatusCode::FOUND,
            "{}",
            back.text().await.unwrap()
        );
        let back = location(&back);
        assert!(
            back.starts_with(&format!(
                "{}/saml/{instance_id}/slo?SAMLResponse=",
                server.base
            )),
            "{back}"
        );
        let logged_out: Value = reqwest::get(format!("{}/logged-out", sp.base))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            logged_out,
            serde_json::json!([
                {"nameID": "mallory@example.org", "signatureVerified": false},
                {"nameID": delegate_email, "signatureVerified": true},
            ])
        );
        let next = get(&delegate, &back).await;
        assert_eq!(location(&next), "/saml/logout");
        let done = get(&delegate, &format!("{}/saml/logout", server.base)).await;
        assert_eq!(location(&done), "/login", "nobody left to sign out of");
        assert_eq!(delegate.me().await, Value::Null, "signed out of Plenum");
    }
}
