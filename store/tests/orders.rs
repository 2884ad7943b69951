//! Orders on a real SQLite database migrated by the real migrator: the seeded catalog and
//! plans, addresses reserved across orders and instances (also instances that existed before
//! the orders migration), the rental-period guards of approval and the scheduler, and the
//! plan's limits copied onto the instance.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate, Utc};
use domain::account::Email;
use domain::booking::{BookingRules, PlanSize};
use domain::instance::Slug;
use domain::order::{
    OrderForm, OrderRequest, OrderStatus, check_order, check_sizing, limits_of, parse_sizing,
};
use domain::template::{ResourceAmounts, builtin};
use migrations::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use store::{Db, NewUser, StoreError};

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

/// An owner and organisation written as the schema before the orders migration had them
/// (later migrations add columns the entities now read).
async fn customer_in_old_schema(db: &Db) -> (i64, i64) {
    let now = Utc::now();
    for (sql, values) in [
        (
            "INSERT INTO users (id, email, password_hash, is_staff, created_at) \
             VALUES (1, 'owner@example.org', 'x', false, ?)",
            vec![now.into()],
        ),
        (
            "INSERT INTO organisations (id, name, created_at) VALUES (1, 'Union', ?)",
            vec![now.into()],
        ),
        (
            "INSERT INTO memberships (organisation_id, user_id, role, created_at) \
             VALUES (1, 1, 'owner', ?)",
            vec![now.into()],
        ),
    ] {
        db.connection()
            .execute(Statement::from_sql_and_values(
                DbBackend::Sqlite,
                sql,
                values,
            ))
            .await
            .unwrap();
    }
    (1, 1)
}

#[tokio::test]
async fn addresses_are_unique_across_orders_and_earlier_instances() {
    let (_dir, db) = db_before_orders().await;
    let (user, org) = customer_in_old_schema(&db).await;
    // An instance created before the orders migration holds its address afterwards. It is
    // written as that schema had it (later migrations add columns the entity now reads).
    let now = Utc::now();
    db.connection()
        .execute(Statement::from_sql_and_values(
            DbBackend::Sqlite,
            "INSERT INTO instances (organisation_id, name, slug, template, version, lifecycle, \
             replicas, generation, status, status_reason, observed_generation, created_at, \
             updated_at, status_at, removed_at) \
             VALUES (?, 'Old', 'old-town', 'demo', '1.0', 'running', '{}', 1, 'provisioning', \
             NULL, 0, ?, ?, ?, NULL)",
            [org.into(), now.into(), now.into(), now.into()],
        ))
        .await
        .unwrap();
    db.migrate().await.unwrap();
    let old = db.instance_by_slug("old-town").await.unwrap();
    assert_eq!(
        old.limits,
        BTreeMap::new(),
        "existing instances keep no limits"
    );

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
        .approve_order(late.id, Some(user), d("2027-02-11"), None)
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
        .approve_order(early.id, Some(user), d("2027-01-20"), None)
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
    let medium = db
        .plans()
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.template == "demo" && p.size == PlanSize::Medium)
        .unwrap();
    assert_eq!(
        instance.limits,
        limits_of(&medium.services).unwrap(),
        "the scheduler copies the plan's limits"
    );
}

#[tokio::test]
async fn approval_copies_the_plans_limits_onto_the_instance() {
    let (_dir, db) = db_before_orders().await;
    db.migrate().await.unwrap();
    let (user, org) = customer(&db).await;
    // Staff resize the medium demo plan: the instance gets their limits, not the seeded ones.
    let sizing = parse_sizing(
        r#"{"web": {"replicas": 3, "cpus": "0.75", "memory": "300M"}, "db": {"replicas": 1, "memory": "2G"}}"#,
    )
    .unwrap();
    check_sizing(&builtin("demo").unwrap(), &sizing).unwrap();
    db.set_plan("demo", PlanSize::Medium, &sizing)
        .await
        .unwrap();

    let order = db.place_order(org, user, &request("sized")).await.unwrap();
    // The rental has begun: approval provisions at once.
    let approved = db
        .approve_order(order.id, Some(user), d("2027-02-03"), None)
        .await
        .unwrap();
    assert_eq!(approved.status, OrderStatus::Provisioned);
    let instance = db.instance(approved.instance_id.unwrap()).await.unwrap();
    assert_eq!(
        instance.replicas,
        BTreeMap::from([("db".to_owned(), 1), ("web".to_owned(), 3)])
    );
    assert_eq!(
        instance.limits,
        BTreeMap::from([
            (
                "db".to_owned(),
                ResourceAmounts {
                    nano_cpus: None,
                    memory_bytes: Some(2 << 30),
                }
            ),
            (
                "web".to_owned(),
                ResourceAmounts {
                    nano_cpus: Some(750_000_000),
                    memory_bytes: Some(300 << 20),
                }
            ),
        ])
    );
}
