//! Orders on a real SQLite database migrated by the real migrator: the seeded catalog and
//! plans, addresses reserved across orders and instances (also instances that existed before
//! the orders migration), and the rental-period guards of approval and the scheduler.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate};
use domain::account::Email;
use domain::booking::{BookingRules, PlanSize};
use domain::instance::{Lifecycle, Slug};
use domain::order::{OrderForm, OrderRequest, OrderStatus, check_order, check_sizing};
use domain::template::builtin;
use migrations::{Migrator, MigratorTrait};
use store::{Db, NewInstance, NewUser, SecretKey, StoreError};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

async fn db_before_orders() -> (tempfile::TempDir, Db) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("plenum.db").display()
    );
    let db = Db::connect(&url).await.unwrap();
    Migrator::up(db.connection(), Some(2)).await.unwrap();
    (dir, db)
}

async fn customer(db: &Db) -> (i64, i64) {
    let (user, org) = db
        .create_customer(
            NewUser {
                email: Email::parse("owner@example.org").unwrap(),
                password_hash: "x".to_owned(),
                is_staff: false,
            },
            "Union",
        )
        .await
        .unwrap();
    (user.id, org.id)
}

/// An order for `slug` renting 2027-02-01 to 2027-02-10, checked as of 2027-01-10.
fn request(slug: &str) -> OrderRequest {
    let form = OrderForm {
        name: "Congress".into(),
        slug: slug.into(),
        template: "demo".into(),
        version: "1.1".into(),
        plan: "medium".into(),
        rental_start: "2027-02-01".into(),
        rental_end: "2027-02-10".into(),
        event_days: "2027-02-05 300".into(),
        contact: "Ada".into(),
        note: String::new(),
    };
    let rules = BookingRules {
        today: d("2027-01-10"),
        max_rental_days: 90,
    };
    check_order(&form, rules).unwrap()
}

#[tokio::test]
async fn seeded_plans_fit_their_templates_and_the_catalog_offers_them() {
    let (_dir, db) = db_before_orders().await;
    db.migrate().await.unwrap();
    let plans = db.plans().await.unwrap();
    assert_eq!(plans.len(), 6);
    for plan in &plans {
        let template = builtin(&plan.template).unwrap();
        assert_eq!(
            check_sizing(&template, &plan.services),
            Ok(()),
            "{} {}",
            plan.template,
            plan.size
        );
    }
    let catalog = db.catalog(false).await.unwrap();
    for template in ["demo", "openslides-4"] {
        assert!(
            catalog
                .iter()
                .any(|c| c.template == template && c.available)
        );
        for size in PlanSize::ALL {
            assert!(
                plans
                    .iter()
                    .any(|p| p.template == template && p.size == size),
                "{template} {size}"
            );
        }
    }
}

#[tokio::test]
async fn addresses_are_unique_across_orders_and_earlier_instances() {
    let (_dir, db) = db_before_orders().await;
    let (user, org) = customer(&db).await;
    // An instance created before the orders migration holds its address afterwards.
    db.create_instance(
        &NewInstance {
            organisation_id: org,
            name: "Old".into(),
            slug: Slug::parse("old-town").unwrap(),
            template: "demo".into(),
            version: "1.0".into(),
            replicas: BTreeMap::new(),
            lifecycle: Lifecycle::Running,
        },
        &BTreeMap::new(),
        &SecretKey::from_bytes([7; 32]),
        None,
        "created",
    )
    .await
    .unwrap();
    db.migrate().await.unwrap();

    assert!(
        !db.slug_available(&Slug::parse("old-town").unwrap())
            .await
            .unwrap()
    );
    let refused = db
        .place_order(org, user, &request("old-town"))
        .await
        .unwrap_err();
    assert!(
        matches!(refused, StoreError::Rejected(ref i) if i.field == "slug"),
        "{refused:?}"
    );
    assert!(db.orders_of_org(org).await.unwrap().is_empty());

    let order = db
        .place_order(org, user, &request("new-town"))
        .await
        .unwrap();
    assert_eq!(order.status, OrderStatus::Pending);
    assert_eq!(order.booking.plan, PlanSize::Medium);
    assert_eq!(order.booking.event_days[0].participants, 300);
    assert!(
        db.place_order(org, user, &request("new-town"))
            .await
            .is_err()
    );
}

#[tokio::test]
async fn approval_and_the_scheduler_keep_to_the_rental_period() {
    let (_dir, db) = db_before_orders().await;
    db.migrate().await.unwrap();
    let (user, org) = customer(&db).await;
    let late = db
        .place_order(org, user, &request("too-late"))
        .await
        .unwrap();
    let refused = db
        .approve_order(late.id, Some(user), d("2027-02-11"))
        .await
        .unwrap_err();
    assert!(
        matches!(refused, StoreError::Rejected(ref i) if i.field == "status"),
        "{refused:?}"
    );
    assert_eq!(
        db.order(late.id).await.unwrap().status,
        OrderStatus::Pending
    );

    let early = db.place_order(org, user, &request("early")).await.unwrap();
    let approved = db
        .approve_order(early.id, Some(user), d("2027-01-20"))
        .await
        .unwrap();
    assert_eq!(approved.status, OrderStatus::Approved);
    assert!(approved.decided_at.is_some());
    let after_the_rental = d("2027-02-10") + Days::new(1);
    assert!(
        db.provision_due_orders(after_the_rental)
            .await
            .unwrap()
            .is_empty(),
        "never provisioned after its rental"
    );
    assert_eq!(
        db.provision_due_orders(d("2027-02-01")).await.unwrap(),
        vec![early.id]
    );
    assert!(
        db.provision_due_orders(d("2027-02-02"))
            .await
            .unwrap()
            .is_empty(),
        "provisioned once"
    );
    let instance = db.instance_by_slug("early").await.unwrap();
    assert_eq!(instance.version, "1.1");
    assert_eq!(instance.replicas.get("web"), Some(&2), "medium demo plan");
}
