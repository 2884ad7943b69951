//! The server API over HTTP against the real server, each test on SQLite and on PostgreSQL.

use crate::common::{BACKENDS, Backend, PASSWORD, TestServer, email};
use domain::account::PASSWORD_RULE;
use reqwest::StatusCode;
use serde_json::Value;

#[tokio::test]
async fn pages_are_server_rendered_with_hydration_scripts() {
    for backend in BACKENDS {
        let server = TestServer::start(backend).await;
        let response = server.client().get("/").await;
        assert_eq!(response.status(), StatusCode::OK, "{backend:?}");
        let html = response.text().await.unwrap();
        assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
        assert!(
            html.contains("OpenSlides for your assembly"),
            "landing text rendered on the server"
        );
        assert!(
            html.contains("/pkg/plenum.js"),
            "hydration script referenced"
        );
        let missing = server.client().get("/no/such/page").await;
        assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn health_and_readiness() {
    for backend in BACKENDS {
        let server = TestServer::start(backend).await;
        let client = server.client();
        assert_eq!(client.get("/healthz").await.status(), StatusCode::OK);
        let ready = client.get("/readyz").await;
        assert_eq!(ready.status(), StatusCode::OK, "{backend:?}");
        assert!(ready.headers().contains_key("x-request-id"));
    }
}

#[tokio::test]
async fn sign_up_log_out_log_in_and_change_password() {
    for backend in BACKENDS {
        let server = TestServer::start(backend).await;
        let client = server.client();
        let ada = email("ada");
        let reply = client.sign_up(&ada, PASSWORD).await;
        assert_eq!(reply.status, StatusCode::OK, "{backend:?}: {}", reply.text);
        assert_eq!(client.me().await["email"], Value::from(ada.clone()));

        // Sign-up created an organisation owned by the new user.
        let orgs = client.call("orgs/mine", &[]).await.body;
        assert_eq!(orgs.as_array().map(Vec::len), Some(1));
        assert_eq!(orgs[0]["role"], "Owner");

        assert_eq!(client.call("auth/logout", &[]).await.status, StatusCode::OK);
        assert_eq!(client.me().await, Value::Null);

        assert_eq!(
            client.log_in(&ada.to_uppercase(), PASSWORD).await.status,
            StatusCode::OK,
            "email is case-insensitive"
        );
        let changed = client
            .call(
                "auth/password",
                &[
                    ("current_password", PASSWORD),
                    ("new_password", "another horse 2"),
                ],
            )
            .await;
        assert_eq!(changed.status, StatusCode::OK, "{}", changed.text);
        client.call("auth/logout", &[]).await;
        assert_eq!(
            client.log_in(&ada, PASSWORD).await.status,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            client.log_in(&ada, "another horse 2").await.status,
            StatusCode::OK
        );
    }
}

#[tokio::test]
async fn bad_input_gets_a_clear_error_and_changes_nothing() {
    for backend in BACKENDS {
        let server = TestServer::start(backend).await;
        let client = server.client();
        let ada = email("ada");
        client.sign_up(&ada, PASSWORD).await;
        let users_before = server.state.db.list_users().await.unwrap().len();

        let duplicate = server.client().sign_up(&ada.to_uppercase(), PASSWORD).await;
        assert_eq!(duplicate.status, StatusCode::BAD_REQUEST);
        assert_eq!(
            duplicate.invalid(),
            (
                "email".into(),
                "An account with this email address already exists.".into()
            )
        );

        let weak = server.client().sign_up(&email("weak"), "password").await;
        assert_eq!(weak.invalid(), ("password".into(), PASSWORD_RULE.into()));

        let malformed = server.client().sign_up("not-an-email", PASSWORD).await;
        assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
        assert_eq!(malformed.invalid().0, "email");

        let long_email = format!("{}@example.org", "a".repeat(300));
        let overlong = server.client().sign_up(&long_email, PASSWORD).await;
        assert_eq!(
            overlong.invalid(),
            ("email".into(), "must be at most 254 characters long".into())
        );
        let long_password = "a1".repeat(100);
        assert_eq!(
            server
                .client()
                .sign_up(&email("long"), &long_password)
                .await
                .invalid()
                .0,
            "password"
        );

        let missing_arg = server
            .client()
            .call("auth/signup", &[("email", "x@example.org")])
            .await;
        assert_eq!(
            missing_arg.status,
            StatusCode::BAD_REQUEST,
            "{}",
            missing_arg.text
        );

        assert_eq!(
            server.state.db.list_users().await.unwrap().len(),
            users_before,
            "nothing was stored"
        );

        // No user enumeration: unknown email and wrong password answer identically.
        let wrong_password = server.client().log_in(&ada, "wrong password 1").await;
        let unknown_email = server
            .client()
            .log_in(&email("nobody"), "wrong password 1")
            .await;
        assert_eq!(wrong_password.status, StatusCode::UNAUTHORIZED);
        assert_eq!(wrong_password.status, unknown_email.status);
        assert_eq!(wrong_password.text, unknown_email.text);
        assert!(wrong_password.text.contains("BadCredentials"));

        let not_logged_in = server.client().call("orgs/mine", &[]).await;
        assert_eq!(not_logged_in.status, StatusCode::UNAUTHORIZED);
        assert_eq!(not_logged_in.error_kind(), "Unauthenticated");

        let bad_id = client.call("orgs/detail", &[("org_id", "abc")]).await;
        assert_eq!(bad_id.status, StatusCode::BAD_REQUEST);
        let unknown = client.call("orgs/detail", &[("org_id", "999999")]).await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn members_are_managed_by_owners_and_the_last_owner_stays() {
    for backend in BACKENDS {
        let server = TestServer::start(backend).await;
        let owner = server.client();
        let (ada, bob) = (email("ada"), email("bob"));
        owner.sign_up(&ada, PASSWORD).await;
        let member = server.client();
        member.sign_up(&bob, PASSWORD).await;
        let org = owner.first_org_id().await.to_string();
        let bob_id = member.me().await["id"].as_i64().unwrap().to_string();
        let ada_id = owner.me().await["id"].as_i64().unwrap().to_string();

        let added = owner
            .call(
                "orgs/members/add",
                &[("org_id", &org), ("email", &bob), ("role", "member")],
            )
            .await;
        assert_eq!(added.status, StatusCode::OK, "{backend:?}: {}", added.text);
        let again = owner
            .call(
                "orgs/members/add",
                &[("org_id", &org), ("email", &bob), ("role", "member")],
            )
            .await;
        assert_eq!(
            again.invalid(),
            ("email".into(), "This person is already a member.".into())
        );
        let nobody = owner
            .call(
                "orgs/members/add",
                &[
                    ("org_id", &org),
                    ("email", &email("nobody")),
                    ("role", "member"),
                ],
            )
            .await;
        assert_eq!(nobody.invalid().0, "email");
        let bad_role = owner
            .call(
                "orgs/members/add",
                &[("org_id", &org), ("email", &bob), ("role", "admin")],
            )
            .await;
        assert_eq!(bad_role.invalid().0, "role");

        // The member sees the organisation but may not manage it.
        let detail = member.call("orgs/detail", &[("org_id", &org)]).await;
        assert_eq!(detail.status, StatusCode::OK);
        assert_eq!(detail.body["can_manage"], false);
        assert_eq!(detail.body["members"].as_array().map(Vec::len), Some(2));
        let refused = member
            .call(
                "orgs/members/remove",
                &[("org_id", &org), ("user_id", &ada_id)],
            )
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);

        // The last owner can be neither demoted nor removed.
        let demote = owner
            .call(
                "orgs/members/role",
                &[("org_id", &org), ("user_id", &ada_id), ("role", "member")],
            )
            .await;
        assert_eq!(demote.status, StatusCode::BAD_REQUEST);
        assert!(
            demote.invalid().1.contains("at least one owner"),
            "{}",
            demote.text
        );
        let remove = owner
            .call(
                "orgs/members/remove",
                &[("org_id", &org), ("user_id", &ada_id)],
            )
            .await;
        assert_eq!(remove.status, StatusCode::BAD_REQUEST);

        // With a second owner, the first may step down.
        let promote = owner
            .call(
                "orgs/members/role",
                &[("org_id", &org), ("user_id", &bob_id), ("role", "owner")],
            )
            .await;
        assert_eq!(promote.status, StatusCode::OK);
        let step_down = owner
            .call(
                "orgs/members/role",
                &[("org_id", &org), ("user_id", &ada_id), ("role", "member")],
            )
            .await;
        assert_eq!(step_down.status, StatusCode::OK);
        let removed = member
            .call(
                "orgs/members/remove",
                &[("org_id", &org), ("user_id", &ada_id)],
            )
            .await;
        assert_eq!(removed.status, StatusCode::OK);
        assert_eq!(
            owner.call("orgs/detail", &[("org_id", &org)]).await.status,
            StatusCode::NOT_FOUND
        );
    }
}

#[tokio::test]
async fn staff_see_everything_and_customers_not_the_staff_area() {
    for backend in BACKENDS {
        let server = TestServer::start(backend).await;
        let customer = server.client();
        customer.sign_up(&email("ada"), PASSWORD).await;
        let org = customer.first_org_id().await.to_string();
        for endpoint in ["staff/users", "staff/orgs"] {
            assert_eq!(
                customer.call(endpoint, &[]).await.status,
                StatusCode::FORBIDDEN,
                "{endpoint}"
            );
        }

        let admin = email("admin");
        app::server::accounts::create_staff(&server.state.db, &admin, PASSWORD)
            .await
            .unwrap();
        let staff = server.client();
        staff.log_in(&admin, PASSWORD).await;
        let users = staff.call("staff/users", &[]).await;
        assert_eq!(
            users.body.as_array().map(Vec::len),
            Some(2),
            "{}",
            users.text
        );
        let orgs = staff.call("staff/orgs", &[]).await;
        assert_eq!(orgs.body.as_array().map(Vec::len), Some(1));
        let detail = staff.call("orgs/detail", &[("org_id", &org)]).await;
        assert_eq!(detail.body["can_manage"], true);
    }
}

#[tokio::test]
async fn sessions_are_hardened_rotated_destroyed_and_survive_a_restart() {
    for backend in BACKENDS {
        let mut server = TestServer::start(backend).await;
        let client = server.client();
        let ada = email("ada");
        let response = client
            .http
            .post(format!("{}/api/auth/signup", server.base))
            .form(&[("email", ada.as_str()), ("password", PASSWORD)])
            .send()
            .await
            .unwrap();
        let cookie = response
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|c| c.starts_with("plenum_session="))
            .expect("session cookie set at sign-up")
            .to_owned();
        assert!(cookie.contains("HttpOnly"), "{cookie}");
        assert!(cookie.contains("SameSite=Lax"), "{cookie}");
        assert!(!cookie.contains("Secure"), "plain HTTP in tests: {cookie}");
        assert!(
            cookie.contains("Max-Age") || cookie.contains("Expires"),
            "idle expiry: {cookie}"
        );
        let session_pair = cookie.split(';').next().unwrap().to_owned();

        // The same cookie works on a second server over the same database: sessions are stored.
        let database_url = server.database_url.clone();
        let dir = server.take_dir();
        drop(server);
        let restarted = TestServer::start_on(database_url, dir).await;
        let replay = |pair: String, base: String| async move {
            reqwest::Client::new()
                .post(format!("{base}/api/auth/me"))
                .header("cookie", pair)
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        };
        assert_eq!(
            replay(session_pair.clone(), restarted.base.clone()).await["email"],
            Value::from(ada.clone())
        );

        // Logging in issues a new session id (no fixation)...
        let fresh = restarted.client();
        let login = fresh
            .http
            .post(format!("{}/api/auth/login", restarted.base))
            .header("cookie", session_pair.clone())
            .form(&[("email", ada.as_str()), ("password", PASSWORD)])
            .send()
            .await
            .unwrap();
        let new_pair = login
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|c| c.starts_with("plenum_session="))
            .map(|c| c.split(';').next().unwrap().to_owned())
            .expect("new session cookie at login");
        assert_ne!(new_pair, session_pair);
        assert_eq!(
            replay(session_pair.clone(), restarted.base.clone()).await,
            Value::Null,
            "old id is dead"
        );

        // ...and logging out destroys the session on the server.
        let logout = reqwest::Client::new()
            .post(format!("{}/api/auth/logout", restarted.base))
            .header("cookie", new_pair.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(logout.status(), StatusCode::OK);
        assert_eq!(replay(new_pair, restarted.base.clone()).await, Value::Null);
    }
}

#[tokio::test]
async fn cross_site_requests_are_refused() {
    let server = TestServer::start(crate::common::Backend::Sqlite).await;
    let http = reqwest::Client::new();
    let url = format!("{}/api/auth/signup", server.base);
    let form = [("email", "csrf@example.org"), ("password", PASSWORD)];
    let evil_origin = http
        .post(&url)
        .header("origin", "http://evil.example")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(evil_origin.status(), StatusCode::FORBIDDEN);
    let cross_site = http
        .post(&url)
        .header("sec-fetch-site", "cross-site")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(cross_site.status(), StatusCode::FORBIDDEN);
    assert!(
        server.state.db.list_users().await.unwrap().is_empty(),
        "nothing was created"
    );

    let same_origin = http
        .post(&url)
        .header("origin", server.base.clone())
        .header("sec-fetch-site", "same-origin")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(same_origin.status(), StatusCode::OK);
}

/// How a server function is reached, for the authorization sweep below.
enum Probe {
    /// Takes an organisation id: called with another organisation's id and with an unknown id.
    OrgId(&'static [(&'static str, &'static str)]),
    /// Staff only, taking the id named first (an order's or a catalog entry's): a customer
    /// calls it with the id given second (the victim's) and with an unknown id, and must get
    /// an identical 403 for both.
    StaffOnly(
        &'static str,
        &'static str,
        &'static [(&'static str, &'static str)],
    ),
    /// Takes an instance id: called with another organisation's instance and with an unknown
    /// id.
    InstanceId(&'static [(&'static str, &'static str)]),
    /// Takes no id; the reason says why it cannot leak another organisation's data.
    NoId(&'static str),
}

/// Every server function, classified. A new server function that is not listed here makes
/// `every_server_function_refuses_other_organisations` fail until it is classified.
fn server_function_probes() -> Vec<(&'static str, Probe)> {
    vec![
        ("/api/orgs/detail", Probe::OrgId(&[])),
        ("/api/orgs/audit", Probe::OrgId(&[])),
        (
            "/api/staff/audit",
            Probe::NoId("staff only (tested in audit.rs: customers get 403)"),
        ),
        (
            "/api/orgs/members/add",
            Probe::OrgId(&[("email", "{victim_email}"), ("role", "owner")]),
        ),
        (
            "/api/orgs/members/role",
            Probe::OrgId(&[("user_id", "{victim_id}"), ("role", "member")]),
        ),
        (
            "/api/orgs/members/remove",
            Probe::OrgId(&[("user_id", "{victim_id}")]),
        ),
        (
            "/api/orgs/mine",
            Probe::NoId("lists only the caller's own memberships"),
        ),
        (
            "/api/staff/users",
            Probe::NoId("staff only (tested: customers get 403)"),
        ),
        (
            "/api/staff/orgs",
            Probe::NoId("staff only (tested: customers get 403)"),
        ),
        (
            "/api/staff/edge",
            Probe::NoId("staff only (tested in edge.rs: customers get 403)"),
        ),
        (
            "/api/orders/place",
            Probe::OrgId(&[
                ("name", "Probe"),
                ("slug", "probe-address"),
                ("template", "demo"),
                ("version", "1.0"),
                ("plan", "small"),
                ("rental_start", "{start}"),
                ("rental_end", "{end}"),
                ("event_days", "{start} 10"),
                ("contact", "Mallory"),
                ("note", ""),
            ]),
        ),
        ("/api/orders/list", Probe::OrgId(&[])),
        (
            "/api/orders/cancel",
            Probe::OrgId(&[("order_id", "{victim_order}")]),
        ),
        (
            "/api/orders/options",
            Probe::NoId("the catalog and booking limits, the same for every customer"),
        ),
        (
            "/api/orders/slug",
            Probe::NoId("says only whether an address is free, as its public DNS name does"),
        ),
        (
            "/api/orders/availability",
            Probe::NoId(
                "says per day only whether the caller's own dates fit; others' load is not shown",
            ),
        ),
        (
            "/api/staff/orders/impacts",
            Probe::NoId("staff only (tested in capacity.rs: customers are refused)"),
        ),
        (
            "/api/staff/orders/queue",
            Probe::NoId("staff only (tested in orders.rs: customers get 403)"),
        ),
        (
            "/api/staff/orders/approve",
            Probe::StaffOnly("order_id", "{victim_order}", &[]),
        ),
        (
            "/api/staff/orders/reject",
            Probe::StaffOnly("order_id", "{victim_order}", &[("reason", "probe")]),
        ),
        (
            "/api/staff/catalog/list",
            Probe::NoId("staff only (tested in orders.rs: customers get 403)"),
        ),
        (
            "/api/staff/catalog/add",
            Probe::NoId("staff only, no id (tested in orders.rs: customers get 403)"),
        ),
        (
            "/api/staff/catalog/available",
            Probe::StaffOnly("id", "1", &[("available", "false")]),
        ),
        (
            "/api/staff/plans/set",
            Probe::NoId("staff only, no id (tested in orders.rs: customers get 403)"),
        ),
        (
            "/api/staff/plans/backup-policy",
            Probe::NoId("staff only, no id (tested in backups.rs: customers get 403)"),
        ),
        ("/api/instances/list", Probe::OrgId(&[])),
        ("/api/instances/detail", Probe::InstanceId(&[])),
        ("/api/instances/start", Probe::InstanceId(&[])),
        ("/api/instances/stop", Probe::InstanceId(&[])),
        (
            "/api/instances/scale",
            Probe::InstanceId(&[("service", "web"), ("replicas", "2")]),
        ),
        (
            "/api/instances/upgrade",
            Probe::InstanceId(&[("version", "1.1")]),
        ),
        (
            "/api/instances/delete",
            Probe::InstanceId(&[("confirm", "Victim's instance")]),
        ),
        ("/api/instances/reveal", Probe::InstanceId(&[])),
        (
            "/api/instances/hibernation",
            Probe::InstanceId(&[("allowed", "false")]),
        ),
        ("/api/instances/backups", Probe::InstanceId(&[])),
        ("/api/instances/usage", Probe::InstanceId(&[])),
        ("/api/instances/incidents", Probe::InstanceId(&[])),
        (
            "/api/staff/logs/search",
            Probe::NoId("staff only (tested in backups.rs: customers get 403)"),
        ),
        (
            "/api/staff/incidents",
            Probe::NoId("staff only (tested in incidents.rs: customers get 403)"),
        ),
        ("/api/instances/back-up", Probe::InstanceId(&[])),
        (
            "/api/staff/backups/clone",
            Probe::NoId("staff only (tested in backups.rs: customers get 403)"),
        ),
        (
            "/api/instances/restore",
            Probe::InstanceId(&[("backup", "1"), ("confirm", "Victim's instance")]),
        ),
        (
            "/api/instances/test-restore",
            Probe::InstanceId(&[("backup", "1")]),
        ),
        ("/api/access/list", Probe::InstanceId(&[])),
        (
            "/api/access/grant",
            Probe::InstanceId(&[
                ("email", "mallory@example.org"),
                ("given_name", "Mallory"),
                ("family_name", "M"),
                ("role", "admin"),
            ]),
        ),
        (
            "/api/access/import",
            Probe::InstanceId(&[
                ("csv", "mallory@example.org,Mallory,M,admin"),
                ("confirm", "true"),
            ]),
        ),
        (
            "/api/access/revoke",
            Probe::InstanceId(&[("access_id", "1")]),
        ),
        (
            "/api/staff/clients/list",
            Probe::NoId("staff only (tested in oidc.rs: customers get 403)"),
        ),
        (
            "/api/staff/clients/register",
            Probe::NoId("staff only, no id (tested in oidc.rs: customers get 403)"),
        ),
        (
            "/api/staff/clients/remove",
            Probe::StaffOnly("client_id", "instance-{victim_instance}", &[]),
        ),
        (
            "/api/upstream/platform",
            Probe::NoId("the platform's providers, the same for everyone (names only)"),
        ),
        ("/api/upstream/list", Probe::OrgId(&[])),
        (
            "/api/upstream/add",
            Probe::OrgId(&[
                ("name", "Mallory ID"),
                ("issuer", "https://id.mallory.example"),
                ("client_id", "plenum"),
                ("client_secret", "secret"),
            ]),
        ),
        ("/api/upstream/remove", Probe::OrgId(&[("id", "1")])),
        (
            "/api/access/portal",
            Probe::NoId("lists only the instances the caller may enter"),
        ),
        (
            "/api/staff/instances/list",
            Probe::NoId("staff only (tested in instances.rs: customers get 403)"),
        ),
        (
            "/api/staff/instances/upgrade",
            Probe::StaffOnly("ids", "{victim_instance}", &[("version", "1.1")]),
        ),
        (
            "/api/staff/instances/capacity",
            Probe::NoId("staff only (tested in capacity.rs: customers are refused)"),
        ),
        (
            "/api/staff/instances/pin",
            Probe::StaffOnly("id", "{victim_instance}", &[("phase", "event")]),
        ),
        (
            "/api/staff/nodes/list",
            Probe::NoId("staff only (tested in placement.rs: customers get 403)"),
        ),
        (
            "/api/staff/nodes/drain",
            Probe::StaffOnly("node", "any-node", &[]),
        ),
        (
            "/api/staff/instances/calendar",
            Probe::NoId("staff only (tested in instances.rs: customers get 403)"),
        ),
        ("/api/auth/signup", Probe::NoId("creates a new account")),
        (
            "/api/auth/login",
            Probe::NoId("acts on the caller's session"),
        ),
        (
            "/api/auth/logout",
            Probe::NoId("acts on the caller's session"),
        ),
        ("/api/auth/me", Probe::NoId("returns the caller")),
        (
            "/api/auth/invitation",
            Probe::NoId("takes an invitation link's token, no id"),
        ),
        (
            "/api/auth/password",
            Probe::NoId("acts on the caller's own account"),
        ),
    ]
}

#[tokio::test]
async fn every_server_function_refuses_other_organisations() {
    let registered: std::collections::BTreeSet<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.to_owned())
        .collect();
    let probes = server_function_probes();
    let classified: std::collections::BTreeSet<String> =
        probes.iter().map(|(p, _)| (*p).to_owned()).collect();
    assert_eq!(
        registered, classified,
        "every server function must be classified in server_function_probes()"
    );
    // The audit trail skips only server functions that exist (a stale entry would hide a
    // renamed one that changes something).
    for path in app::api::READ_ONLY {
        assert!(
            registered.contains(&format!("/api/{path}")),
            "app::api::READ_ONLY names /api/{path}, which is no server function"
        );
    }

    for backend in BACKENDS {
        let server = TestServer::start(backend).await;
        let victim = server.client();
        let victim_email = email("victim");
        victim.sign_up(&victim_email, PASSWORD).await;
        let victim_org = victim.first_org_id().await;
        let victim_id = victim.me().await["id"].as_i64().unwrap().to_string();
        let attacker = server.client();
        attacker.sign_up(&email("attacker"), PASSWORD).await;
        let start = chrono::Utc::now().date_naive() + chrono::Days::new(1);
        let end = start + chrono::Days::new(3);
        let victim_order = victim
            .call(
                "orders/place",
                &[
                    ("org_id", &victim_org.to_string()),
                    ("name", "Victim's congress"),
                    ("slug", "victim-congress"),
                    ("template", "demo"),
                    ("version", "1.0"),
                    ("plan", "small"),
                    ("rental_start", &start.to_string()),
                    ("rental_end", &end.to_string()),
                    ("event_days", &format!("{start} 10")),
                    ("contact", "Victim"),
                    ("note", ""),
                ],
            )
            .await;
        let victim_order = victim_order.body["id"]
            .as_i64()
            .unwrap_or_else(|| panic!("victim's order: {}", victim_order.text))
            .to_string();
        let victim_instance =
            crate::instances::create_instance(&server, victim_org, "victim-instance").await;
        let victim_state = || async {
            let org = victim_org.to_string();
            (
                victim.call("orgs/detail", &[("org_id", &org)]).await.body,
                victim.call("orders/list", &[("org_id", &org)]).await.body,
            )
        };
        let before = victim_state().await;

        for (path, probe) in &probes {
            let fill = |v: &str| {
                v.replace("{victim_email}", &victim_email)
                    .replace("{victim_id}", &victim_id)
                    .replace("{victim_order}", &victim_order)
                    .replace("{victim_instance}", &victim_instance.to_string())
                    .replace("{start}", &start.to_string())
                    .replace("{end}", &end.to_string())
            };
            let (id_field, victims_id, extra, refusal) = match probe {
                Probe::OrgId(extra) => (
                    "org_id",
                    victim_org.to_string(),
                    extra,
                    StatusCode::NOT_FOUND,
                ),
                Probe::InstanceId(extra) => (
                    "id",
                    victim_instance.to_string(),
                    extra,
                    StatusCode::NOT_FOUND,
                ),
                Probe::StaffOnly(field, id, extra) => {
                    (*field, fill(id), extra, StatusCode::FORBIDDEN)
                }
                Probe::NoId(reason) => {
                    eprintln!("{path}: takes no organisation id ({reason})");
                    continue;
                }
            };
            let endpoint = path.trim_start_matches("/api/");
            let mut answers = Vec::new();
            for id in [victims_id, "987654321".to_owned()] {
                let mut form: Vec<(String, String)> = vec![(id_field.into(), id)];
                form.extend(extra.iter().map(|(k, v)| ((*k).to_owned(), fill(v))));
                let form_refs: Vec<(&str, &str)> =
                    form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                let reply = attacker.call(endpoint, &form_refs).await;
                assert_eq!(reply.status, refusal, "{backend:?} {path}: {}", reply.text);
                answers.push(reply.text);
            }
            assert_eq!(
                answers[0], answers[1],
                "{path}: a foreign id must look exactly like an unknown one"
            );
        }

        let after = victim_state().await;
        assert!(
            server
                .state
                .db
                .access_list(victim_instance)
                .await
                .unwrap()
                .is_empty(),
            "{backend:?}: nobody was granted access to the victim's instance"
        );
        let instance = server.state.db.instance(victim_instance).await.unwrap();
        assert_eq!(
            (instance.generation, instance.lifecycle),
            (1, domain::instance::Lifecycle::Running),
            "{backend:?}: the victim's instance is unchanged"
        );
        assert_eq!(
            before, after,
            "{backend:?}: the victim's organisation and orders are unchanged"
        );
        assert!(
            server
                .state
                .db
                .instance_by_slug("probe-address")
                .await
                .is_err()
        );
        let attacker_orgs = attacker.call("orgs/mine", &[]).await.body;
        assert!(!attacker_orgs.to_string().contains(&victim_email));
        assert!(
            attacker_orgs
                .as_array()
                .unwrap()
                .iter()
                .all(|o| o["id"] != victim_org)
        );
    }
}

#[tokio::test]
async fn login_attempts_are_limited_without_revealing_accounts() {
    for backend in BACKENDS {
        let server = TestServer::start(backend).await;
        let known = email("known");
        server.client().sign_up(&known, PASSWORD).await;
        let unknown = email("unknown");
        let mut answers = Vec::new();
        for account in [&known, &unknown] {
            let client = server.client();
            for attempt in 0..10 {
                let reply = client.log_in(account, "wrong password 1").await;
                assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "attempt {attempt}");
            }
            // The eleventh attempt is refused even with the right password.
            let reply = client.log_in(account, PASSWORD).await;
            assert_eq!(
                reply.status,
                StatusCode::TOO_MANY_REQUESTS,
                "{}",
                reply.text
            );
            answers.push(reply.text);
        }
        assert_eq!(
            answers[0], answers[1],
            "the same answer whether the account exists"
        );
        // Another account from the same address still signs in.
        let other = email("other");
        server.client().sign_up(&other, PASSWORD).await;
        let client = server.client();
        let reply = client.log_in(&other, PASSWORD).await;
        assert!(
            reply.status.is_success() || reply.status.is_redirection(),
            "{}",
            reply.text
        );
    }
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_forwarded_address_is_limited() {
    let server = TestServer::start_with(Backend::Sqlite, |s| {
        s.trusted_proxies = vec!["127.0.0.0/8".parse().unwrap()];
        s.login.attempts_per_address = 5;
    })
    .await;
    let attempt = |account: String, forwarded: &'static str| {
        let http = reqwest::Client::new();
        let url = format!("{}/api/auth/login", server.base);
        async move {
            http.post(url)
                .header("x-forwarded-for", forwarded)
                .form(&[
                    ("email", account.as_str()),
                    ("password", "wrong password 1"),
                ])
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    for i in 0..5 {
        let status = attempt(format!("p{i}@example.org"), "198.51.100.7, 203.0.113.9").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    assert_eq!(
        attempt("p5@example.org".into(), "198.51.100.7, 203.0.113.9").await,
        StatusCode::TOO_MANY_REQUESTS,
        "the address the proxy appended is spent"
    );
    assert_eq!(
        attempt("p6@example.org".into(), "203.0.113.10").await,
        StatusCode::UNAUTHORIZED,
        "another client behind the same proxy is not"
    );
}
