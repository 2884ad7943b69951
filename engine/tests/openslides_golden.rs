//! Golden test: the Swarm specs for the built-in `openslides-4` template, compared field by
//! field with an independent, hand-written statement of the upstream OpenSlides 4.3 stack
//! (services, images, networks, secrets, environment, command, volume, entry, replicas), and
//! the upgrade's migration job (backendManage's spec with the new tag running the backend's
//! `migrate.py finalize`, facts doc §2.5), and the job that writes the SAML settings
//! (backendManage's spec posting `organization.update` to its internal `handle_request`).
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};

use bollard::models::{
    EndpointSpecModeEnum, MountType, NetworkCreateRequest, ServiceSpec, TaskSpecContainerSpec,
    TaskSpecRestartPolicyConditionEnum,
};
use domain::template::SsoDeclaration;
use domain::template::{
    EndpointMode, RenderContext, RenderedStack, ResourceAmounts, builtin, render,
};
use engine::spec::{
    SETTINGS_URL_VARIABLE, SecretRef, SecretRefs, SsoJob, migration_job_name, migration_job_spec,
    network_create_request, secret_name, secret_spec, service_spec, sso_job_name, sso_job_spec,
};

const STACK: &str = "os7";
const TAG: &str = "4.3.2";
const EDGE: &str = "plenum_edge";
const REGISTRY: &str = "ghcr.io/openslides/openslides";

/// One upstream service: name, image, networks, secrets.
struct Upstream {
    name: &'static str,
    image: String,
    networks: &'static [&'static str],
    secrets: &'static [&'static str],
}

const KEYS_AND_DB: &[&str] = &["auth_token_key", "auth_cookie_key", "postgres_password"];
const FRONT_DATA: &[&str] = &["frontend", "data"];

/// The upstream stack (facts doc §3.4, 4.3 column, local HTTPS off).
fn upstream() -> Vec<Upstream> {
    let os = |image: &str| format!("{REGISTRY}/openslides-{image}:{TAG}");
    vec![
        Upstream {
            name: "proxy",
            image: os("proxy"),
            networks: &["uplink", "frontend"],
            secrets: &[],
        },
        Upstream {
            name: "client",
            image: os("client"),
            networks: &["frontend"],
            secrets: &[],
        },
        Upstream {
            name: "backendAction",
            image: os("backend"),
            networks: &["frontend", "data", "email"],
            secrets: &[
                "auth_token_key",
                "auth_cookie_key",
                "internal_auth_password",
                "postgres_password",
            ],
        },
        Upstream {
            name: "backendPresenter",
            image: os("backend"),
            networks: FRONT_DATA,
            secrets: KEYS_AND_DB,
        },
        Upstream {
            name: "backendManage",
            image: os("backend"),
            networks: &["data", "email"],
            secrets: &[
                "auth_token_key",
                "auth_cookie_key",
                "internal_auth_password",
                "postgres_password",
                "superadmin",
            ],
        },
        Upstream {
            name: "postgres",
            image: "postgres:17.10".to_owned(),
            networks: &["data"],
            secrets: &["postgres_password"],
        },
        Upstream {
            name: "autoupdate",
            image: os("autoupdate"),
            networks: FRONT_DATA,
            secrets: KEYS_AND_DB,
        },
        Upstream {
            name: "search",
            image: os("search"),
            networks: FRONT_DATA,
            secrets: KEYS_AND_DB,
        },
        Upstream {
            name: "projector",
            image: os("projector"),
            networks: FRONT_DATA,
            secrets: KEYS_AND_DB,
        },
        Upstream {
            name: "auth",
            image: os("auth"),
            networks: FRONT_DATA,
            secrets: &[
                "auth_token_key",
                "auth_cookie_key",
                "internal_auth_password",
                "postgres_password",
            ],
        },
        Upstream {
            name: "vote",
            image: os("vote"),
            networks: FRONT_DATA,
            secrets: KEYS_AND_DB,
        },
        Upstream {
            name: "redis",
            image: "redis:alpine".to_owned(),
            networks: &["data"],
            secrets: &[],
        },
        Upstream {
            name: "media",
            image: os("media"),
            networks: FRONT_DATA,
            secrets: KEYS_AND_DB,
        },
        Upstream {
            name: "icc",
            image: os("icc"),
            networks: FRONT_DATA,
            secrets: KEYS_AND_DB,
        },
    ]
}

/// The defaultEnvironment every service gets (facts doc §3.3, 4.3).
const DEFAULT_ENVIRONMENT: &[(&str, &str)] = &[
    ("ACTION_HOST", "backendAction"),
    ("ACTION_PORT", "9002"),
    ("PRESENTER_HOST", "backendPresenter"),
    ("PRESENTER_PORT", "9003"),
    ("AUTH_HOST", "auth"),
    ("AUTH_PORT", "9004"),
    ("MEDIA_HOST", "media"),
    ("MEDIA_PORT", "9006"),
    ("ICC_HOST", "icc"),
    ("ICC_PORT", "9007"),
    ("AUTOUPDATE_HOST", "autoupdate"),
    ("AUTOUPDATE_PORT", "9012"),
    ("VOTE_HOST", "vote"),
    ("VOTE_PORT", "9013"),
    ("SEARCH_HOST", "search"),
    ("SEARCH_PORT", "9050"),
    ("PROJECTOR_HOST", "projector"),
    ("PROJECTOR_PORT", "9051"),
    (
        "RESTRICTER_URL",
        "http://autoupdate:9012/internal/autoupdate",
    ),
    ("CACHE_HOST", "redis"),
    ("CACHE_PORT", "6379"),
    ("MESSAGE_BUS_HOST", "redis"),
    ("MESSAGE_BUS_PORT", "6379"),
    ("DATABASE_HOST", "postgres"),
    ("DATABASE_PORT", "5432"),
    ("DATABASE_NAME", "openslides"),
    ("DATABASE_USER", "openslides"),
    ("DATABASE_PASSWORD_FILE", "/run/secrets/postgres_password"),
    ("MEDIA_DATABASE_HOST", "postgres"),
    ("MEDIA_DATABASE_PORT", "5432"),
    ("MEDIA_DATABASE_NAME", "openslides"),
    ("MEDIA_DATABASE_USER", "openslides"),
    (
        "MEDIA_DATABASE_PASSWORD_FILE",
        "/run/secrets/postgres_password",
    ),
    ("VOTE_DATABASE_HOST", "postgres"),
    ("VOTE_DATABASE_PORT", "5432"),
    ("VOTE_DATABASE_NAME", "openslides"),
    ("VOTE_DATABASE_USER", "openslides"),
    (
        "VOTE_DATABASE_PASSWORD_FILE",
        "/run/secrets/postgres_password",
    ),
    (
        "INTERNAL_AUTH_PASSWORD_FILE",
        "/run/secrets/internal_auth_password",
    ),
    ("AUTH_TOKEN_KEY_FILE", "/run/secrets/auth_token_key"),
    ("AUTH_COOKIE_KEY_FILE", "/run/secrets/auth_cookie_key"),
    ("SUPERADMIN_PASSWORD_FILE", "/run/secrets/superadmin"),
    ("OPENSLIDES_LOGLEVEL", "info"),
    ("OPENSLIDES_DEVELOPMENT", "false"),
];

/// Variables of 4.0–4.2 stacks that must not appear in a 4.3 stack.
const REMOVED_IN_4_3: &[&str] = &[
    "MANAGE_HOST",
    "MANAGE_PORT",
    "MANAGE_AUTH_PASSWORD_FILE",
    "DATASTORE_READER_HOST",
    "DATASTORE_WRITER_HOST",
    "DATASTORE_DATABASE_HOST",
];

/// Per-service variables on top of the defaults (facts doc §3.3 and §0).
fn extra_environment(service: &str) -> &'static [(&'static str, &'static str)] {
    match service {
        "backendAction" => &[("OPENSLIDES_BACKEND_COMPONENT", "action")],
        "backendPresenter" => &[("OPENSLIDES_BACKEND_COMPONENT", "presenter")],
        "backendManage" => &[
            ("OPENSLIDES_BACKEND_COMPONENT", "action"),
            ("OPENSLIDES_BACKEND_CREATE_INITIAL_DATA", "1"),
        ],
        "postgres" => &[
            ("POSTGRES_DB", "openslides"),
            ("POSTGRES_USER", "openslides"),
            ("POSTGRES_PASSWORD_FILE", "/run/secrets/postgres_password"),
        ],
        "proxy" => &[("ENABLE_LOCAL_HTTPS", "0")],
        _ => &[],
    }
}

fn rendered() -> RenderedStack {
    let ctx = RenderContext {
        instance_id: 7,
        slug: "verein".to_owned(),
        stack: STACK.to_owned(),
        hostname: "verein.example.org".to_owned(),
        public_url: "https://verein.example.org".to_owned(),
        oidc_issuer: "https://plenum.example.org".to_owned(),
        plenum_url: "http://plenum_server:3000".to_owned(),
        tag: TAG.to_owned(),
        replicas: BTreeMap::new(),
        limits: BTreeMap::new(),
        default_limits: ResourceAmounts::default(),
        extra_constraints: Vec::new(),
        endpoint_mode: EndpointMode::Vip,
        edge_network: EDGE.to_owned(),
    };
    render(&builtin("openslides-4").unwrap(), &ctx).unwrap()
}

fn secret_refs(stack: &RenderedStack) -> SecretRefs {
    stack
        .secrets
        .keys()
        .map(|name| {
            let created = SecretRef {
                id: format!("id-{name}"),
                name: secret_name(STACK, name, format!("value of {name}").as_bytes()).unwrap(),
            };
            (name.clone(), created)
        })
        .collect()
}

fn specs() -> BTreeMap<String, ServiceSpec> {
    let stack = rendered();
    let refs = secret_refs(&stack);
    stack
        .services
        .keys()
        .map(|name| (name.clone(), service_spec(&stack, name, &refs).unwrap()))
        .collect()
}

fn container(spec: &ServiceSpec) -> &TaskSpecContainerSpec {
    spec.task_template
        .as_ref()
        .unwrap()
        .container_spec
        .as_ref()
        .unwrap()
}

fn env(spec: &ServiceSpec) -> BTreeMap<String, String> {
    container(spec)
        .env
        .iter()
        .flatten()
        .map(|entry| {
            let (k, v) = entry.split_once('=').unwrap();
            (k.to_owned(), v.to_owned())
        })
        .collect()
}

fn network_targets(spec: &ServiceSpec) -> BTreeSet<String> {
    spec.task_template
        .as_ref()
        .unwrap()
        .networks
        .iter()
        .flatten()
        .map(|n| n.target.clone().unwrap())
        .collect()
}

#[test]
fn the_fourteen_upstream_services_and_nothing_else() {
    let specs = specs();
    let names: BTreeSet<&str> = specs.keys().map(String::as_str).collect();
    let expected: BTreeSet<&str> = upstream().iter().map(|u| u.name).collect();
    assert_eq!(expected.len(), 14);
    assert_eq!(names, expected);
    for (name, spec) in &specs {
        assert_eq!(
            spec.name.as_deref(),
            Some(format!("{STACK}_{name}").as_str())
        );
    }
}

#[test]
fn images() {
    let specs = specs();
    for up in upstream() {
        let spec = &specs[up.name];
        assert_eq!(
            container(spec).image.as_deref(),
            Some(up.image.as_str()),
            "{}",
            up.name
        );
        assert_eq!(
            spec.labels.as_ref().unwrap()["com.docker.stack.image"],
            up.image,
            "{}",
            up.name
        );
    }
}

#[test]
fn networks_with_short_name_aliases_and_only_proxy_on_the_edge() {
    let specs = specs();
    for up in upstream() {
        let spec = &specs[up.name];
        let mut expected: BTreeSet<String> =
            up.networks.iter().map(|n| format!("{STACK}_{n}")).collect();
        if up.name == "proxy" {
            expected.insert(EDGE.to_owned());
        }
        assert_eq!(network_targets(spec), expected, "{}", up.name);
        for attachment in spec
            .task_template
            .as_ref()
            .unwrap()
            .networks
            .iter()
            .flatten()
        {
            let aliases = attachment.aliases.clone().unwrap_or_default();
            if attachment.target.as_deref() == Some(EDGE) {
                assert!(
                    aliases.is_empty(),
                    "no short-name alias on the shared edge network"
                );
            } else {
                assert_eq!(aliases, [up.name], "{}", up.name);
            }
        }
    }
}

#[test]
fn stack_networks_match_upstream_internal_flags() {
    let stack = rendered();
    let expected = [
        ("uplink", false),
        ("email", false),
        ("frontend", true),
        ("data", true),
    ];
    assert_eq!(stack.networks.len(), expected.len());
    for (name, internal) in expected {
        let request: NetworkCreateRequest = network_create_request(&stack, name).unwrap();
        assert_eq!(request.name, format!("{STACK}_{name}"));
        assert_eq!(request.driver.as_deref(), Some("overlay"));
        assert_eq!(request.internal, Some(internal), "{name}");
        assert_eq!(
            request.labels.as_ref().unwrap()["com.docker.stack.namespace"],
            STACK
        );
    }
}

#[test]
fn secrets_per_service() {
    let stack = rendered();
    let refs = secret_refs(&stack);
    let specs = specs();
    for up in upstream() {
        let mounted = container(&specs[up.name])
            .secrets
            .clone()
            .unwrap_or_default();
        let names: BTreeSet<String> = mounted
            .iter()
            .map(|s| s.file.as_ref().unwrap().name.clone().unwrap())
            .collect();
        let expected: BTreeSet<String> = up
            .secrets
            .iter()
            .map(|s| format!("/run/secrets/{s}"))
            .collect();
        assert_eq!(names, expected, "{}", up.name);
        for secret in &mounted {
            let file = secret.file.as_ref().unwrap();
            let short = file
                .name
                .as_deref()
                .unwrap()
                .trim_start_matches("/run/secrets/");
            assert_eq!(secret.secret_id.as_deref(), Some(refs[short].id.as_str()));
            assert_eq!(
                secret.secret_name.as_deref(),
                Some(refs[short].name.as_str())
            );
            assert_eq!(file.uid.as_deref(), Some("0"));
            assert_eq!(file.gid.as_deref(), Some("0"));
            assert_eq!(file.mode, Some(0o444));
        }
    }
    let all: BTreeSet<&str> = stack.secrets.keys().map(String::as_str).collect();
    assert_eq!(
        all,
        BTreeSet::from([
            "auth_token_key",
            "auth_cookie_key",
            "internal_auth_password",
            "postgres_password",
            "saml_settings_token",
            "superadmin"
        ])
    );
    let spec = secret_spec(&stack, "superadmin", b"s3cret").unwrap();
    assert_eq!(spec.data.as_deref(), Some("czNjcmV0"));
    assert!(
        spec.name
            .unwrap()
            .starts_with(&format!("{STACK}_superadmin_"))
    );
}

#[test]
fn environment() {
    let specs = specs();
    for up in upstream() {
        let env = env(&specs[up.name]);
        for (key, value) in DEFAULT_ENVIRONMENT.iter().chain(extra_environment(up.name)) {
            assert_eq!(
                env.get(*key).map(String::as_str),
                Some(*value),
                "{}: {key}",
                up.name
            );
        }
        for key in REMOVED_IN_4_3 {
            assert!(
                !env.contains_key(*key),
                "{}: {key} is from 4.0–4.2",
                up.name
            );
        }
        assert!(!env.contains_key("HTTPS_CERT_FILE"), "{}", up.name);
        if !["backendAction", "backendPresenter", "backendManage"].contains(&up.name) {
            assert!(
                !env.contains_key("OPENSLIDES_BACKEND_COMPONENT"),
                "{}",
                up.name
            );
        }
    }
}

#[test]
fn redis_command_and_postgres_volume() {
    let specs = specs();
    let redis = container(&specs["redis"]);
    assert_eq!(redis.command, None, "the image's entrypoint stays");
    assert_eq!(
        redis.args.as_deref(),
        Some(
            &[
                "redis-server".to_owned(),
                "--save".to_owned(),
                String::new()
            ][..]
        )
    );
    let postgres = container(&specs["postgres"]);
    let mounts = postgres.mounts.clone().unwrap();
    assert_eq!(mounts.len(), 1);
    assert_eq!(mounts[0].typ, Some(MountType::VOLUME));
    assert_eq!(mounts[0].source.as_deref(), Some("os7_postgres-data"));
    assert_eq!(
        mounts[0].target.as_deref(),
        Some("/var/lib/postgresql/data")
    );
    assert_eq!(mounts[0].read_only, Some(false));
    let volume_labels = mounts[0]
        .volume_options
        .as_ref()
        .unwrap()
        .labels
        .as_ref()
        .unwrap();
    assert_eq!(volume_labels["com.docker.stack.namespace"], STACK);
    for (name, spec) in &specs {
        if name != "postgres" {
            assert_eq!(container(spec).mounts, None, "{name}");
        }
    }
}

#[test]
fn replicas_endpoints_and_no_published_ports() {
    for (name, spec) in specs() {
        let replicas = spec.mode.unwrap().replicated.unwrap().replicas;
        assert_eq!(replicas, Some(1), "{name}");
        let endpoint = spec.endpoint_spec.unwrap();
        assert_eq!(endpoint.mode, Some(EndpointSpecModeEnum::VIP), "{name}");
        // Upstream publishes proxy and backendManage on host ports; behind Plenum's edge
        // neither does (fixed host ports would collide between instances).
        assert_eq!(endpoint.ports, None, "{name}");
    }
}

#[test]
fn labels() {
    let stack = rendered();
    for (name, spec) in specs() {
        let labels = spec.labels.as_ref().unwrap();
        assert_eq!(labels["com.docker.stack.namespace"], STACK, "{name}");
        assert_eq!(labels["org.plenum.managed"], "true", "{name}");
        assert_eq!(labels["org.plenum.instance"], "7", "{name}");
        assert_eq!(
            labels["org.plenum.spec-hash"], stack.services[&name].spec_hash,
            "{name}"
        );
        let container_labels = container(&spec).labels.as_ref().unwrap();
        assert_eq!(
            container_labels["com.docker.stack.namespace"], STACK,
            "{name}"
        );
        assert_eq!(container_labels["org.plenum.instance"], "7", "{name}");
    }
}

#[test]
fn migration_job_is_backend_manage_running_migrate_finalize_once() {
    let stack = rendered();
    let refs = secret_refs(&stack);
    let template = builtin("openslides-4").unwrap();
    let step = template.migration().unwrap();
    assert_eq!(step.service, "backendManage");
    let job = migration_job_spec(&stack, step, TAG, &refs).unwrap();
    let manage = &specs()["backendManage"];

    assert_eq!(
        job.name.as_deref(),
        Some(migration_job_name(STACK, TAG).as_str())
    );
    let mode = job.mode.as_ref().unwrap();
    assert_eq!(mode.replicated, None);
    let once = mode.replicated_job.as_ref().unwrap();
    assert_eq!(
        (once.max_concurrent, once.total_completions),
        (Some(1), Some(1))
    );

    let c = container(&job);
    assert_eq!(
        c.image.as_deref(),
        Some(format!("{REGISTRY}/openslides-backend:{TAG}").as_str())
    );
    assert_eq!(
        c.command,
        container(manage).command,
        "the image's entrypoint stays"
    );
    assert_eq!(
        c.args.as_deref(),
        Some(
            [
                "python",
                "openslides_backend/migrations/migrate.py",
                "finalize"
            ]
            .map(str::to_owned)
            .as_slice()
        )
    );
    assert_eq!(env(&job), env(manage));
    assert_eq!(env(&job)["OPENSLIDES_BACKEND_COMPONENT"], "action");
    assert_eq!(c.secrets, container(manage).secrets);
    assert_eq!(c.mounts, container(manage).mounts);
    assert_eq!(
        c.health_check.as_ref().and_then(|h| h.test.clone()),
        Some(vec!["NONE".to_owned()]),
        "a one-off job has no health check, not even its image's"
    );
    assert_eq!(
        network_targets(&job),
        BTreeSet::from([format!("{STACK}_data"), format!("{STACK}_email")])
    );
    assert_eq!(network_targets(&job), network_targets(manage));

    let task = job.task_template.as_ref().unwrap();
    assert_eq!(
        task.restart_policy.as_ref().unwrap().condition,
        Some(TaskSpecRestartPolicyConditionEnum::NONE)
    );
    assert_eq!(
        task.resources,
        manage.task_template.as_ref().unwrap().resources
    );
    assert_eq!(
        task.placement,
        manage.task_template.as_ref().unwrap().placement
    );
    assert_eq!(job.update_config, None);
    assert_eq!(job.rollback_config, None);
    let endpoint = job.endpoint_spec.as_ref().unwrap();
    assert_eq!(endpoint.mode, Some(EndpointSpecModeEnum::DNSRR));
    assert_eq!(endpoint.ports, None);

    let labels = job.labels.as_ref().unwrap();
    assert_eq!(labels["org.plenum.migration"], TAG);
    assert_eq!(labels["com.docker.stack.namespace"], STACK);
    assert_eq!(labels["org.plenum.managed"], "true");
    assert_eq!(labels["org.plenum.instance"], "7");
    assert!(!labels.contains_key("org.plenum.spec-hash"));
    assert_eq!(
        container(&job).labels.as_ref().unwrap()["org.plenum.instance"],
        "7"
    );
}

#[test]
fn the_saml_job_posts_organization_update_from_backend_manage_and_reaches_plenum() {
    let stack = rendered();
    let refs = secret_refs(&stack);
    let template = builtin("openslides-4").unwrap();
    let Some(SsoDeclaration::Saml(saml)) = template.sso() else {
        panic!("a SAML declaration")
    };
    let digest = "ab".repeat(32);
    let url = "http://plenum_server:3000/saml/7/openslides-settings";
    let job = sso_job_spec(
        &stack,
        &SsoJob {
            step: &saml.configure,
            settings_secret: &saml.settings_secret,
            settings_url: url,
            digest: &digest,
        },
        &refs,
    )
    .unwrap();
    let manage = &specs()["backendManage"];

    assert_eq!(
        job.name.as_deref(),
        Some(sso_job_name(STACK, &digest).as_str())
    );
    assert_eq!(job.name.as_deref(), Some("os7_sso-abababababab"));
    let once = job.mode.as_ref().unwrap().replicated_job.as_ref().unwrap();
    assert_eq!(
        (once.max_concurrent, once.total_completions),
        (Some(1), Some(1))
    );
    let c = container(&job);
    assert_eq!(c.image, container(manage).image, "the backend image");
    assert_eq!(
        c.command,
        container(manage).command,
        "the image's entrypoint stays"
    );
    let args = c.args.as_deref().unwrap();
    assert_eq!(&args[..2], ["sh", "-c"]);
    let script = &args[2];
    // Fetches the settings from Plenum with the instance's token ...
    assert!(script.starts_with("set -eu; curl -fsS"), "{script}");
    assert!(
        script.contains(
            "-H \"Authorization: Bearer $(cat /run/secrets/saml_settings_token)\" -o /tmp/saml-settings.json \"$PLENUM_SSO_SETTINGS_URL\";"
        ),
        "{script}"
    );
    // ... and posts them as osmanage does: JSON, the internal password in base64 (no
    // "Basic"), to backendManage's internal handle_request, succeeding only on success.
    assert!(
        script.contains(
            "-H \"Content-Type: application/json\" -H \"Authorization: $(base64 -w0 /run/secrets/internal_auth_password)\" --data-binary @/tmp/saml-settings.json -o /tmp/saml-answer.json http://backendManage:9002/internal/handle_request;"
        ),
        "{script}"
    );
    assert!(
        script.ends_with("grep -Eq '\"success\": ?true' /tmp/saml-answer.json"),
        "{script}"
    );

    let mut expected_env = env(manage);
    expected_env.insert(SETTINGS_URL_VARIABLE.to_owned(), url.to_owned());
    assert_eq!(env(&job), expected_env);
    // backendManage's secrets, plus the token (readable by root only).
    let mut mounted = container(manage).secrets.clone().unwrap();
    let token = container(&job)
        .secrets
        .as_ref()
        .unwrap()
        .iter()
        .find(|s| s.secret_id.as_deref() == Some("id-saml_settings_token"))
        .unwrap()
        .clone();
    assert_eq!(
        token.file.as_ref().unwrap().name.as_deref(),
        Some("/run/secrets/saml_settings_token")
    );
    assert_eq!(token.file.as_ref().unwrap().mode, Some(0o400));
    mounted.push(token);
    assert_eq!(c.secrets.as_ref(), Some(&mounted));
    assert!(
        !container(manage)
            .secrets
            .iter()
            .flatten()
            .any(|s| s.secret_id.as_deref() == Some("id-saml_settings_token")),
        "no service mounts the token"
    );
    assert_eq!(
        c.health_check.as_ref().and_then(|h| h.test.clone()),
        Some(vec!["NONE".to_owned()])
    );
    // backendManage's networks (it reaches itself on data), and the edge to reach Plenum.
    assert_eq!(
        network_targets(&job),
        BTreeSet::from([
            format!("{STACK}_data"),
            format!("{STACK}_email"),
            EDGE.to_owned()
        ])
    );
    let task = job.task_template.as_ref().unwrap();
    assert_eq!(
        task.restart_policy.as_ref().unwrap().condition,
        Some(TaskSpecRestartPolicyConditionEnum::NONE)
    );
    assert_eq!(job.update_config, None);
    assert_eq!(
        job.endpoint_spec.as_ref().unwrap().mode,
        Some(EndpointSpecModeEnum::DNSRR)
    );
    let labels = job.labels.as_ref().unwrap();
    assert_eq!(labels["org.plenum.sso-settings"], digest);
    assert_eq!(labels["org.plenum.instance"], "7");
    assert!(!labels.contains_key("org.plenum.spec-hash"));
    assert!(!labels.contains_key("org.plenum.migration"));
}
