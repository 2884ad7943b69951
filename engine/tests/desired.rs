//! What the reconciler wants per lifecycle, and the installation label on every spec it
//! sends (no Docker needed).
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use chrono::Utc;
use domain::instance::{Lifecycle, Status};
use domain::order::{limits_of, parse_sizing};
use domain::template::{EndpointMode, builtin};
use engine::EngineSettings;
use engine::reconcile::DesiredStack;
use engine::spec::{LABEL_INSTALLATION, SecretRef, SecretRefs};
use store::{InstanceRecord, SecretValue};

fn record(lifecycle: Lifecycle) -> InstanceRecord {
    let now = Utc::now();
    InstanceRecord {
        id: 42,
        organisation_id: 1,
        name: "Demo".to_owned(),
        slug: "town".to_owned(),
        template: "demo".to_owned(),
        version: "1.0".to_owned(),
        lifecycle,
        replicas: BTreeMap::from([("web".to_owned(), 2)]),
        limits: BTreeMap::new(),
        generation: 1,
        status: Status::Provisioning,
        status_reason: None,
        observed_generation: 0,
        created_at: now,
        updated_at: now,
        status_at: now,
        removed_at: None,
        phase: None,
        phase_pin: None,
        last_used_at: None,
        hibernate_allowed: true,
        node_id: None,
        moving_to: None,
        restoring_from: None,
        reservations: BTreeMap::new(),
    }
}

fn settings() -> EngineSettings {
    EngineSettings {
        installation_id: "inst-1".to_owned(),
        endpoint_mode: EndpointMode::Dnsrr,
        ..Default::default()
    }
}

fn desired(lifecycle: Lifecycle) -> DesiredStack {
    desired_for(&record(lifecycle))
}

fn desired_for(record: &InstanceRecord) -> DesiredStack {
    let values = BTreeMap::from([
        (
            "postgres_password".to_owned(),
            SecretValue::new("pw-one-two-three"),
        ),
        (
            "admin_password".to_owned(),
            SecretValue::new("admin-secret"),
        ),
        (
            "oidc_client_secret".to_owned(),
            SecretValue::new("client-secret"),
        ),
        ("backup_token".to_owned(), SecretValue::new("backup-token")),
    ]);
    DesiredStack::build(record, &builtin("demo").unwrap(), values, &settings()).unwrap()
}

#[test]
fn running_wants_everything_and_stopped_the_same_with_no_replicas() {
    let running = desired(Lifecycle::Running).objects().unwrap();
    assert_eq!(
        running.services.keys().collect::<Vec<_>>(),
        vec!["pl42_db", "pl42_web"]
    );
    assert_eq!(running.services["pl42_web"].replicas, 2);
    assert_eq!(
        running.networks.keys().collect::<Vec<_>>(),
        vec!["pl42_backend"]
    );
    assert_eq!(
        running.volumes.keys().collect::<Vec<_>>(),
        vec!["pl42_db-data"]
    );
    assert_eq!(
        running.secrets.len(),
        4,
        "database, admin, client and backup token secrets"
    );
    assert!(running.secrets.keys().all(|n| n.starts_with("pl42_")));
    assert_eq!(running.edge_network.as_deref(), Some("plenum_edge"));
    assert!(running.create_missing);

    let stopped = desired(Lifecycle::Stopped).objects().unwrap();
    for (name, service) in &stopped.services {
        assert_eq!(service.replicas, 0, "{name}");
        assert_eq!(
            service.spec_hash, running.services[name].spec_hash,
            "{name}"
        );
    }
    assert_eq!(stopped.secrets, running.secrets);
}

#[test]
fn removed_keeps_volumes_and_secrets_and_erased_nothing() {
    let running = desired(Lifecycle::Running).objects().unwrap();
    let removed = desired(Lifecycle::Removed).objects().unwrap();
    assert!(removed.services.is_empty() && removed.networks.is_empty());
    assert_eq!(removed.volumes, running.volumes);
    assert_eq!(removed.secrets, running.secrets);
    assert!(!removed.create_missing);
    assert_eq!(removed.edge_network, None);
    let erased = desired(Lifecycle::Erased).objects().unwrap();
    assert_eq!(erased, Default::default());
}

#[test]
fn every_spec_carries_the_installation_label() {
    let d = desired(Lifecycle::Running);
    let has = |labels: &Option<std::collections::HashMap<String, String>>| {
        labels.as_ref().unwrap()[LABEL_INSTALLATION] == "inst-1"
    };
    assert!(has(&d.secret("postgres_password").unwrap().labels));
    assert!(has(&d.network("backend").unwrap().labels));
    assert!(has(&d.volume("db-data").unwrap().labels));
    let refs: SecretRefs = ["postgres_password", "admin_password", "oidc_client_secret"]
        .into_iter()
        .map(|s| {
            let name = d.secret(s).unwrap().name.unwrap();
            (
                s.to_owned(),
                SecretRef {
                    id: format!("id-{s}"),
                    name,
                },
            )
        })
        .collect();
    let web = d.service("web", &refs).unwrap();
    assert!(has(&web.labels));
    assert!(has(&web
        .task_template
        .unwrap()
        .container_spec
        .unwrap()
        .labels));
    let edge = d.edge_labels();
    assert_eq!(edge[LABEL_INSTALLATION], "inst-1");
    assert!(
        !edge.contains_key("org.plenum.instance"),
        "the edge network is no instance's"
    );
    // Secret errors name the secret, never a value.
    let error = d.secret("nope").unwrap_err().to_string();
    assert!(
        error.contains("nope") && !error.contains("pw-one"),
        "{error}"
    );
}

/// Secret references for every secret of `d`'s stack, as Swarm would have created them.
fn refs_of(d: &DesiredStack) -> SecretRefs {
    d.stack()
        .secrets
        .keys()
        .map(|s| {
            let name = d.secret(s).unwrap().name.unwrap();
            (
                s.clone(),
                SecretRef {
                    id: format!("id-{s}"),
                    name,
                },
            )
        })
        .collect()
}

#[test]
fn the_plans_limits_reach_the_service_specs_field_by_field() {
    let sizing = parse_sizing(
        r#"{"web": {"replicas": 2, "cpus": "0.75", "memory": "300M"}, "db": {"replicas": 1, "cpus": "1.5", "memory": "2G"}}"#,
    )
    .unwrap();
    let mut with_plan = record(Lifecycle::Running);
    with_plan.limits = limits_of(&sizing).unwrap();
    let d = desired_for(&with_plan);
    let refs = refs_of(&d);
    for (service, cpus, memory) in [
        ("web", 750_000_000, 300 << 20),
        ("db", 1_500_000_000, 2 << 30),
    ] {
        let spec = d.service(service, &refs).unwrap();
        let limits = spec
            .task_template
            .unwrap()
            .resources
            .unwrap()
            .limits
            .unwrap();
        assert_eq!(limits.nano_cpus, Some(cpus), "{service}");
        assert_eq!(limits.memory_bytes, Some(memory), "{service}");
        assert_eq!(
            limits.nano_cpus, with_plan.limits[service].nano_cpus,
            "{service}"
        );
        assert_eq!(
            limits.memory_bytes, with_plan.limits[service].memory_bytes,
            "{service}"
        );
    }
    // New limits, new spec hash: the reconciler updates the services.
    let without = desired(Lifecycle::Running).objects().unwrap();
    let with = d.objects().unwrap();
    for name in ["pl42_web", "pl42_db"] {
        assert_ne!(
            with.services[name].spec_hash, without.services[name].spec_hash,
            "{name}"
        );
    }
}

#[test]
fn written_sso_settings_change_only_the_services_that_restart_for_them() {
    let mut record = record(Lifecycle::Running);
    record.template = "openslides-4".to_owned();
    record.replicas = BTreeMap::new();
    let template = builtin("openslides-4").unwrap();
    let before =
        DesiredStack::build(&record, &template, before_values(&template), &settings()).unwrap();
    let hashes = |d: &DesiredStack| -> BTreeMap<String, String> {
        d.objects()
            .unwrap()
            .services
            .into_values()
            .map(|s| (s.short, s.spec_hash))
            .collect()
    };
    let mut after =
        DesiredStack::build(&record, &template, before_values(&template), &settings()).unwrap();
    after.carry_sso_settings(&["auth".to_owned()], "d1");
    let (old, new) = (hashes(&before), hashes(&after));
    let changed: Vec<&String> = old.keys().filter(|k| old[*k] != new[*k]).collect();
    assert_eq!(changed, ["auth"]);
    assert_eq!(
        after.stack().services["auth"].environment["PLENUM_SSO_SETTINGS"],
        "d1"
    );
    let mut again =
        DesiredStack::build(&record, &template, before_values(&template), &settings()).unwrap();
    again.carry_sso_settings(&["auth".to_owned()], "d1");
    assert_eq!(hashes(&again), new, "the same digest, the same specs");
    again.carry_sso_settings(&["auth".to_owned()], "d2");
    assert_ne!(hashes(&again)["auth"], new["auth"]);
}

fn before_values(template: &domain::template::Template) -> BTreeMap<String, SecretValue> {
    template
        .secret_generation()
        .map(|(name, _)| (name.to_owned(), SecretValue::new(format!("v-{name}"))))
        .collect()
}

#[test]
fn a_phases_reservations_reach_its_services_capped_at_their_limits() {
    let mut reserved = record(Lifecycle::Running);
    reserved.limits = BTreeMap::from([(
        "web".to_owned(),
        domain::template::ResourceAmounts {
            nano_cpus: Some(500_000_000),
            memory_bytes: Some(128 << 20),
        },
    )]);
    let plain = desired_for(&reserved);
    reserved.reservations = BTreeMap::from([(
        "web".to_owned(),
        domain::template::ResourceAmounts {
            nano_cpus: Some(250_000_000),
            memory_bytes: Some(1 << 30),
        },
    )]);
    let phased = desired_for(&reserved);
    let web = &phased.stack().services["web"];
    assert_eq!(web.reservations.nano_cpus, Some(250_000_000));
    assert_eq!(
        web.reservations.memory_bytes,
        Some(128 << 20),
        "capped at the limit"
    );
    assert_ne!(
        web.spec_hash,
        plain.stack().services["web"].spec_hash,
        "a new phase's reservations roll the service"
    );
    assert_eq!(
        phased.stack().services["db"].spec_hash,
        plain.stack().services["db"].spec_hash
    );
}
