//! Swarm specs for the built-in `demo` template and for healthcheck, resource and policy
//! mapping in general.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use bollard::models::{
    EndpointSpecModeEnum, ServiceSpec, ServiceSpecUpdateConfigFailureActionEnum,
    ServiceSpecUpdateConfigOrderEnum, TaskSpecRestartPolicyConditionEnum,
};
use domain::template::{
    EndpointMode, RenderContext, RenderedStack, ResourceAmounts, Template, builtin, render,
};
use engine::spec::{
    BACKUP_URL_VARIABLE, BackupEnd, BackupJob, LABEL_BACKUP, LABEL_MOVE, LABEL_RESTORE, MoveEnd,
    MoveJob, SecretRef, SecretRefs, SpecError, backup_job_name, backup_job_spec, move_job_name,
    move_job_spec, network_create_request, secret_spec, service_spec, stack_labels,
    volume_create_request,
};

fn context(mode: EndpointMode) -> RenderContext {
    RenderContext {
        instance_id: 3,
        slug: "demo-three".to_owned(),
        stack: "p3".to_owned(),
        hostname: "three.demo.test".to_owned(),
        public_url: "https://three.demo.test".to_owned(),
        oidc_issuer: "https://plenum.example.org".to_owned(),
        plenum_url: "http://plenum_server:3000".to_owned(),
        tag: "1.0.0".to_owned(),
        replicas: BTreeMap::from([("web".to_owned(), 2)]),
        limits: BTreeMap::new(),
        default_limits: ResourceAmounts {
            nano_cpus: Some(500_000_000),
            memory_bytes: Some(256 << 20),
        },
        extra_constraints: vec!["node.role == worker".to_owned()],
        endpoint_mode: mode,
        edge_network: "plenum-edge".to_owned(),
    }
}

fn demo(mode: EndpointMode) -> RenderedStack {
    render(&builtin("demo").unwrap(), &context(mode)).unwrap()
}

fn refs(stack: &RenderedStack) -> SecretRefs {
    stack
        .secrets
        .keys()
        .map(|name| {
            let spec = secret_spec(stack, name, b"generated").unwrap();
            let created = SecretRef {
                id: format!("id-{name}"),
                name: spec.name.unwrap(),
            };
            (name.clone(), created)
        })
        .collect()
}

fn spec(stack: &RenderedStack, service: &str) -> ServiceSpec {
    service_spec(stack, service, &refs(stack)).unwrap()
}

#[test]
fn every_object_carries_the_stack_labels() {
    let stack = demo(EndpointMode::Dnsrr);
    let expected = stack_labels(&stack);
    assert_eq!(expected["com.docker.stack.namespace"], "p3");
    assert_eq!(expected["org.plenum.managed"], "true");
    assert_eq!(expected["org.plenum.instance"], "3");
    let mut label_sets = vec![
        network_create_request(&stack, "backend")
            .unwrap()
            .labels
            .unwrap(),
        volume_create_request(&stack, "db-data")
            .unwrap()
            .labels
            .unwrap(),
        secret_spec(&stack, "postgres_password", b"x")
            .unwrap()
            .labels
            .unwrap(),
    ];
    for service in ["web", "db"] {
        let spec = spec(&stack, service);
        let container = spec.task_template.unwrap().container_spec.unwrap();
        let labels = spec.labels.unwrap();
        assert_eq!(
            labels["com.docker.stack.image"],
            container.image.clone().unwrap()
        );
        assert_eq!(
            labels["org.plenum.spec-hash"],
            stack.services[service].spec_hash
        );
        label_sets.push(labels);
        label_sets.push(container.labels.unwrap());
    }
    for labels in label_sets {
        for (key, value) in &expected {
            assert_eq!(labels.get(key), Some(value), "{key} in {labels:?}");
        }
    }
}

#[test]
fn only_web_joins_the_edge_network() {
    let stack = demo(EndpointMode::Dnsrr);
    let targets = |service: &str| -> Vec<(String, Option<Vec<String>>)> {
        spec(&stack, service)
            .task_template
            .unwrap()
            .networks
            .unwrap()
            .into_iter()
            .map(|n| (n.target.unwrap(), n.aliases))
            .collect()
    };
    assert_eq!(
        targets("web"),
        [
            ("p3_backend".to_owned(), Some(vec!["web".to_owned()])),
            ("plenum-edge".to_owned(), None),
        ]
    );
    assert_eq!(
        targets("db"),
        [("p3_backend".to_owned(), Some(vec!["db".to_owned()]))]
    );
}

#[test]
fn the_backend_network_is_internal_overlay() {
    let stack = demo(EndpointMode::Dnsrr);
    let request = network_create_request(&stack, "backend").unwrap();
    assert_eq!(request.name, "p3_backend");
    assert_eq!(request.driver.as_deref(), Some("overlay"));
    assert_eq!(request.scope.as_deref(), Some("swarm"));
    assert_eq!(request.internal, Some(true));
    assert_eq!(request.attachable, Some(false));
    let volume = volume_create_request(&stack, "db-data").unwrap();
    assert_eq!(volume.name.as_deref(), Some("p3_db-data"));
}

#[test]
fn endpoint_mode_follows_the_render_setting() {
    for (mode, expected) in [
        (EndpointMode::Dnsrr, EndpointSpecModeEnum::DNSRR),
        (EndpointMode::Vip, EndpointSpecModeEnum::VIP),
    ] {
        let stack = demo(mode);
        for service in ["web", "db"] {
            let endpoint = spec(&stack, service).endpoint_spec.unwrap();
            assert_eq!(endpoint.mode, Some(expected), "{service}");
            assert_eq!(endpoint.ports, None);
        }
    }
}

#[test]
fn replicas_resources_placement_and_policies() {
    let stack = demo(EndpointMode::Dnsrr);
    let web = spec(&stack, "web");
    assert_eq!(web.mode.unwrap().replicated.unwrap().replicas, Some(2));
    let task = web.task_template.unwrap();
    let limits = task.resources.unwrap().limits.unwrap();
    assert_eq!(limits.nano_cpus, Some(500_000_000));
    assert_eq!(limits.memory_bytes, Some(256 << 20));
    assert_eq!(
        task.placement.unwrap().constraints,
        Some(vec!["node.role == worker".to_owned()])
    );
    let restart = task.restart_policy.unwrap();
    assert_eq!(
        restart.condition,
        Some(TaskSpecRestartPolicyConditionEnum::ANY)
    );
    assert_eq!(restart.delay, Some(5_000_000_000));
    let update = web.update_config.unwrap();
    assert_eq!(update.parallelism, Some(1));
    assert_eq!(update.delay, Some(5_000_000_000));
    assert_eq!(update.monitor, Some(10_000_000_000));
    assert_eq!(
        update.failure_action,
        Some(ServiceSpecUpdateConfigFailureActionEnum::ROLLBACK)
    );
    assert_eq!(
        update.order,
        Some(ServiceSpecUpdateConfigOrderEnum::START_FIRST)
    );

    let db = spec(&stack, "db");
    assert_eq!(db.mode.unwrap().replicated.unwrap().replicas, Some(1));
    let container = db.task_template.unwrap().container_spec.unwrap();
    let mount = &container.mounts.unwrap()[0];
    assert_eq!(mount.source.as_deref(), Some("p3_db-data"));
    assert_eq!(mount.target.as_deref(), Some("/var/lib/postgresql/data"));
    let secret = &container.secrets.unwrap()[0];
    assert_eq!(secret.secret_id.as_deref(), Some("id-postgres_password"));
    assert!(
        secret
            .secret_name
            .as_deref()
            .unwrap()
            .starts_with("p3_postgres_password_")
    );
    assert_eq!(
        secret.file.as_ref().unwrap().name.as_deref(),
        Some("/run/secrets/postgres_password")
    );
}

#[test]
fn healthchecks_and_reservations_in_docker_units() {
    let template = Template::parse(
        "probe",
        r#"
services:
  app:
    image: example/app:{{ tag }}
    entrypoint: /bin/app
    command: ["serve", "--port", "8080"]
    healthcheck:
      test: ["CMD", "/bin/app", "check"]
      interval: 1m30s
      timeout: 500ms
      retries: 3
      start_period: 2s
    secrets:
      - source: token
        target: api_token
        mode: 0400
    networks: [inner]
    deploy:
      resources:
        limits: { cpus: "1.5", memory: 1G }
        reservations: { cpus: 0.25, memory: 64M }
      rollback_config: { parallelism: 2, failure_action: pause, order: stop-first }
      restart_policy: { condition: on-failure, max_attempts: 3, window: 1m }
networks:
  inner: { internal: true }
secrets:
  token:
    x-plenum-generate: { charset: base64, bytes: 16 }
x-plenum:
  entry: { service: app, port: 8080, health_path: /health }
"#,
    )
    .unwrap();
    let mut ctx = context(EndpointMode::Vip);
    ctx.replicas.clear();
    let stack = render(&template, &ctx).unwrap();
    let app = spec(&stack, "app");
    let task = app.task_template.unwrap();
    let container = task.container_spec.unwrap();
    assert_eq!(container.command, Some(vec!["/bin/app".to_owned()]));
    assert_eq!(
        container.args,
        Some(vec![
            "serve".to_owned(),
            "--port".to_owned(),
            "8080".to_owned()
        ])
    );
    let health = container.health_check.unwrap();
    assert_eq!(
        health.test,
        Some(vec![
            "CMD".to_owned(),
            "/bin/app".to_owned(),
            "check".to_owned()
        ])
    );
    assert_eq!(health.interval, Some(90_000_000_000));
    assert_eq!(health.timeout, Some(500_000_000));
    assert_eq!(health.retries, Some(3));
    assert_eq!(health.start_period, Some(2_000_000_000));
    let file = container.secrets.unwrap()[0].file.clone().unwrap();
    assert_eq!(file.name.as_deref(), Some("/run/secrets/api_token"));
    assert_eq!(file.mode, Some(0o400));
    let resources = task.resources.unwrap();
    let limits = resources.limits.unwrap();
    assert_eq!(limits.nano_cpus, Some(1_500_000_000));
    assert_eq!(limits.memory_bytes, Some(1 << 30));
    let reservations = resources.reservations.unwrap();
    assert_eq!(reservations.nano_cpus, Some(250_000_000));
    assert_eq!(reservations.memory_bytes, Some(64 << 20));
    let restart = task.restart_policy.unwrap();
    assert_eq!(
        restart.condition,
        Some(TaskSpecRestartPolicyConditionEnum::ON_FAILURE)
    );
    assert_eq!(restart.max_attempts, Some(3));
    assert_eq!(restart.window, Some(60_000_000_000));
    let rollback = app.rollback_config.unwrap();
    assert_eq!(rollback.parallelism, Some(2));
}

#[test]
fn errors_name_what_is_missing() {
    let stack = demo(EndpointMode::Dnsrr);
    assert_eq!(
        service_spec(&stack, "web", &SecretRefs::new()).unwrap_err(),
        SpecError::MissingSecret {
            service: "web".to_owned(),
            secret: "postgres_password".to_owned()
        }
    );
    assert_eq!(
        service_spec(&stack, "cache", &refs(&stack))
            .unwrap_err()
            .to_string(),
        "stack \"p3\" has no service \"cache\""
    );
    assert!(matches!(
        network_create_request(&stack, "frontend"),
        Err(SpecError::Unknown {
            kind: "network",
            ..
        })
    ));
}

/// The two ends of a move mount every volume of the stack at `/move/<volume>` (read-only
/// when sending), run the mover image on their node, and carry the target node's id.
#[test]
fn move_jobs_mount_every_volume_on_their_node() {
    let stack = demo(EndpointMode::Dnsrr);
    for (end, read_only) in [(MoveEnd::Send, true), (MoveEnd::Receive, false)] {
        let job = MoveJob {
            end,
            node: "node-a",
            to: "node-b",
            image: "busybox:1.36",
        };
        let spec = move_job_spec(&stack, &job).unwrap();
        assert_eq!(
            spec.name.as_deref(),
            Some(move_job_name(&stack.stack, end).as_str())
        );
        assert_eq!(spec.labels.as_ref().unwrap()[LABEL_MOVE], "node-b");
        let task = spec.task_template.unwrap();
        assert_eq!(
            task.placement.unwrap().constraints.unwrap(),
            ["node.id == node-a"]
        );
        let container = task.container_spec.unwrap();
        assert_eq!(container.image.as_deref(), Some("busybox:1.36"));
        assert!(container.secrets.is_none());
        let mounts = container.mounts.unwrap();
        assert_eq!(mounts.len(), stack.volumes.len());
        for (mount, volume) in mounts.iter().zip(stack.volumes.keys()) {
            assert_eq!(
                mount.target.as_deref(),
                Some(format!("/move/{volume}").as_str())
            );
            assert_eq!(mount.read_only, Some(read_only));
        }
        let script = &container.command.unwrap()[2];
        assert!(script.contains("sha256sum"), "{script}");
    }
}

/// The backup and restore jobs run the declared command in place of the database image's
/// entrypoint, with db's image, environment and secrets plus the token, no volume (they
/// reach the database over the stack network), the stack and edge networks (Plenum is
/// reached there), the URL of the backup's data, and the backup's id as their label.
#[test]
fn backup_jobs_reuse_the_database_spec_and_reach_plenum() {
    let stack = demo(EndpointMode::Dnsrr);
    let template = builtin("demo").unwrap();
    let declaration = template.backup().unwrap();
    let db = spec(&stack, "db");
    let db_container = db.task_template.unwrap().container_spec.unwrap();
    for (end, label, command) in [
        (BackupEnd::Dump, LABEL_BACKUP, &declaration.dump),
        (BackupEnd::Restore, LABEL_RESTORE, &declaration.restore),
    ] {
        let url = "http://plenum_server:3000/internal/backups/42/data";
        let job = BackupJob {
            end,
            declaration,
            backup: 42,
            url,
        };
        let spec = backup_job_spec(&stack, &job, &refs(&stack)).unwrap();
        assert_eq!(
            spec.name.as_deref(),
            Some(backup_job_name(&stack.stack, end, 42).as_str())
        );
        assert_eq!(spec.labels.as_ref().unwrap()[label], "42");
        let task = spec.task_template.unwrap();
        let container = task.container_spec.unwrap();
        assert_eq!(container.image, db_container.image);
        assert_eq!(container.command.as_ref(), Some(command));
        assert!(container.args.is_none());
        assert!(container.mounts.is_none_or(|m| m.is_empty()));
        let env = container.env.unwrap();
        assert!(
            env.contains(&format!("{BACKUP_URL_VARIABLE}={url}")),
            "{env:?}"
        );
        for own in db_container.env.as_ref().unwrap() {
            assert!(env.contains(own), "{own} kept");
        }
        let secrets: Vec<String> = container
            .secrets
            .unwrap()
            .iter()
            .map(|s| s.file.as_ref().unwrap().name.clone().unwrap())
            .collect();
        assert!(
            secrets.contains(&"/run/secrets/backup_token".to_owned()),
            "{secrets:?}"
        );
        assert!(
            secrets.contains(&"/run/secrets/postgres_password".to_owned()),
            "{secrets:?}"
        );
        let networks: Vec<String> = task
            .networks
            .unwrap()
            .iter()
            .map(|n| n.target.clone().unwrap())
            .collect();
        assert!(networks.contains(&"plenum-edge".to_owned()), "{networks:?}");
        assert!(
            networks.iter().any(|n| n.ends_with("backend")),
            "{networks:?}"
        );
        assert_eq!(
            task.restart_policy.unwrap().condition,
            Some(TaskSpecRestartPolicyConditionEnum::NONE)
        );
        assert!(spec.mode.unwrap().replicated_job.is_some());
        // Not even the image's health check: a long dump must not be killed as unhealthy.
        assert_eq!(
            container.health_check.unwrap().test,
            Some(vec!["NONE".to_owned()])
        );
    }
}
