//! Who may enter an instance, over HTTP on SQLite and PostgreSQL: owners grant and revoke,
//! import a CSV with a report per row (nothing half-imported without confirmation), members
//! may not manage, and the portal shows a person the instances they may enter across
//! organisations.

use reqwest::StatusCode;
use serde_json::Value;

use crate::common::{BACKENDS, Client, PASSWORD, TestServer, email};
use crate::instances::create_instance;

async fn grant(owner: &Client, instance: i64, address: &str, role: &str) -> crate::common::Reply {
    owner
        .call(
            "access/grant",
            &[
                ("id", &instance.to_string()),
                ("email", address),
                ("given_name", "Rosa"),
                ("family_name", "Lux"),
                ("role", role),
            ],
        )
        .await
}

fn emails(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|a| a["email"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn owners_grant_import_and_revoke_and_members_may_not() {
    for backend in BACKENDS {
        let server = TestServer::start(backend).await;
        let owner = server.client();
        owner.sign_up(&email("owner"), PASSWORD).await;
        let org = owner.first_org_id().await;
        let instance = create_instance(&server, org, "people").await;
        let id = instance.to_string();

        // One grant, with the default validity (no rental here: a year from today).
        let reply = grant(&owner, instance, "Delegate@Example.org", "participant").await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        assert_eq!(reply.body["email"], "delegate@example.org");
        assert_eq!(reply.body["active_today"], true);
        let today = chrono::Utc::now().date_naive();
        assert_eq!(reply.body["valid_from"], today.to_string());
        // Bad input names its field and changes nothing.
        let bad = grant(&owner, instance, "not-an-address", "participant").await;
        assert_eq!(
            (bad.status, bad.invalid().0.as_str()),
            (StatusCode::BAD_REQUEST, "email")
        );
        let bad = grant(&owner, instance, "x@example.org", "chair").await;
        assert_eq!(bad.invalid().0, "role");
        let bad = owner
            .call(
                "access/grant",
                &[
                    ("id", &id),
                    ("email", "y@example.org"),
                    ("given_name", ""),
                    ("family_name", ""),
                    ("role", "admin"),
                    ("valid_from", "2030-01-02"),
                    ("valid_until", "2030-01-01"),
                ],
            )
            .await;
        assert_eq!(bad.invalid().0, "valid_until");
        let list = owner.call("access/list", &[("id", &id)]).await;
        assert_eq!(emails(&list.body), ["delegate@example.org"]);

        // A CSV with a bad row: a report per row, nothing granted until confirmed.
        let csv = "email,given name,family name,role\n\
                   ann@example.org,Ann,Lee,participant\n\
                   broken,Bob,Ray,participant\n\
                   cid@example.org,Cid,Moss,admin\n";
        let report = owner
            .call("access/import", &[("id", &id), ("csv", csv)])
            .await;
        assert_eq!(report.status, StatusCode::OK, "{}", report.text);
        assert_eq!(
            (
                report.body["valid"].as_u64(),
                report.body["invalid"].as_u64()
            ),
            (Some(2), Some(1))
        );
        assert_eq!(report.body["applied"], false);
        assert_eq!(report.body["rows"][1]["line"], 3);
        assert_eq!(report.body["rows"][1]["email"], "broken");
        assert!(
            report.body["rows"][1]["problems"][0]
                .as_str()
                .unwrap()
                .starts_with("email")
        );
        let list = owner.call("access/list", &[("id", &id)]).await;
        assert_eq!(emails(&list.body).len(), 1, "nothing half-imported");
        let report = owner
            .call(
                "access/import",
                &[("id", &id), ("csv", csv), ("confirm", "true")],
            )
            .await;
        assert_eq!(report.body["applied"], true);
        let list = owner.call("access/list", &[("id", &id)]).await;
        assert_eq!(
            emails(&list.body),
            ["ann@example.org", "cid@example.org", "delegate@example.org"]
        );
        let not_csv = owner
            .call("access/import", &[("id", &id), ("csv", "")])
            .await;
        assert_eq!(not_csv.invalid().0, "file");

        // A member of the organisation may not manage people.
        let member_address = email("member");
        let member = server.client();
        member.sign_up(&member_address, PASSWORD).await;
        owner
            .call(
                "orgs/members/add",
                &[
                    ("org_id", &org.to_string()),
                    ("email", &member_address),
                    ("role", "member"),
                ],
            )
            .await;
        for (endpoint, form) in [
            ("access/list", vec![("id", id.as_str())]),
            (
                "access/import",
                vec![("id", id.as_str()), ("csv", "z@example.org,,,admin")],
            ),
        ] {
            let reply = member.call(endpoint, &form).await;
            assert_eq!(
                reply.status,
                StatusCode::FORBIDDEN,
                "{endpoint}: {}",
                reply.text
            );
        }

        // Revoke.
        let first = list.body[0]["id"].as_i64().unwrap().to_string();
        let reply = owner
            .call("access/revoke", &[("id", &id), ("access_id", &first)])
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        let again = owner
            .call("access/revoke", &[("id", &id), ("access_id", &first)])
            .await;
        assert_eq!(again.status, StatusCode::NOT_FOUND);
        let list = owner.call("access/list", &[("id", &id)]).await;
        assert_eq!(
            emails(&list.body),
            ["cid@example.org", "delegate@example.org"]
        );
    }
}

#[tokio::test]
async fn the_portal_lists_instances_across_organisations() {
    for backend in BACKENDS {
        let server = TestServer::start(backend).await;
        let union = server.client();
        union.sign_up(&email("union"), PASSWORD).await;
        let union_instance =
            create_instance(&server, union.first_org_id().await, "union-congress").await;
        let party = server.client();
        party.sign_up(&email("party"), PASSWORD).await;
        let party_org = party.first_org_id().await;
        let party_instance = create_instance(&server, party_org, "party-congress").await;
        let other_instance = create_instance(&server, party_org, "party-board").await;

        let person_address = email("person");
        let person = server.client();
        person.sign_up(&person_address, PASSWORD).await;
        let own = create_instance(&server, person.first_org_id().await, "own-club").await;
        assert_eq!(
            grant(&union, union_instance, &person_address, "admin")
                .await
                .status,
            StatusCode::OK
        );
        assert_eq!(
            grant(&party, party_instance, &person_address, "participant")
                .await
                .status,
            StatusCode::OK
        );

        let portal = person.call("access/portal", &[]).await;
        assert_eq!(portal.status, StatusCode::OK, "{}", portal.text);
        let mut seen: Vec<(i64, String, String)> = portal
            .body
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["instance_id"].as_i64().unwrap(),
                    e["role"].as_str().unwrap().to_owned(),
                    e["through"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        seen.sort();
        let mut expected = vec![
            (union_instance, "admin".to_owned(), "granted".to_owned()),
            (
                party_instance,
                "participant".to_owned(),
                "granted".to_owned(),
            ),
            (own, "admin".to_owned(), "organisation".to_owned()),
        ];
        expected.sort();
        assert_eq!(
            seen, expected,
            "not {other_instance}, which was not granted"
        );
        let signed_out = server.client().call("access/portal", &[]).await;
        assert_eq!(signed_out.status, StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn addresses_without_an_account_get_an_invitation_link() {
    for backend in BACKENDS {
        let server = TestServer::start(backend).await;
        let owner = server.client();
        owner.sign_up(&email("owner"), PASSWORD).await;
        let instance = create_instance(&server, owner.first_org_id().await, "invites").await;
        let member = email("member");
        server.client().sign_up(&member, PASSWORD).await;
        let existing = grant(&owner, instance, &member, "participant").await;
        assert_eq!(
            existing.body["notice"]["invite_link"],
            Value::Null,
            "an account exists"
        );
        let newcomer = email("newcomer");
        let granted = grant(&owner, instance, &newcomer, "participant").await;
        let link = granted.body["notice"]["invite_link"]
            .as_str()
            .unwrap()
            .to_owned();
        let token = link
            .strip_prefix(&format!("{}/invite/", server.base))
            .unwrap_or_else(|| panic!("a link to this Plenum: {link}"))
            .to_owned();
        let list = owner
            .call("access/list", &[("id", &instance.to_string())])
            .await;
        assert!(!list.text.contains(&token), "the link is shown only once");

        let browser = server.client();
        let weak = browser
            .call(
                "auth/invitation",
                &[("token", &token), ("password", "short")],
            )
            .await;
        assert_eq!(weak.invalid().0, "password");
        let forged = browser
            .call(
                "auth/invitation",
                &[("token", "not-a-token"), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(forged.invalid().0, "token");
        let accepted = browser
            .call(
                "auth/invitation",
                &[("token", &token), ("password", PASSWORD)],
            )
            .await;
        assert!(
            accepted.status.is_success() || accepted.status.is_redirection(),
            "{}",
            accepted.text
        );
        assert_eq!(browser.me().await["email"], newcomer.to_lowercase());
        let user = server
            .state
            .db
            .find_user_by_email(&domain::account::Email::parse(&newcomer).unwrap())
            .await
            .unwrap();
        assert!(user.email_verified, "the link proved the address");
        let again = server
            .client()
            .call(
                "auth/invitation",
                &[("token", &token), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(again.invalid().0, "token", "a link works once");
        // The new account signs in with its password and sees the instance in its portal.
        let signed_in = server.client();
        signed_in.log_in(&newcomer, PASSWORD).await;
        let portal = signed_in.call("access/portal", &[]).await;
        assert_eq!(portal.body[0]["instance_id"], instance);

        // An import gives each address without an account its link.
        let csv = format!(
            "{},A,B,participant\n{member},C,D,participant\n",
            email("fresh")
        );
        let report = owner
            .call(
                "access/import",
                &[("id", &instance.to_string()), ("csv", &csv)],
            )
            .await;
        assert!(
            report.body["rows"][0]["notice"]["invite_link"]
                .as_str()
                .is_some(),
            "{}",
            report.text
        );
        assert_eq!(report.body["rows"][1]["notice"]["invite_link"], Value::Null);
    }
}
