//! The audit trail, over HTTP on both databases: every call that may change something is
//! recorded with who, from where, what and how it was answered — refused ones too — and
//! never a password; reads are not recorded; staff read and filter everything, owners
//! their organisation's, customers not the staff trail.

use crate::common::{BACKENDS, PASSWORD, TestServer, email};
use crate::orders::staff;
use serde_json::Value;

fn entries(reply: &crate::common::Reply) -> Vec<Value> {
    assert!(reply.status.is_success(), "{}", reply.text);
    reply.body.as_array().unwrap().clone()
}

#[tokio::test]
async fn changes_are_recorded_without_secrets_and_read_by_staff_and_owners() {
    for backend in BACKENDS {
        let server = TestServer::start(backend).await;
        let ada = server.client();
        let ada_email = email("ada-audit");
        ada.sign_up(&ada_email, PASSWORD).await;
        let org = ada.first_org_id().await;
        let bob = server.client();
        let bob_email = email("bob-audit");
        bob.sign_up(&bob_email, PASSWORD).await;
        let bob_org = bob.first_org_id().await;
        // A change, a read (not recorded), a refused change, a failed sign-in.
        let added = ada
            .call(
                "orgs/members/add",
                &[
                    ("org_id", &org.to_string()),
                    ("email", &bob_email),
                    ("role", "member"),
                ],
            )
            .await;
        assert!(added.status.is_success(), "{}", added.text);
        ada.call("orgs/detail", &[("org_id", &org.to_string())])
            .await;
        let refused = bob
            .call(
                "orgs/members/add",
                &[
                    ("org_id", &org.to_string()),
                    ("email", "eve@example.org"),
                    ("role", "owner"),
                ],
            )
            .await;
        assert_eq!(refused.status.as_u16(), 403, "{}", refused.text);
        let stranger = server.client();
        let failed = stranger.log_in(&ada_email, "wrong password 1").await;
        assert_eq!(failed.status.as_u16(), 401, "{}", failed.text);
        let changed = ada
            .call(
                "auth/password",
                &[
                    ("current_password", PASSWORD),
                    ("new_password", "a new secret 22"),
                ],
            )
            .await;
        assert!(changed.status.is_success(), "{}", changed.text);

        // Staff read everything, filtered by who and what.
        let admin = staff(&server).await;
        let all = entries(&admin.call("staff/audit", &[]).await);
        let actions: Vec<&str> = all.iter().map(|e| e["action"].as_str().unwrap()).collect();
        assert!(actions.contains(&"auth/signup"), "{actions:?}");
        assert!(actions.contains(&"orgs/members/add"), "{actions:?}");
        assert!(actions.contains(&"auth/login"), "{actions:?}");
        assert!(
            !actions.contains(&"orgs/detail"),
            "reads are not recorded: {actions:?}"
        );
        let text = serde_json::to_string(&all).unwrap();
        for secret in [PASSWORD, "wrong password 1", "a new secret 22"] {
            assert!(
                !text.contains(secret),
                "{backend:?}: a password was recorded: {text}"
            );
        }
        let add = all
            .iter()
            .find(|e| e["action"] == "orgs/members/add" && e["outcome"] == 200)
            .unwrap();
        assert_eq!(add["who"], ada_email.as_str());
        assert_eq!(add["address"], "127.0.0.1");
        assert_eq!(add["organisation_id"], org);
        let details: Value = serde_json::from_str(add["details"].as_str().unwrap()).unwrap();
        assert_eq!(details["email"], bob_email.as_str());
        assert_eq!(details["role"], "member");
        let bad_login = all
            .iter()
            .find(|e| e["action"] == "auth/login" && e["outcome"] == 401)
            .expect("the failed sign-in is recorded");
        assert_eq!(bad_login["who"], "(nobody signed in)");
        let login_details: Value =
            serde_json::from_str(bad_login["details"].as_str().unwrap()).unwrap();
        assert_eq!(login_details["password"], "(not recorded)");
        let change = all.iter().find(|e| e["action"] == "auth/password").unwrap();
        assert_eq!(change["who"], ada_email.as_str());
        let by_bob = entries(
            &admin
                .call(
                    "staff/audit",
                    &[("actor", "bob-audit"), ("action", "members")],
                )
                .await,
        );
        assert_eq!(by_bob.len(), 1, "{by_bob:?}");
        assert_eq!(by_bob[0]["outcome"], 403);
        let of_bob_org = entries(
            &admin
                .call("staff/audit", &[("org_id", &bob_org.to_string())])
                .await,
        );
        assert!(
            of_bob_org.iter().all(|e| e["organisation_id"] == bob_org),
            "{of_bob_org:?}"
        );
        // Pages continue below an entry.
        let newest = all[0]["id"].as_i64().unwrap();
        let older = entries(
            &admin
                .call("staff/audit", &[("before", &newest.to_string())])
                .await,
        );
        assert!(older.iter().all(|e| e["id"].as_i64().unwrap() < newest));
        assert_eq!(older.len(), all.len() - 1);

        // Owners read their organisation's trail; customers not the staff one.
        let own = entries(
            &ada.call("orgs/audit", &[("org_id", &org.to_string())])
                .await,
        );
        assert!(!own.is_empty());
        assert!(own.iter().all(|e| e["organisation_id"] == org), "{own:?}");
        assert_eq!(ada.call("staff/audit", &[]).await.status.as_u16(), 403);
    }
}
