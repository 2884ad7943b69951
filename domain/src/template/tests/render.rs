//! Rendering substitutes placeholders, applies per-instance settings and hashes services.

use super::{MINIMAL, context};
use crate::template::{
    EndpointMode, NetworkRef, RenderContext, ResourceAmounts, Template, TemplateError, parse_cpus,
    parse_memory, render,
};

/// Uses every placeholder in every place that substitutes.
const EVERYWHERE: &str = r#"
services:
  web:
    image: registry.example/{{ slug }}/web:{{ tag }}
    entrypoint: ["/bin/app", "--stack={{ stack }}"]
    command: serve --host "{{ hostname }}" --id {{ instance_id }}
    environment:
      URL: https://{{ hostname }}/
      ID: "{{ instance_id }}"
    labels:
      example.slug: "{{ slug }}"
    healthcheck:
      test: ["CMD", "/bin/app", "check", "{{ hostname }}"]
      interval: 10s
    networks:
      backend:
        aliases: [app]
    deploy:
      labels:
        example.tag: "{{ tag }}"
      placement:
        constraints: ["node.labels.tenant == {{ slug }}"]
      resources:
        limits: { memory: 256M }
  worker:
    image: example/worker:{{ tag }}
    networks: [backend]
    deploy:
      endpoint_mode: vip
networks:
  backend:
    internal: true
    labels:
      example.stack: "{{ stack }}"
x-plenum:
  entry: { service: web, port: 8080, health_path: /healthz }
  scaling:
    web: { min: 1, max: 5 }
"#;

#[test]
fn substitutes_every_placeholder() {
    let template = Template::parse("everywhere", EVERYWHERE).unwrap();
    let stack = render(&template, &context()).unwrap();
    let web = &stack.services["web"];
    assert_eq!(web.image, "registry.example/acme/web:4.3.0");
    assert_eq!(
        web.entrypoint.as_deref(),
        Some(&["/bin/app".to_owned(), "--stack=i42".to_owned()][..])
    );
    assert_eq!(
        web.command.as_deref(),
        Some(&["serve", "--host", "acme.example.org", "--id", "42"].map(String::from)[..])
    );
    assert_eq!(web.environment["URL"], "https://acme.example.org/");
    assert_eq!(web.environment["ID"], "42");
    assert_eq!(web.container_labels["example.slug"], "acme");
    assert_eq!(web.service_labels["example.tag"], "4.3.0");
    assert_eq!(web.constraints, ["node.labels.tenant == acme"]);
    assert_eq!(
        web.healthcheck.as_ref().map(|h| h.test.clone()),
        Some(
            ["CMD", "/bin/app", "check", "acme.example.org"]
                .map(String::from)
                .to_vec()
        )
    );
    assert_eq!(stack.networks["backend"].labels["example.stack"], "i42");
    let json = serde_json::to_string(&stack).unwrap();
    assert!(!json.contains("{{"), "placeholder left in {json}");
}

#[test]
fn applies_instance_settings() {
    let template = Template::parse("everywhere", EVERYWHERE).unwrap();
    let mut ctx = context();
    ctx.replicas.insert("web".to_owned(), 3);
    ctx.default_limits = ResourceAmounts {
        nano_cpus: Some(parse_cpus("0.5").unwrap()),
        memory_bytes: Some(parse_memory("1G").unwrap()),
    };
    ctx.extra_constraints = vec!["node.labels.plenum == true".to_owned()];
    let stack = render(&template, &ctx).unwrap();
    let (web, worker) = (&stack.services["web"], &stack.services["worker"]);

    assert_eq!(web.replicas, 3);
    assert_eq!(worker.replicas, 1);
    // The template's memory limit wins; the unset CPU limit takes the default.
    assert_eq!(web.limits.memory_bytes, Some(256 << 20));
    assert_eq!(web.limits.nano_cpus, Some(500_000_000));
    assert_eq!(worker.limits.memory_bytes, Some(1 << 30));
    assert_eq!(
        web.constraints,
        ["node.labels.tenant == acme", "node.labels.plenum == true"]
    );
    // The context's endpoint mode applies unless the template sets one.
    assert_eq!(web.endpoint_mode, EndpointMode::Dnsrr);
    assert_eq!(worker.endpoint_mode, EndpointMode::Vip);
    ctx.endpoint_mode = EndpointMode::Vip;
    assert_eq!(
        render(&template, &ctx).unwrap().services["web"].endpoint_mode,
        EndpointMode::Vip
    );
}

#[test]
fn plan_limits_override_the_template_and_the_defaults_field_by_field() {
    let template = Template::parse("everywhere", EVERYWHERE).unwrap();
    let mut ctx = context();
    ctx.default_limits = ResourceAmounts {
        nano_cpus: Some(parse_cpus("0.5").unwrap()),
        memory_bytes: Some(parse_memory("1G").unwrap()),
    };
    let before = render(&template, &ctx).unwrap();
    ctx.limits.insert(
        "web".to_owned(),
        ResourceAmounts {
            nano_cpus: Some(parse_cpus("2").unwrap()),
            memory_bytes: Some(parse_memory("512M").unwrap()),
        },
    );
    ctx.limits.insert(
        "worker".to_owned(),
        ResourceAmounts {
            nano_cpus: None,
            memory_bytes: Some(parse_memory("128M").unwrap()),
        },
    );
    let stack = render(&template, &ctx).unwrap();
    let (web, worker) = (&stack.services["web"], &stack.services["worker"]);
    // The plan beats the template's 256M and the default CPUs.
    assert_eq!(web.limits.nano_cpus, Some(2_000_000_000));
    assert_eq!(web.limits.memory_bytes, Some(512 << 20));
    // The plan's memory; no plan CPUs, no template CPUs: the default.
    assert_eq!(worker.limits.nano_cpus, Some(500_000_000));
    assert_eq!(worker.limits.memory_bytes, Some(128 << 20));
    // Reservations stay the template's.
    assert_eq!(web.reservations, before.services["web"].reservations);
    // Changed limits change the spec hash, so the reconciler updates the service.
    assert_ne!(web.spec_hash, before.services["web"].spec_hash);

    let mut bad = context();
    bad.limits
        .insert("nginx".to_owned(), ResourceAmounts::default());
    assert_eq!(
        render(&template, &bad).unwrap_err().to_string(),
        "template \"everywhere\": limit override for unknown service \"nginx\""
    );
    let mut bad = context();
    bad.limits.insert(
        "web".to_owned(),
        ResourceAmounts {
            nano_cpus: Some(0),
            memory_bytes: None,
        },
    );
    assert!(matches!(
        render(&template, &bad),
        Err(TemplateError::Context {
            field: "limits",
            ..
        })
    ));
}

#[test]
fn only_the_entry_joins_the_edge_network() {
    let template = Template::parse("everywhere", EVERYWHERE).unwrap();
    let stack = render(&template, &context()).unwrap();
    let web = &stack.services["web"];
    assert!(web.is_entry);
    assert_eq!(web.networks.len(), 2);
    assert_eq!(
        web.networks[0].network,
        NetworkRef::Stack("backend".to_owned())
    );
    assert_eq!(web.networks[0].aliases, ["web", "app"]);
    assert_eq!(
        web.networks[1].network,
        NetworkRef::Edge("plenum_edge".to_owned())
    );
    assert!(web.networks[1].aliases.is_empty());
    let worker = &stack.services["worker"];
    assert!(!worker.is_entry);
    assert!(
        worker
            .networks
            .iter()
            .all(|n| matches!(n.network, NetworkRef::Stack(_)))
    );
    assert_eq!(stack.edge_network, "plenum_edge");
    assert_eq!(stack.entry.port, 8080);
}

#[test]
fn replica_overrides_are_checked() {
    let template = Template::parse("everywhere", EVERYWHERE).unwrap();
    let mut ctx = context();
    ctx.replicas.insert("web".to_owned(), 6);
    let err = render(&template, &ctx).unwrap_err();
    assert_eq!(
        err.to_string(),
        "template \"everywhere\": service \"web\": 6 replicas requested, allowed range is 1..=5"
    );
    ctx.replicas.insert("web".to_owned(), 0);
    assert!(matches!(
        render(&template, &ctx),
        Err(TemplateError::ReplicasOutOfRange {
            requested: 0,
            min: 1,
            max: 5,
            ..
        })
    ));
    // No scaling rule: fixed at the template's count.
    let mut ctx = context();
    ctx.replicas.insert("worker".to_owned(), 2);
    assert_eq!(
        render(&template, &ctx).unwrap_err().to_string(),
        "template \"everywhere\": service \"worker\": 2 replicas requested, allowed range is 1..=1"
    );
    let mut ctx = context();
    ctx.replicas.insert("nginx".to_owned(), 1);
    assert_eq!(
        render(&template, &ctx).unwrap_err().to_string(),
        "template \"everywhere\": replica override for unknown service \"nginx\""
    );
}

#[test]
fn hashes_are_deterministic_and_track_content() {
    let template = Template::parse("everywhere", EVERYWHERE).unwrap();
    let first = render(&template, &context()).unwrap();
    let again = render(
        &Template::parse("everywhere", EVERYWHERE).unwrap(),
        &context(),
    )
    .unwrap();
    assert_eq!(first, again);
    for service in first.services.values() {
        assert_eq!(service.spec_hash.len(), 64);
        assert_eq!(service.spec_hash, service.compute_spec_hash());
    }

    let mut ctx = context();
    ctx.replicas.insert("web".to_owned(), 2);
    let scaled = render(&template, &ctx).unwrap();
    assert_ne!(
        scaled.services["web"].spec_hash,
        first.services["web"].spec_hash
    );
    assert_eq!(
        scaled.services["worker"].spec_hash,
        first.services["worker"].spec_hash
    );

    let mut ctx = context();
    ctx.tag = "4.3.1".to_owned();
    let upgraded = render(&template, &ctx).unwrap();
    assert_ne!(
        upgraded.services["worker"].spec_hash,
        first.services["worker"].spec_hash
    );
}

#[test]
fn hash_is_stable_across_releases() {
    // Pins the canonical serialisation: changing it re-deploys every running service.
    let template = Template::parse("minimal", MINIMAL).unwrap();
    let stack = render(&template, &context()).unwrap();
    let expected = stack.services["web"].compute_spec_hash();
    assert_eq!(stack.services["web"].spec_hash, expected);
    let json = serde_json::to_string(&{
        let mut web = stack.services["web"].clone();
        web.spec_hash.clear();
        web
    })
    .unwrap();
    assert!(
        json.starts_with(r#"{"name":"web","image":"example/web:4.3.0","#),
        "{json}"
    );
}

#[test]
fn render_settings_are_checked() {
    let template = Template::parse("minimal", MINIMAL).unwrap();
    type Change = fn(&mut RenderContext);
    let cases: [(Change, &str); 6] = [
        (|c| c.stack = "Bad Stack".to_owned(), "stack"),
        (|c| c.stack = "s".repeat(60), "stack"),
        (|c| c.tag = "4.3.0 latest".to_owned(), "tag"),
        (|c| c.slug = "a\nb".to_owned(), "slug"),
        (|c| c.edge_network = String::new(), "edge_network"),
        (
            |c| c.extra_constraints = vec!["node.role".to_owned()],
            "extra_constraints",
        ),
    ];
    for (change, expected_field) in cases {
        let mut ctx = context();
        change(&mut ctx);
        match render(&template, &ctx) {
            Err(TemplateError::Context { field, .. }) => assert_eq!(field, expected_field),
            other => panic!("expected a {expected_field} error, got {other:?}"),
        }
    }
}
