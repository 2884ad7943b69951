//! Two demo instances side by side: both provisioned, each page answers with its own
//! name, and neither can reach the other's database by name or by address.

use std::time::Duration;

use domain::instance::Status;

use crate::harness::{Harness, docker, get};

/// The id of a running container of service `service`.
fn container_of(service: &str) -> String {
    let out = docker(&[
        "ps",
        "-q",
        "--filter",
        &format!("label=com.docker.swarm.service.name={service}"),
    ])
    .unwrap();
    out.lines()
        .next()
        .unwrap_or_else(|| panic!("no container of {service}"))
        .to_owned()
}

/// Runs `script` with bash in `container`; whether it exited 0.
fn exec_ok(container: &str, script: &str) -> bool {
    docker(&["exec", container, "bash", "-c", script]).is_ok()
}

/// The address of `container` on `network`.
fn address_on(container: &str, network: &str) -> String {
    let ip = docker(&[
        "inspect",
        "--format",
        &format!("{{{{(index .NetworkSettings.Networks \"{network}\").IPAddress}}}}"),
        container,
    ])
    .unwrap();
    let ip = ip.trim().to_owned();
    assert!(!ip.is_empty(), "{container} has no address on {network}");
    ip
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_demo_instances_are_provisioned_and_isolated() {
    let h = Harness::start("iso").await;
    let a = h.engine.create(h.demo("alpha", "1.0"), None).await.unwrap();
    let b = h.engine.create(h.demo("bravo", "1.0"), None).await.unwrap();
    // Triggers pile up while both provision: still one pass per instance at a time, so
    // every object exists once (checked below).
    let trigger = h.controller.as_ref().unwrap().trigger();
    for _ in 0..20 {
        trigger.fire(a.id);
        trigger.fire(b.id);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let limit = Duration::from_secs(240);
    let a = h.wait_status(a.id, Status::Running, limit).await;
    let b = h.wait_status(b.id, Status::Running, limit).await;
    let (sa, sb) = (a.stack(), b.stack());
    assert_eq!(
        h.counts(a.id),
        [2, 1, 1, 4],
        "services, networks, volumes, secrets"
    );
    assert_eq!(
        h.counts(b.id),
        [2, 1, 1, 4],
        "services, networks, volumes, secrets"
    );

    // `docker stack ps` finds each instance's services by the stack label.
    let ps = docker(&[
        "stack",
        "ps",
        &sa,
        "--format",
        "{{.Name}} {{.DesiredState}}",
    ])
    .unwrap();
    assert!(ps.contains(&format!("{sa}_web.1 Running")), "{ps}");
    assert!(ps.contains(&format!("{sa}_db.1 Running")), "{ps}");
    assert!(!ps.contains(&sb), "{ps}");

    // Each page answers with its own instance's name.
    for (record, other) in [(&a, &b), (&b, &a)] {
        let (status, body) = get(&format!("{}/", h.web_url(record.id).await)).await;
        assert_eq!(status, 200, "{body}");
        assert!(body.contains(&record.slug), "{body}");
        assert!(!body.contains(&other.slug), "{body}");
    }

    // This machine's outbound gateway accepts every TCP connection, so "connected" proves
    // nothing: the probes send PostgreSQL's SSLRequest and count only PostgreSQL's one-byte
    // answer ('N' or 'S') as reaching the database.
    const SSL_REQUEST: &str = r"\000\000\000\010\004\322\026\057";
    let bash_probe = |container: &str, target: &str| {
        let script = format!(
            "exec 3<>/dev/tcp/{target}/5432 && printf '{SSL_REQUEST}' >&3 && \
             timeout 3 head -c1 <&3"
        );
        docker(&["exec", container, "timeout", "5", "bash", "-c", &script])
            .is_ok_and(|answer| answer == "N" || answer == "S")
    };
    let a_db = container_of(&format!("{sa}_db"));
    let b_db = container_of(&format!("{sb}_db"));
    let a_db_ip = address_on(&a_db, &format!("{sa}_backend"));
    let b_db_ip = address_on(&b_db, &format!("{sb}_backend"));
    // Positive controls: each database answers inside its own instance, by name and address.
    assert!(
        bash_probe(&a_db, "db"),
        "the probe does not reach A's own database"
    );
    assert!(bash_probe(&a_db, &a_db_ip));
    assert!(bash_probe(&b_db, &b_db_ip));
    // From inside A (its database's container, on A's internal network), B's database
    // neither resolves (by Swarm name) nor answers by address.
    assert!(!exec_ok(&a_db, &format!("timeout 5 getent hosts {sb}_db")));
    assert!(
        !bash_probe(&a_db, &b_db_ip),
        "B's database answers A by address"
    );
    assert!(
        !bash_probe(&a_db, &format!("{sb}_db")),
        "B's database answers A by name"
    );
    // The same from the shared edge network, where A's entry service lives.
    let edge = &h.ctx.settings.edge_network;
    let edge_probe = |target: &str| {
        docker(&[
            "run",
            "--rm",
            "--network",
            edge,
            "plenum/busybox:1",
            "sh",
            "-c",
            &format!("printf '{SSL_REQUEST}' | nc -w 3 {target} 5432 | head -c1"),
        ])
        .is_ok_and(|answer| answer == "N" || answer == "S")
    };
    assert!(
        !edge_probe(&b_db_ip),
        "B's database answers the edge network by address"
    );
    assert!(
        !edge_probe(&format!("{sb}_db")),
        "B's database answers the edge network by name"
    );

    h.finish().await;
}
