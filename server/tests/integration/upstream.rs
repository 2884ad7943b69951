//! Upstream login against a real OpenID provider nobody here wrote: the npm package
//! `oidc-provider` (started from `server/tests/upstream`, installed by scripts/test.sh).
//! Staff's platform provider and an organisation's own sign people in by their verified
//! email address (an account is made on first sign-in); an unverified address, a forged
//! state and another organisation's provider are refused.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use reqwest::StatusCode;

use crate::common::{BACKENDS, Client, PASSWORD, TestServer, email};

const CLIENT_ID: &str = "plenum";
const CLIENT_SECRET: &str = "a-client-secret-for-the-test-provider";

/// The provider, stopped when dropped.
struct Op {
    child: Child,
    issuer: String,
}

impl Drop for Op {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Op {
    async fn start(plenum: &str) -> Self {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/upstream");
        assert!(
            dir.join("node_modules/oidc-provider").exists(),
            "oidc-provider is not installed: run the tests with scripts/test.sh"
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let issuer = format!("http://127.0.0.1:{port}");
        let child = Command::new("node")
            .arg("provider.mjs")
            .current_dir(&dir)
            .env("PORT", port.to_string())
            .env("ISSUER", &issuer)
            .env("CLIENT_ID", CLIENT_ID)
            .env("CLIENT_SECRET", CLIENT_SECRET)
            .env("REDIRECT_URI", format!("{plenum}/auth/upstream/callback"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("node runs");
        let op = Self { child, issuer };
        for _ in 0..100 {
            if reqwest::get(format!("{}/.well-known/openid-configuration", op.issuer))
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                return op;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("oidc-provider did not start at {}", op.issuer);
    }
}

fn location(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// Follows the browser from `url` through the provider's login (as `login`) and consent
/// forms; returns Plenum's last answer (status and body) once the browser is back there.
async fn sign_in_through(
    browser: &Client,
    url: &str,
    op: &Op,
    login: &str,
) -> (StatusCode, String) {
    let mut url = url.to_owned();
    for _ in 0..20 {
        let response = browser.http.get(&url).send().await.unwrap();
        let here = reqwest::Url::parse(&url).unwrap();
        if let Some(next) = location(&response) {
            url = here.join(&next).unwrap().to_string();
            continue;
        }
        if !url.starts_with(&op.issuer) {
            let status = response.status();
            return (status, response.text().await.unwrap());
        }
        // One of the provider's forms: log in, or confirm the consent.
        let page = response.text().await.unwrap();
        let form: Vec<(&str, &str)> = if page.contains("name=\"login\"") {
            vec![
                ("prompt", "login"),
                ("login", login),
                ("password", "anything"),
            ]
        } else {
            vec![("prompt", "consent")]
        };
        let posted = browser.http.post(&url).form(&form).send().await.unwrap();
        let next = location(&posted)
            .unwrap_or_else(|| panic!("the provider's form at {url} went nowhere"));
        url = here.join(&next).unwrap().to_string();
    }
    panic!("too many steps, last {url}");
}

async fn add_provider(manager: &Client, org_id: Option<i64>, op: &Op) -> i64 {
    let org = org_id.map(|id| id.to_string());
    let mut form = vec![
        ("name", "Union ID"),
        ("issuer", op.issuer.as_str()),
        ("client_id", CLIENT_ID),
        ("client_secret", CLIENT_SECRET),
    ];
    if let Some(org) = &org {
        form.push(("org_id", org.as_str()));
    }
    let reply = manager.call("upstream/add", &form).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert!(
        !reply.text.contains(CLIENT_SECRET),
        "the secret is never shown"
    );
    reply.body["id"].as_i64().unwrap()
}

#[tokio::test]
async fn people_sign_in_through_an_upstream_provider_by_verified_email() {
    for backend in BACKENDS {
        let server = TestServer::start(backend).await;
        let op = Op::start(&server.base).await;
        let staff = crate::instances::staff(&server).await;
        let bad = staff
            .call(
                "upstream/add",
                &[
                    ("name", "X"),
                    ("issuer", "http://id.example.org"),
                    ("client_id", "c"),
                    ("client_secret", "s"),
                ],
            )
            .await;
        assert_eq!(bad.invalid().0, "issuer", "http only on loopback");
        let provider = add_provider(&staff, None, &op).await;
        let buttons = server.client().call("upstream/platform", &[]).await;
        assert_eq!(buttons.body[0]["name"], "Union ID");
        assert!(!buttons.text.contains(CLIENT_SECRET));

        // Alice's address is verified: she is signed in, with an account made for her.
        let browser = server.client();
        let start = format!("{}/auth/upstream/{provider}?next=/portal", server.base);
        let (status, _) = sign_in_through(&browser, &start, &op, "alice").await;
        assert_eq!(status, StatusCode::OK, "back at Plenum's portal");
        let me = browser.me().await;
        assert_eq!(me["email"], "alice@example.test", "{me}");
        let user = server
            .state
            .db
            .find_user_by_email(&domain::account::Email::parse("alice@example.test").unwrap())
            .await
            .unwrap();
        assert!(user.email_verified);
        assert_eq!(user.given_name.as_deref(), Some("Alice"));
        // That account has no password.
        let login = server
            .client()
            .log_in("alice@example.test", store::NO_PASSWORD)
            .await;
        assert_eq!(login.status, StatusCode::UNAUTHORIZED);
        // A second sign-in finds the same account.
        let again = server.client();
        sign_in_through(&again, &start, &op, "alice").await;
        assert_eq!(again.me().await["id"], me["id"]);

        // Bob's address is not verified: refused, and no account is made.
        let bob = server.client();
        let (status, page) = sign_in_through(&bob, &start, &op, "bob").await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{page}");
        assert!(page.contains("verified"), "{page}");
        assert!(bob.me().await.is_null());
        assert!(
            server
                .state
                .db
                .find_user_by_email(&domain::account::Email::parse("bob@example.test").unwrap())
                .await
                .is_err()
        );

        // An answer that this browser did not ask for (forged state, or none pending).
        let forged = server.client();
        let response = forged
            .get("/auth/upstream/callback?code=stolen&state=forged")
            .await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        let response = forged.get(&format!("/auth/upstream/{provider}")).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let response = forged
            .get("/auth/upstream/callback?code=stolen&state=forged")
            .await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        assert!(forged.me().await.is_null());
    }
}

#[tokio::test]
async fn an_organisation_brings_its_own_provider() {
    for backend in BACKENDS {
        let server = TestServer::start(backend).await;
        let op = Op::start(&server.base).await;
        let owner = server.client();
        owner.sign_up(&email("owner"), PASSWORD).await;
        let org = owner.first_org_id().await;
        let org_field = org.to_string();
        for (claims, field) in [("e mail", "claims"), ("a, b, c, d", "claims")] {
            let reply = owner
                .call(
                    "upstream/add",
                    &[
                        ("org_id", &org_field),
                        ("name", "X"),
                        ("issuer", &op.issuer),
                        ("client_id", CLIENT_ID),
                        ("client_secret", CLIENT_SECRET),
                        ("claims", claims),
                    ],
                )
                .await;
            assert_eq!(reply.invalid().0, field, "{claims}: {}", reply.text);
        }
        let mapped = owner
            .call(
                "upstream/add",
                &[
                    ("org_id", &org_field),
                    ("name", "Mapped"),
                    ("issuer", &op.issuer),
                    ("client_id", CLIENT_ID),
                    ("client_secret", CLIENT_SECRET),
                    ("claims", "email, nickname"),
                ],
            )
            .await;
        assert_eq!(mapped.body["claim_given_name"], "nickname");
        assert_eq!(mapped.body["claim_family_name"], "family_name");
        let mapped_id = mapped.body["id"].as_i64().unwrap().to_string();
        owner
            .call(
                "upstream/remove",
                &[("org_id", &org_field), ("id", &mapped_id)],
            )
            .await;
        let provider = add_provider(&owner, Some(org), &op).await;
        let list = owner
            .call("upstream/list", &[("org_id", &org.to_string())])
            .await;
        assert_eq!(list.body[0]["claim_email"], "email");
        assert_eq!(
            list.body[0]["sign_in_path"],
            format!("/auth/upstream/{provider}")
        );
        assert!(
            server
                .client()
                .call("upstream/platform", &[])
                .await
                .body
                .as_array()
                .unwrap()
                .is_empty(),
            "an organisation's provider is not on the public sign-in page"
        );
        // Customers may not manage the platform's providers.
        let reply = owner.call("upstream/list", &[]).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN);
        let browser = server.client();
        let start = format!("{}/auth/upstream/{provider}", server.base);
        let (status, _) = sign_in_through(&browser, &start, &op, "alice").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(browser.me().await["email"], "alice@example.test");
        // Another organisation cannot remove it.
        let other = server.client();
        other.sign_up(&email("other"), PASSWORD).await;
        let other_org = other.first_org_id().await;
        let reply = other
            .call(
                "upstream/remove",
                &[
                    ("org_id", &other_org.to_string()),
                    ("id", &provider.to_string()),
                ],
            )
            .await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND);
        let reply = owner
            .call(
                "upstream/remove",
                &[("org_id", &org.to_string()), ("id", &provider.to_string())],
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    }
}
