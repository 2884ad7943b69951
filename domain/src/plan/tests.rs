use super::*;

fn desired() -> DesiredObjects {
    DesiredObjects {
        services: BTreeMap::from([
            (
                "pl1_db".to_owned(),
                DesiredService {
                    short: "db".to_owned(),
                    spec_hash: "h-db".to_owned(),
                    replicas: 1,
                },
            ),
            (
                "pl1_web".to_owned(),
                DesiredService {
                    short: "web".to_owned(),
                    spec_hash: "h-web".to_owned(),
                    replicas: 2,
                },
            ),
        ]),
        networks: BTreeMap::from([("pl1_backend".to_owned(), "backend".to_owned())]),
        volumes: BTreeMap::from([("pl1_data".to_owned(), "data".to_owned())]),
        secrets: BTreeMap::from([("pl1_pw_aaaa".to_owned(), "pw".to_owned())]),
        edge_network: Some("plenum-edge".to_owned()),
        create_missing: true,
    }
}

fn object(name: &str) -> ObservedObject {
    ObservedObject {
        name: name.to_owned(),
        id: format!("id-{name}"),
    }
}

fn service(name: &str, hash: &str, replicas: u64) -> ObservedService {
    ObservedService {
        name: name.to_owned(),
        id: format!("id-{name}"),
        version: 7,
        spec_hash: Some(hash.to_owned()),
        replicas: Some(replicas),
        rolled_back: false,
    }
}

fn converged() -> ObservedObjects {
    ObservedObjects {
        services: vec![service("pl1_db", "h-db", 1), service("pl1_web", "h-web", 2)],
        networks: vec![object("pl1_backend")],
        volumes: vec![object("pl1_data")],
        secrets: vec![object("pl1_pw_aaaa")],
        edge_network_present: true,
    }
}

fn texts(steps: &[Step]) -> Vec<String> {
    steps.iter().map(ToString::to_string).collect()
}

#[test]
fn nothing_observed_creates_everything_in_order() {
    let steps = plan(&desired(), &ObservedObjects::default(), false);
    assert_eq!(
        texts(&steps),
        [
            "create edge network plenum-edge",
            "create secret pl1_pw_aaaa",
            "create network pl1_backend",
            "create volume pl1_data",
            "create service pl1_db",
            "create service pl1_web",
        ]
    );
}

#[test]
fn converged_needs_nothing() {
    assert!(plan(&desired(), &converged(), false).is_empty());
}

#[test]
fn a_service_deleted_by_hand_is_recreated() {
    let mut observed = converged();
    observed.services.retain(|s| s.name != "pl1_web");
    assert_eq!(
        texts(&plan(&desired(), &observed, false)),
        ["create service pl1_web"]
    );
}

#[test]
fn changed_hash_updates_and_replicas_scale() {
    let mut observed = converged();
    observed.services[0].spec_hash = Some("old".to_owned());
    observed.services[1].replicas = Some(0);
    let steps = plan(&desired(), &observed, false);
    assert_eq!(
        texts(&steps),
        ["update service pl1_db", "scale service pl1_web from 0 to 2"]
    );
    assert!(matches!(
        &steps[0],
        Step::UpdateService { id, version: 7, change: ServiceChange::Spec, .. } if id == "id-pl1_db"
    ));
}

#[test]
fn rolled_back_services_are_held_only_when_asked() {
    let mut observed = converged();
    observed.services[1].spec_hash = Some("previous".to_owned());
    observed.services[1].rolled_back = true;
    assert_eq!(
        texts(&plan(&desired(), &observed, false)),
        ["update service pl1_web"]
    );
    assert!(plan(&desired(), &observed, true).is_empty());
}

#[test]
fn rotated_secrets_are_created_before_and_removed_after_services() {
    let mut want = desired();
    want.secrets = BTreeMap::from([("pl1_pw_bbbb".to_owned(), "pw".to_owned())]);
    want.services.get_mut("pl1_web").unwrap().spec_hash = "h-web-2".to_owned();
    let steps = plan(&want, &converged(), false);
    assert_eq!(
        texts(&steps),
        [
            "create secret pl1_pw_bbbb",
            "update service pl1_web",
            "remove secret pl1_pw_aaaa"
        ]
    );
}

#[test]
fn removal_keeps_volumes_and_secrets_without_recreating_them() {
    let want = DesiredObjects {
        volumes: desired().volumes,
        secrets: BTreeMap::from([
            ("pl1_pw_aaaa".to_owned(), "pw".to_owned()),
            ("pl1_gone_cccc".to_owned(), "gone".to_owned()),
        ]),
        create_missing: false,
        ..Default::default()
    };
    let steps = plan(&want, &converged(), false);
    assert_eq!(
        texts(&steps),
        [
            "remove service pl1_db",
            "remove service pl1_web",
            "remove network pl1_backend"
        ]
    );
    assert!(steps.iter().all(Step::is_removal));
}

#[test]
fn erasing_removes_everything_services_first() {
    let steps = plan(&DesiredObjects::default(), &converged(), false);
    assert_eq!(
        texts(&steps),
        [
            "remove service pl1_db",
            "remove service pl1_web",
            "remove secret pl1_pw_aaaa",
            "remove network pl1_backend",
            "remove volume pl1_data",
        ]
    );
    assert_eq!(converged().len(), 5);
    assert!(ObservedObjects::default().is_empty());
}

#[test]
fn stopped_instances_do_not_create_the_edge_network_twice() {
    let observed = ObservedObjects {
        edge_network_present: true,
        ..Default::default()
    };
    let steps = plan(&desired(), &observed, false);
    assert!(!texts(&steps).iter().any(|s| s.contains("edge")));
}
