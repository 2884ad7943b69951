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
