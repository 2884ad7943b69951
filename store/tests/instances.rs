//! Instances on a real SQLite database migrated by the real migrator: creation with encrypted
//! secrets, optimistic desired-state changes, status records, events and the one-time reveal.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use domain::account::Email;
use domain::instance::{EventKind, Lifecycle, Slug, Status, StatusReport};
use domain::template::ResourceAmounts;
use sea_orm::{ConnectionTrait, Statement};
use store::{
    Db, DesiredChange, DesiredUpdate, NewInstance, NewUser, SecretKey, SecretValue, StoreError,
};

async fn db() -> (tempfile::TempDir, Db) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("plenum.db").display()
    );
    let db = Db::connect(&url).await.unwrap();
    db.migrate().await.unwrap();
    (dir, db)
}

async fn org(db: &Db) -> (i64, i64) {
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

fn new_instance(org_id: i64, slug: &str) -> NewInstance {
    NewInstance {
        organisation_id: org_id,
        name: "Town council".to_owned(),
        slug: Slug::parse(slug).unwrap(),
        template: "demo".to_owned(),
        version: "1.0".to_owned(),
        replicas: BTreeMap::from([("web".to_owned(), 2)]),
        limits: BTreeMap::new(),
        lifecycle: Lifecycle::Running,
    }
}

fn key() -> SecretKey {
    SecretKey::from_bytes([42; 32])
}

fn secrets() -> BTreeMap<String, SecretValue> {
    BTreeMap::from([
        (
            "admin_password".to_owned(),
            SecretValue::new("correct horse"),
        ),
        (
            "postgres_password".to_owned(),
            SecretValue::new("battery staple"),
        ),
    ])
}

#[tokio::test]
async fn create_read_and_list() {
    let (_dir, db) = db().await;
    let (user, org) = org(&db).await;
    let created = db
        .create_instance(
            &new_instance(org, "town"),
            &secrets(),
            &key(),
            Some(user),
            "created",
        )
        .await
        .unwrap();
    assert_eq!(created.generation, 1);
    assert_eq!(created.status, Status::Provisioning);
    assert_eq!(created.replicas["web"], 2);
    assert_eq!(created.stack(), format!("pl{}", created.id));
    assert_eq!(db.instance(created.id).await.unwrap(), created);
    assert_eq!(db.instance_by_slug("town").await.unwrap(), created);
    assert_eq!(
        db.instances_of_org(org).await.unwrap(),
        vec![created.clone()]
    );
    assert_eq!(db.instances_to_reconcile().await.unwrap().len(), 1);

    let taken = db
        .create_instance(
            &new_instance(org, "town"),
            &secrets(),
            &key(),
            None,
            "again",
        )
        .await
        .unwrap_err();
    assert!(
        matches!(taken, StoreError::Rejected(ref i) if i.field == "slug"),
        "{taken:?}"
    );

    let events = db.recent_instance_events(created.id, 10).await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].actor, Some(user));
    assert_eq!(events[0].kind, EventKind::Requested);
}

#[tokio::test]
async fn secrets_are_encrypted_at_rest_and_revealed_once() {
    let (_dir, db) = db().await;
    let (user, org) = org(&db).await;
    let inst = db
        .create_instance(
            &new_instance(org, "town"),
            &secrets(),
            &key(),
            None,
            "created",
        )
        .await
        .unwrap();
    assert_eq!(
        db.instance_secrets(inst.id, &key()).await.unwrap(),
        secrets()
    );

    let rows = db
        .connection()
        .query_all(Statement::from_string(
            db.connection().get_database_backend(),
            "SELECT ciphertext FROM instance_secrets",
        ))
        .await
        .unwrap();
    for row in rows {
        let bytes: Vec<u8> = row.try_get("", "ciphertext").unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains("correct horse") && !text.contains("battery staple"));
    }
    assert!(
        db.instance_secrets(inst.id, &SecretKey::from_bytes([1; 32]))
            .await
            .is_err()
    );

    let shown = db
        .reveal_instance_secret(inst.id, "admin_password", &key(), Some(user))
        .await
        .unwrap();
    assert_eq!(shown.expose_str(), Some("correct horse"));
    let again = db
        .reveal_instance_secret(inst.id, "admin_password", &key(), Some(user))
        .await
        .unwrap_err();
    assert!(matches!(again, StoreError::Rejected(ref i) if i.field == "secret"));
    assert!(matches!(
        db.reveal_instance_secret(inst.id, "nope", &key(), None)
            .await,
        Err(StoreError::NotFound)
    ));

    let mut more = secrets();
    more.insert("new_key".to_owned(), SecretValue::new("fresh"));
    more.insert(
        "postgres_password".to_owned(),
        SecretValue::new("must not replace"),
    );
    db.add_instance_secrets(inst.id, &more, &key())
        .await
        .unwrap();
    let stored = db.instance_secrets(inst.id, &key()).await.unwrap();
    assert_eq!(stored["new_key"].expose_str(), Some("fresh"));
    assert_eq!(
        stored["postgres_password"].expose_str(),
        Some("battery staple")
    );

    db.delete_instance_secrets(inst.id).await.unwrap();
    assert!(
        db.instance_secrets(inst.id, &key())
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn desired_changes_are_optimistic() {
    let (_dir, db) = db().await;
    let (user, org) = org(&db).await;
    let inst = db
        .create_instance(
            &new_instance(org, "town"),
            &secrets(),
            &key(),
            None,
            "created",
        )
        .await
        .unwrap();
    let DesiredUpdate::Applied(stopped) = db
        .update_desired(
            inst.id,
            1,
            &DesiredChange::Lifecycle(Lifecycle::Stopped),
            Some(user),
            "stop",
        )
        .await
        .unwrap()
    else {
        panic!("first change applies")
    };
    assert_eq!(stopped.generation, 2);
    assert_eq!(stopped.lifecycle, Lifecycle::Stopped);

    let stale = db
        .update_desired(
            inst.id,
            1,
            &DesiredChange::Version("1.1".to_owned()),
            None,
            "upgrade",
        )
        .await
        .unwrap();
    assert_eq!(stale, DesiredUpdate::Stale(stopped.clone()));

    let DesiredUpdate::Applied(removed) = db
        .update_desired(
            inst.id,
            2,
            &DesiredChange::Lifecycle(Lifecycle::Removed),
            None,
            "remove",
        )
        .await
        .unwrap()
    else {
        panic!("current generation applies")
    };
    let removed_at = removed.removed_at.expect("removal starts the grace period");
    let DesiredUpdate::Applied(erased) = db
        .update_desired(
            inst.id,
            3,
            &DesiredChange::Lifecycle(Lifecycle::Erased),
            None,
            "erase",
        )
        .await
        .unwrap()
    else {
        panic!("applies")
    };
    assert_eq!(
        erased.removed_at,
        Some(removed_at),
        "first removal time is kept"
    );

    let replicas = BTreeMap::from([("web".to_owned(), 3)]);
    let DesiredUpdate::Applied(scaled) = db
        .update_desired(
            inst.id,
            4,
            &DesiredChange::Replicas(replicas.clone()),
            None,
            "scale",
        )
        .await
        .unwrap()
    else {
        panic!("applies")
    };
    assert_eq!(scaled.replicas, replicas);
    assert!(matches!(
        db.update_desired(999, 1, &DesiredChange::Version("x".to_owned()), None, "x")
            .await,
        Err(StoreError::NotFound)
    ));
    let kinds: Vec<_> = db
        .recent_instance_events(inst.id, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.message)
        .collect();
    assert_eq!(kinds, ["scale", "erase", "remove", "stop", "created"]);
}

#[tokio::test]
async fn plan_limits_survive_scaling_and_upgrades() {
    let (_dir, db) = db().await;
    let (user, org) = org(&db).await;
    let limits = BTreeMap::from([(
        "web".to_owned(),
        ResourceAmounts {
            nano_cpus: Some(750_000_000),
            memory_bytes: Some(300 << 20),
        },
    )]);
    let inst = db
        .create_instance(
            &NewInstance {
                limits: limits.clone(),
                ..new_instance(org, "sized")
            },
            &secrets(),
            &key(),
            None,
            "created",
        )
        .await
        .unwrap();
    assert_eq!(inst.limits, limits);
    let changes = [
        DesiredChange::Replicas(BTreeMap::from([("web".to_owned(), 3)])),
        DesiredChange::Version("1.1".to_owned()),
    ];
    for (generation, change) in (1..).zip(&changes) {
        let DesiredUpdate::Applied(changed) = db
            .update_desired(inst.id, generation, change, Some(user), "change")
            .await
            .unwrap()
        else {
            panic!("applies")
        };
        assert_eq!(changed.limits, limits, "{change:?}");
    }
    let now = db.instance(inst.id).await.unwrap();
    assert_eq!((now.version.as_str(), now.replicas["web"]), ("1.1", 3));
    assert_eq!(now.limits, limits);
}

#[tokio::test]
async fn statuses_are_recorded_only_when_they_change() {
    let (_dir, db) = db().await;
    let (_user, org) = org(&db).await;
    let inst = db
        .create_instance(
            &new_instance(org, "town"),
            &secrets(),
            &key(),
            None,
            "created",
        )
        .await
        .unwrap();
    let running = StatusReport {
        status: Status::Running,
        reason: None,
    };
    let event = db
        .record_status(inst.id, &running, Some(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(event.kind, EventKind::Status);
    assert_eq!(event.message, "running");
    assert_eq!(event.actor, None);
    assert!(
        db.record_status(inst.id, &running, Some(1))
            .await
            .unwrap()
            .is_none()
    );
    let stored = db.instance(inst.id).await.unwrap();
    assert_eq!(
        (stored.status, stored.observed_generation),
        (Status::Running, 1)
    );

    let down = StatusReport {
        status: Status::EngineUnreachable,
        reason: Some("connection refused".to_owned()),
    };
    let event = db
        .record_status(inst.id, &down, None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(event.message, "engine unreachable: connection refused");
    let after = db
        .instance_events_after(inst.id, event.id - 1)
        .await
        .unwrap();
    assert_eq!(after, vec![event]);

    let erased = StatusReport {
        status: Status::Erased,
        reason: None,
    };
    db.update_desired(
        inst.id,
        1,
        &DesiredChange::Lifecycle(Lifecycle::Erased),
        None,
        "erase",
    )
    .await
    .unwrap();
    db.record_status(inst.id, &erased, Some(2)).await.unwrap();
    assert!(db.instances_to_reconcile().await.unwrap().is_empty());
    assert!(db.instances_of_org(org).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_service_provider_keeps_its_first_key_and_its_configuration_record() {
    let (_dir, db) = db().await;
    let (user, org) = org(&db).await;
    let instance = db
        .create_instance(
            &new_instance(org, "saml"),
            &secrets(),
            &key(),
            Some(user),
            "created",
        )
        .await
        .unwrap();
    // No service provider: nothing to keep or record.
    assert!(matches!(
        db.saml_sp_key(instance.id, &key()).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        db.record_saml_configuration(instance.id, Ok("d1")).await,
        Err(StoreError::NotFound)
    ));
    let sp = db
        .register_saml_service_provider(
            instance.id,
            "https://saml.example/system/saml/metadata",
            "https://saml.example/system/saml/acs",
            None,
        )
        .await
        .unwrap();
    assert_eq!(sp.configured_digest, None);
    assert!(db.saml_sp_key(instance.id, &key()).await.unwrap().is_none());
    let first = db
        .keep_saml_sp_key(instance.id, &SecretValue::new("pem-1"), "cert-1", &key())
        .await
        .unwrap();
    let second = db
        .keep_saml_sp_key(instance.id, &SecretValue::new("pem-2"), "cert-2", &key())
        .await
        .unwrap();
    assert_eq!(
        (second.private_pem, second.certificate_pem.as_str()),
        (first.private_pem, "cert-1"),
        "the first key stays"
    );
    // Sealed: the database alone does not read it, nor does another key.
    assert!(
        db.saml_sp_key(instance.id, &SecretKey::from_bytes([1; 32]))
            .await
            .is_err()
    );
    let failed_at = chrono::Utc::now();
    db.record_saml_configuration(instance.id, Err(failed_at))
        .await
        .unwrap();
    let sp = db.saml_service_provider(instance.id).await.unwrap();
    assert_eq!(sp.configured_digest, None);
    assert!(sp.configure_failed_at.is_some());
    db.record_saml_configuration(instance.id, Ok("d1"))
        .await
        .unwrap();
    // Registering again (a new host name) keeps the key and the record.
    db.register_saml_service_provider(
        instance.id,
        "https://renamed.example/system/saml/metadata",
        "https://renamed.example/system/saml/acs",
        Some("https://renamed.example/system/saml/idplogout"),
    )
    .await
    .unwrap();
    let sp = db.saml_service_provider(instance.id).await.unwrap();
    assert_eq!(
        (sp.configured_digest.as_deref(), sp.configure_failed_at),
        (Some("d1"), None)
    );
    assert!(db.saml_sp_key(instance.id, &key()).await.unwrap().is_some());
}

#[tokio::test]
async fn hibernation_use_and_stopping_a_hibernated_instance() {
    let (_dir, db) = db().await;
    let (user, org) = org(&db).await;
    let inst = db
        .create_instance(
            &new_instance(org, "sleepy"),
            &secrets(),
            &key(),
            None,
            "created",
        )
        .await
        .unwrap();
    assert!(inst.hibernate_allowed, "allowed by default");
    assert_eq!(inst.last_used_at, None);

    // Uses only move forward; unknown slugs change nothing.
    let at = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap().to_utc();
    let slugs = ["sleepy".to_owned(), "nobody".to_owned()];
    assert_eq!(
        db.record_use(&slugs, at("2027-03-02T10:00:00Z"))
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        db.record_use(&slugs, at("2027-03-01T10:00:00Z"))
            .await
            .unwrap(),
        0
    );
    let used = db.instance(inst.id).await.unwrap().last_used_at;
    assert_eq!(used, Some(at("2027-03-02T10:00:00Z")));

    // The owner's choice: logged, and no change of the desired state's generation.
    let awake = db
        .set_hibernation_allowed(inst.id, false, Some(user))
        .await
        .unwrap();
    assert!(!awake.hibernate_allowed);
    assert_eq!(awake.generation, inst.generation);
    let events = db.recent_instance_events(inst.id, 1).await.unwrap();
    assert_eq!(events[0].message, "stays awake while unused");
    assert!(matches!(
        db.set_hibernation_allowed(999_999, true, None).await,
        Err(StoreError::NotFound)
    ));

    // Hibernated, then stopped by its owner: paused (quiet), so no visit wakes it.
    let DesiredUpdate::Applied(asleep) = db
        .update_desired(
            inst.id,
            inst.generation,
            &DesiredChange::Phase {
                phase: domain::capacity::Phase::Hibernated,
                lifecycle: Lifecycle::Stopped,
                replicas: BTreeMap::new(),
                reservations: BTreeMap::new(),
            },
            None,
            "hibernate",
        )
        .await
        .unwrap()
    else {
        panic!("applies")
    };
    let DesiredUpdate::Applied(stopped) = db
        .update_desired(
            inst.id,
            asleep.generation,
            &DesiredChange::Lifecycle(Lifecycle::Stopped),
            Some(user),
            "stop",
        )
        .await
        .unwrap()
    else {
        panic!("applies")
    };
    assert_eq!(stopped.phase, Some(domain::capacity::Phase::Quiet));
    assert_eq!(stopped.lifecycle, Lifecycle::Stopped);
}
