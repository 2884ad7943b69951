//! Ordering and approval over HTTP, each test on SQLite and on PostgreSQL: placing orders
//! with every field rule, the live address check, the staff queue, approval into an
//! instance, rejection with a reason, cancellation, and two orders racing for one address.

use crate::common::{BACKENDS, Client, PASSWORD, Reply, TestServer, email};
use chrono::{Days, NaiveDate, Utc};
use domain::booking::PlanSize;
use domain::instance::{Lifecycle, Slug};
use domain::order::{OrderStatus, limits_of};
use domain::template::ResourceAmounts;
use reqwest::StatusCode;

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

pub(crate) fn day(offset: u64) -> String {
    (today() + Days::new(offset)).to_string()
}

/// A valid order form for `slug`, renting from `start` days from now for five days.
pub(crate) fn form(org: i64, slug: &str, start: u64) -> Vec<(String, String)> {
    [
        ("org_id", org.to_string()),
        ("name", "Party congress".to_owned()),
        ("slug", slug.to_owned()),
        ("template", "demo".to_owned()),
        ("version", "1.0".to_owned()),
        ("plan", "small".to_owned()),
        ("rental_start", day(start)),
        ("rental_end", day(start + 4)),
        (
            "event_days",
            format!("{} 80\n{} 40", day(start + 1), day(start + 2)),
        ),
        ("contact", "Ada Lovelace, +49 30 1234".to_owned()),
        ("note", "Two days of plenary sessions.".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

pub(crate) fn with(
    mut form: Vec<(String, String)>,
    field: &str,
    value: &str,
) -> Vec<(String, String)> {
    for (k, v) in &mut form {
        if k == field {
            *v = value.to_owned();
        }
    }
    form
}

pub(crate) async fn place(client: &Client, form: &[(String, String)]) -> Reply {
    let refs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    client.call("orders/place", &refs).await
}

pub(crate) async fn customer(server: &TestServer, name: &str) -> (Client, i64) {
    let client = server.client();
    client.sign_up(&email(name), PASSWORD).await;
    let org = client.first_org_id().await;
    (client, org)
}

pub(crate) async fn staff(server: &TestServer) -> Client {
    let admin = email("staff");
    app::server::accounts::create_staff(&server.state.db, &admin, PASSWORD)
        .await
        .unwrap();
    let client = server.client();
    assert_eq!(client.log_in(&admin, PASSWORD).await.status, StatusCode::OK);
    client
}

pub(crate) fn id_of(reply: &Reply) -> String {
    reply.body["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("an order: {}", reply.text))
        .to_string()
}

#[tokio::test]
async fn customers_order_and_staff_approve_reject_and_provision() {
    for backend in BACKENDS {
        let server = TestServer::start(backend).await;
        let (ada, org) = customer(&server, "ada").await;

        let options = ada.call("orders/options", &[]).await;
        assert_eq!(options.status, StatusCode::OK, "{}", options.text);
        assert!(
            options
                .text
                .contains(r#""template":"demo","version":"1.0""#)
        );
        assert_eq!(options.body["plans"].as_array().map(Vec::len), Some(3));
        assert_eq!(options.body["today"], today().to_string());

        let free = ada.call("orders/slug", &[("slug", "congress")]).await;
        assert_eq!(free.body["available"], true, "{}", free.text);
        let reserved = ada.call("orders/slug", &[("slug", "www")]).await;
        assert_eq!(reserved.body["available"], false);
        assert!(
            reserved.body["message"]
                .as_str()
                .unwrap()
                .contains("reserved")
        );

        // An order whose rental starts today becomes an instance at approval.
        let now = place(&ada, &form(org, "congress", 0)).await;
        assert_eq!(now.status, StatusCode::OK, "{backend:?}: {}", now.text);
        assert_eq!(now.body["status"], "Pending");
        let now_id = id_of(&now);
        let taken = ada.call("orders/slug", &[("slug", "congress")]).await;
        assert_eq!(taken.body["available"], false);
        assert!(taken.body["message"].as_str().unwrap().contains("taken"));
        let again = place(&ada, &form(org, "congress", 3)).await;
        assert_eq!(
            again.invalid(),
            ("slug".into(), "This address is already taken.".into())
        );

        let later = place(&ada, &form(org, "assembly", 10)).await;
        let later_id = id_of(&later);
        let refused = place(&ada, &form(org, "refused", 5)).await;
        let refused_id = id_of(&refused);
        let listed = ada
            .call("orders/list", &[("org_id", &org.to_string())])
            .await;
        assert_eq!(listed.body.as_array().map(Vec::len), Some(3));

        // Customers cannot reach the staff side.
        for (endpoint, form) in [
            ("staff/orders/queue", vec![]),
            ("staff/orders/approve", vec![("order_id", now_id.as_str())]),
            (
                "staff/orders/reject",
                vec![("order_id", now_id.as_str()), ("reason", "no")],
            ),
            ("staff/catalog/list", vec![]),
            (
                "staff/catalog/add",
                vec![("template", "demo"), ("version", "9.9")],
            ),
            (
                "staff/catalog/available",
                vec![("id", "1"), ("available", "false")],
            ),
            (
                "staff/plans/set",
                vec![("template", "demo"), ("size", "small"), ("services", "{}")],
            ),
        ] {
            let reply = ada.call(endpoint, &form).await;
            assert_eq!(reply.status, StatusCode::FORBIDDEN, "{endpoint}");
        }
        assert_eq!(
            server
                .state
                .db
                .order(now_id.parse().unwrap())
                .await
                .unwrap()
                .status,
            OrderStatus::Pending,
            "nothing was decided"
        );

        let staff = staff(&server).await;
        let queue = staff.call("staff/orders/queue", &[]).await;
        assert_eq!(
            queue.body.as_array().map(Vec::len),
            Some(3),
            "{}",
            queue.text
        );

        let approved = staff
            .call("staff/orders/approve", &[("order_id", &now_id)])
            .await;
        assert_eq!(approved.status, StatusCode::OK, "{}", approved.text);
        assert_eq!(approved.body["status"], "Provisioned");
        let instance_id = approved.body["instance_id"].as_i64().expect("an instance");
        let instance = server.state.db.instance(instance_id).await.unwrap();
        assert_eq!(
            (
                instance.slug.as_str(),
                instance.organisation_id,
                instance.lifecycle
            ),
            ("congress", org, Lifecycle::Running)
        );
        assert_eq!(instance.template, "demo");
        assert_eq!(instance.version, "1.0");
        assert_eq!(instance.replicas.get("web"), Some(&1), "small plan");
        // The plan's limits, as stored, are the instance's.
        let small = server
            .state
            .db
            .plans()
            .await
            .unwrap()
            .into_iter()
            .find(|p| p.template == "demo" && p.size == PlanSize::Small)
            .expect("a small demo plan");
        let plan_limits = limits_of(&small.services).unwrap();
        assert_eq!(
            instance.limits.keys().collect::<Vec<_>>(),
            small.services.keys().collect::<Vec<_>>()
        );
        for (service, limits) in &instance.limits {
            assert_eq!(
                limits.nano_cpus, plan_limits[service].nano_cpus,
                "{service}"
            );
            assert_eq!(
                limits.memory_bytes, plan_limits[service].memory_bytes,
                "{service}"
            );
        }
        assert_eq!(
            instance.limits["web"],
            ResourceAmounts {
                nano_cpus: Some(500_000_000),
                memory_bytes: Some(128 << 20),
            },
            "small demo plan: web at 0.5 CPUs and 128M"
        );
        let twice = staff
            .call("staff/orders/approve", &[("order_id", &now_id)])
            .await;
        assert_eq!(twice.invalid().0, "status", "{}", twice.text);
        let cancel_provisioned = ada
            .call(
                "orders/cancel",
                &[("org_id", &org.to_string()), ("order_id", &now_id)],
            )
            .await;
        assert_eq!(cancel_provisioned.invalid().0, "status");

        // An order approved ahead of its rental waits for the scheduler.
        let waiting = staff
            .call("staff/orders/approve", &[("order_id", &later_id)])
            .await;
        assert_eq!(waiting.body["status"], "Approved", "{}", waiting.text);
        assert_eq!(waiting.body["instance_id"], serde_json::Value::Null);
        assert!(
            server
                .state
                .db
                .provision_due_orders(today() + Days::new(9))
                .await
                .unwrap()
                .is_empty(),
            "not due before its start"
        );
        let due = server
            .state
            .db
            .provision_due_orders(today() + Days::new(10))
            .await
            .unwrap();
        assert_eq!(due, vec![later_id.parse::<i64>().unwrap()]);
        assert!(server.state.db.instance_by_slug("assembly").await.is_ok());

        // Rejection needs a reason, which the customer then sees; the address is free again.
        let no_reason = staff
            .call(
                "staff/orders/reject",
                &[("order_id", &refused_id), ("reason", "  ")],
            )
            .await;
        assert_eq!(no_reason.invalid().0, "reason");
        let rejected = staff
            .call(
                "staff/orders/reject",
                &[
                    ("order_id", &refused_id),
                    ("reason", "We are fully booked then."),
                ],
            )
            .await;
        assert_eq!(rejected.body["status"], "Rejected", "{}", rejected.text);
        let listed = ada
            .call("orders/list", &[("org_id", &org.to_string())])
            .await;
        let seen = listed
            .body
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["id"].as_i64() == refused_id.parse().ok())
            .unwrap()
            .clone();
        assert_eq!(seen["reason"], "We are fully booked then.");
        let freed = ada.call("orders/slug", &[("slug", "refused")]).await;
        assert_eq!(freed.body["available"], true);
        assert_eq!(
            staff
                .call("staff/orders/queue", &[])
                .await
                .body
                .as_array()
                .map(Vec::len),
            Some(0),
            "decided and provisioned orders leave the queue"
        );
        assert_eq!(
            server.state.db.instances_of_org(org).await.unwrap().len(),
            2
        );
    }
}

#[tokio::test]
async fn customers_cancel_before_provisioning_and_members_cannot_order() {
    for backend in BACKENDS {
        let server = TestServer::start(backend).await;
        let (ada, org) = customer(&server, "ada").await;
        let org_s = org.to_string();
        let pending = id_of(&place(&ada, &form(org, "pending-one", 2)).await);
        let approved = id_of(&place(&ada, &form(org, "approved-one", 2)).await);
        let staff = staff(&server).await;
        staff
            .call("staff/orders/approve", &[("order_id", &approved)])
            .await;

        for id in [&pending, &approved] {
            let cancelled = ada
                .call("orders/cancel", &[("org_id", &org_s), ("order_id", id)])
                .await;
            assert_eq!(cancelled.body["status"], "Cancelled", "{}", cancelled.text);
        }
        let again = ada
            .call(
                "orders/cancel",
                &[("org_id", &org_s), ("order_id", &pending)],
            )
            .await;
        assert_eq!(again.invalid().0, "status");
        let late_approval = staff
            .call("staff/orders/approve", &[("order_id", &pending)])
            .await;
        assert_eq!(late_approval.invalid().0, "status");
        assert!(
            server
                .state
                .db
                .provision_due_orders(today() + Days::new(30))
                .await
                .unwrap()
                .is_empty(),
            "a cancelled order is never provisioned"
        );
        let slug = Slug::parse("approved-one").unwrap();
        assert!(server.state.db.slug_available(&slug).await.unwrap());

        // A member who is not an owner sees the orders but may not order or cancel.
        let bob = email("bob");
        let member = server.client();
        member.sign_up(&bob, PASSWORD).await;
        ada.call(
            "orgs/members/add",
            &[("org_id", &org_s), ("email", &bob), ("role", "member")],
        )
        .await;
        let list = member.call("orders/list", &[("org_id", &org_s)]).await;
        assert_eq!(list.body.as_array().map(Vec::len), Some(2));
        assert_eq!(
            place(&member, &form(org, "members-own", 2)).await.status,
            StatusCode::FORBIDDEN
        );

        // Someone else's order id under one's own organisation is not found, exactly like
        // an unknown id.
        let (eve, eve_org) = customer(&server, "eve").await;
        let mine = place(&ada, &form(org, "still-mine", 2)).await;
        let foreign = eve
            .call(
                "orders/cancel",
                &[
                    ("org_id", &eve_org.to_string()),
                    ("order_id", &id_of(&mine)),
                ],
            )
            .await;
        let unknown = eve
            .call(
                "orders/cancel",
                &[("org_id", &eve_org.to_string()), ("order_id", "987654321")],
            )
            .await;
        assert_eq!(foreign.status, StatusCode::NOT_FOUND);
        assert_eq!(foreign.text, unknown.text);
        assert_eq!(
            server
                .state
                .db
                .order(id_of(&mine).parse().unwrap())
                .await
                .unwrap()
                .status,
            OrderStatus::Pending
        );
    }
}

#[tokio::test]
async fn every_field_rule_refuses_with_its_field_and_stores_nothing() {
    for backend in BACKENDS {
        let server = TestServer::start(backend).await;
        let (ada, org) = customer(&server, "ada").await;
        let good = form(org, "good-name", 1);
        let cases: Vec<(&str, &str, String)> = vec![
            ("name", "name", " ".into()),
            ("name", "name", "x".repeat(101)),
            ("slug", "slug", "ab".into()),
            ("slug", "slug", "Upper".into()),
            ("slug", "slug", "admin".into()),
            ("template", "template", "wordpress".into()),
            ("version", "version", "9.9".into()),
            ("version", "version", "-bad".into()),
            ("plan", "plan", "huge".into()),
            ("rental_start", "rental_start", "14.03.2027".into()),
            (
                "rental_start",
                "rental_start",
                (today() - Days::new(1)).to_string(),
            ),
            ("rental_end", "rental_end", day(1)),
            ("rental_end", "rental_end", day(200)),
            ("event_days", "event_days", String::new()),
            ("event_days", "event_days", format!("{} 10", day(30))),
            ("event_days", "event_days", format!("{} 101", day(2))),
            ("event_days", "event_days", format!("{} many", day(2))),
            ("contact", "contact", " ".into()),
            ("note", "note", "x".repeat(2001)),
        ];
        for (input, field, value) in cases {
            let reply = place(&ada, &with(good.clone(), input, &value)).await;
            assert_eq!(
                reply.status,
                StatusCode::BAD_REQUEST,
                "{backend:?} {input}={value:?}: {}",
                reply.text
            );
            let (named, message) = reply.invalid();
            assert_eq!(named, field, "{input}={value:?}: {message}");
            assert!(!message.is_empty());
        }
        assert!(
            server.state.db.orders_of_org(org).await.unwrap().is_empty(),
            "{backend:?}: nothing was stored"
        );
        assert!(
            server
                .state
                .db
                .slug_available(&Slug::parse("good-name").unwrap())
                .await
                .unwrap(),
            "no address was reserved"
        );
        let ok = place(&ada, &good).await;
        assert_eq!(
            ok.status,
            StatusCode::OK,
            "the base form is valid: {}",
            ok.text
        );
    }
}

#[tokio::test]
async fn concurrent_orders_for_one_address_leave_exactly_one() {
    for backend in BACKENDS {
        // With auto-approval and rentals starting today, the winner becomes an instance.
        let server = TestServer::start_with(backend, |s| {
            s.orders.auto_approve = true;
            s.orders.max_rental_days = 10;
        })
        .await;
        let (ada, ada_org) = customer(&server, "ada").await;
        let (bob, bob_org) = customer(&server, "bob").await;

        let too_long = place(
            &ada,
            &with(form(ada_org, "long-one", 0), "rental_end", &day(10)),
        )
        .await;
        let (field, message) = too_long.invalid();
        assert_eq!(field, "rental_end");
        assert!(message.contains("at most 10 days"), "{message}");

        for round in 0..5 {
            let slug = format!("race-{round}");
            let (ada_form, bob_form) = (form(ada_org, &slug, 0), form(bob_org, &slug, 0));
            let (a, b) = tokio::join!(place(&ada, &ada_form), place(&bob, &bob_form));
            let oks = [&a, &b]
                .iter()
                .filter(|r| r.status == StatusCode::OK)
                .count();
            assert_eq!(oks, 1, "{backend:?} {slug}: {} / {}", a.text, b.text);
            let loser = if a.status == StatusCode::OK { &b } else { &a };
            assert_eq!(
                loser.invalid(),
                ("slug".into(), "This address is already taken.".into()),
                "{backend:?}: {}",
                loser.text
            );
            let winner = if a.status == StatusCode::OK { &a } else { &b };
            assert_eq!(winner.body["status"], "Provisioned", "{}", winner.text);
            let instance = server.state.db.instance_by_slug(&slug).await.unwrap();
            assert_eq!(
                Some(instance.id),
                winner.body["instance_id"].as_i64(),
                "the winner's instance holds the address"
            );
        }
        let mut orders = server.state.db.orders_of_org(ada_org).await.unwrap();
        orders.extend(server.state.db.orders_of_org(bob_org).await.unwrap());
        assert_eq!(orders.len(), 5, "{backend:?}: one order per address");
        let instances = server
            .state
            .db
            .instances_of_org(ada_org)
            .await
            .unwrap()
            .len()
            + server
                .state
                .db
                .instances_of_org(bob_org)
                .await
                .unwrap()
                .len();
        assert_eq!(instances, 5, "{backend:?}: one instance per address");
    }
}

#[tokio::test]
async fn staff_curate_the_catalog_and_plans() {
    for backend in BACKENDS {
        let server = TestServer::start(backend).await;
        let (ada, org) = customer(&server, "ada").await;
        let staff = staff(&server).await;
        let catalog = staff.call("staff/catalog/list", &[]).await;
        assert_eq!(catalog.status, StatusCode::OK, "{}", catalog.text);
        assert_eq!(catalog.body["plans"].as_array().map(Vec::len), Some(6));

        let added = staff
            .call(
                "staff/catalog/add",
                &[("template", "demo"), ("version", "2.0")],
            )
            .await;
        assert_eq!(added.status, StatusCode::OK, "{}", added.text);
        let duplicate = staff
            .call(
                "staff/catalog/add",
                &[("template", "demo"), ("version", "2.0")],
            )
            .await;
        assert_eq!(duplicate.invalid().0, "version");
        let unknown = staff
            .call(
                "staff/catalog/add",
                &[("template", "nope"), ("version", "1")],
            )
            .await;
        assert_eq!(unknown.invalid().0, "template");
        assert_eq!(
            place(&ada, &with(form(org, "on-two", 1), "version", "2.0"))
                .await
                .status,
            StatusCode::OK
        );

        // A withdrawn version can no longer be ordered.
        let listed = staff.call("staff/catalog/list", &[]).await;
        let entry = listed.body["versions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["version"] == "2.0")
            .unwrap()["id"]
            .to_string();
        let withdrawn = staff
            .call(
                "staff/catalog/available",
                &[("id", &entry), ("available", "false")],
            )
            .await;
        assert_eq!(withdrawn.status, StatusCode::OK, "{}", withdrawn.text);
        let refused = place(&ada, &with(form(org, "on-two-b", 1), "version", "2.0")).await;
        assert_eq!(refused.invalid().0, "version");

        // Plans are checked against the template's scaling rules.
        let sized = staff
            .call(
                "staff/plans/set",
                &[
                    ("template", "demo"),
                    ("size", "small"),
                    ("services", r#"{"web": {"replicas": 3, "memory": "64M"}}"#),
                ],
            )
            .await;
        assert_eq!(sized.status, StatusCode::OK, "{}", sized.text);
        for bad in [
            r#"{"db": {"replicas": 2}}"#,
            r#"{"web": 3}"#,
            r#"{"cache": {"replicas": 1}}"#,
        ] {
            let reply = staff
                .call(
                    "staff/plans/set",
                    &[("template", "demo"), ("size", "small"), ("services", bad)],
                )
                .await;
            assert_eq!(reply.invalid().0, "services", "{bad}: {}", reply.text);
        }
        let now = place(&ada, &form(org, "three-webs", 0)).await;
        let approved = staff
            .call("staff/orders/approve", &[("order_id", &id_of(&now))])
            .await;
        let instance = server
            .state
            .db
            .instance(approved.body["instance_id"].as_i64().unwrap())
            .await
            .unwrap();
        assert_eq!(instance.replicas.get("web"), Some(&3), "the edited plan");
    }
}

#[tokio::test]
async fn order_pages_are_server_rendered() {
    let server = TestServer::start(crate::common::Backend::Sqlite).await;
    let (ada, org) = customer(&server, "ada").await;
    place(&ada, &form(org, "rendered", 1)).await;
    let page = ada.get(&format!("/orgs/{org}/order")).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    for needle in [
        r#"id="order-form""#,
        r#"name="slug""#,
        r#"id="slug-status""#,
        r#"aria-live="polite""#,
        r#"name="event_days""#,
        r#"type="date""#,
        "small: up to 100 participants",
        r#"<option value="1.0">"#,
        "Place order",
    ] {
        assert!(html.contains(needle), "order page lacks {needle}");
    }
    let org_page = ada.get(&format!("/orgs/{org}")).await.text().await.unwrap();
    assert!(org_page.contains(r#"id="orders""#), "{org_page}");
    assert!(org_page.contains("rendered") && org_page.contains("Cancel order"));

    let staff = staff(&server).await;
    let desk = staff.get("/staff/orders").await.text().await.unwrap();
    for needle in [
        r#"id="order-queue""#,
        "rendered",
        "Approve",
        "Reason (the customer sees it)",
        r#"id="catalog""#,
        "Save plan",
    ] {
        assert!(desk.contains(needle), "staff desk lacks {needle}");
    }
}

#[tokio::test]
async fn approval_racing_a_cancellation_applies_exactly_one() {
    for backend in BACKENDS {
        let server = TestServer::start(backend).await;
        let (ada, org) = customer(&server, "ada").await;
        let staff = staff(&server).await;
        let org_s = org.to_string();
        for round in 0..4 {
            let slug = format!("contested-{round}");
            let id = id_of(&place(&ada, &form(org, &slug, 0)).await);
            let approve_form = [("order_id", id.as_str())];
            let cancel_form = [("org_id", org_s.as_str()), ("order_id", id.as_str())];
            let (approved, cancelled) = tokio::join!(
                staff.call("staff/orders/approve", &approve_form),
                ada.call("orders/cancel", &cancel_form),
            );
            let winners = [&approved, &cancelled]
                .iter()
                .filter(|r| r.status == StatusCode::OK)
                .count();
            assert_eq!(
                winners, 1,
                "{backend:?}: {} / {}",
                approved.text, cancelled.text
            );
            let stored = server.state.db.order(id.parse().unwrap()).await.unwrap();
            let instance = server.state.db.instance_by_slug(&slug).await;
            if approved.status == StatusCode::OK {
                assert_eq!(stored.status, OrderStatus::Provisioned);
                assert_eq!(cancelled.invalid().0, "status");
                assert_eq!(instance.unwrap().id, stored.instance_id.unwrap());
            } else {
                assert_eq!(stored.status, OrderStatus::Cancelled);
                assert_eq!(approved.invalid().0, "status", "{}", approved.text);
                assert!(
                    instance.is_err(),
                    "{backend:?}: no instance for a cancelled order"
                );
            }
        }
    }
}
