//! Load-time errors name the template and the full key path.

use super::MINIMAL;
use crate::template::{SsoDeclaration, Template, TemplateError};

/// Parses `text` as template "demo" and returns the error message.
fn error(text: &str) -> String {
    match Template::parse("demo", text) {
        Ok(_) => panic!("template should be rejected:\n{text}"),
        Err(err) => err.to_string(),
    }
}

/// `MINIMAL` with `yaml` (indented for a service body) added to service `web`.
fn with_service_keys(yaml: &str) -> String {
    MINIMAL.replace(
        "    networks: [backend]\n",
        &format!("    networks: [backend]\n{yaml}"),
    )
}

/// `MINIMAL` with `yaml` added at the top level.
fn with_top_level(yaml: &str) -> String {
    format!("{MINIMAL}{yaml}")
}

#[test]
fn minimal_template_loads() {
    let template = Template::parse("demo", MINIMAL).unwrap();
    assert_eq!(template.name(), "demo");
    assert_eq!(template.service_names().collect::<Vec<_>>(), ["web"]);
}

#[test]
fn the_migration_step_loads() {
    let text =
        with_top_level("  upgrade:\n    migrate: { service: web, command: [/app, migrate] }\n");
    let template = Template::parse("demo", &text).unwrap();
    let step = template.migration().unwrap();
    assert_eq!(step.service, "web");
    assert_eq!(step.command, ["/app", "migrate"]);
    assert!(
        Template::parse("demo", MINIMAL)
            .unwrap()
            .migration()
            .is_none()
    );
}

/// `MINIMAL` with an `x-plenum.sso` block `sso` (indented under `x-plenum`) and a secret.
fn with_sso(sso: &str) -> String {
    format!(
        "{MINIMAL}  sso:\n{sso}secrets:\n  oidc_secret:\n    x-plenum-generate: {{ charset: alphanumeric, length: 40 }}\n"
    )
}

#[test]
fn the_sso_declaration_loads_and_is_checked() {
    let ok = "    protocol: oidc\n    redirect_paths: [/oidc/callback]\n    post_logout_paths: [/]\n    client_secret: oidc_secret\n";
    let template = Template::parse("demo", &with_sso(ok)).unwrap();
    let Some(SsoDeclaration::Oidc(sso)) = template.sso() else {
        panic!("an OpenID Connect declaration")
    };
    assert_eq!(sso.redirect_paths, ["/oidc/callback"]);
    assert_eq!(sso.client_secret, "oidc_secret");
    assert!(Template::parse("demo", MINIMAL).unwrap().sso().is_none());
    for (sso, path) in [
        (
            "    protocol: oidc\n    redirect_paths: []\n    client_secret: oidc_secret\n",
            "x-plenum.sso.redirect_paths",
        ),
        (
            "    protocol: oidc\n    redirect_paths: [https://evil.example/cb]\n    client_secret: oidc_secret\n",
            "x-plenum.sso.redirect_paths",
        ),
        (
            "    protocol: oidc\n    redirect_paths: [/cb]\n    post_logout_paths: [//evil]\n    client_secret: oidc_secret\n",
            "x-plenum.sso.post_logout_paths",
        ),
        (
            "    protocol: oidc\n    redirect_paths: [/cb]\n    client_secret: missing\n",
            "x-plenum.sso.client_secret",
        ),
        (
            "    protocol: ldap\n    redirect_paths: [/cb]\n    client_secret: oidc_secret\n",
            "x-plenum.sso.protocol",
        ),
    ] {
        let message = error(&with_sso(sso));
        assert!(message.contains(path), "{path}: {message}");
    }
}

/// `MINIMAL` with an `x-plenum.backup` block `backup` and a secret `token`.
fn with_backup(backup: &str) -> String {
    format!(
        "{MINIMAL}  backup:\n{backup}secrets:\n  token:\n    x-plenum-generate: {{ charset: alphanumeric, length: 40 }}\n"
    )
}

#[test]
fn the_backup_declaration_loads_and_is_checked() {
    let ok = "    service: web\n    token_secret: token\n    dump: [sh, -c, dump]\n    restore: [sh, -c, load]\n";
    let template = Template::parse("demo", &with_backup(ok)).unwrap();
    let backup = template.backup().unwrap();
    assert_eq!(backup.service, "web");
    assert_eq!(backup.token_secret, "token");
    assert_eq!(backup.dump, ["sh", "-c", "dump"]);
    assert_eq!(backup.restore, ["sh", "-c", "load"]);
    assert!(Template::parse("demo", MINIMAL).unwrap().backup().is_none());
    for (backup, path) in [
        (
            "    service: db\n    token_secret: token\n    dump: [a]\n    restore: [b]\n",
            "x-plenum.backup.service",
        ),
        (
            "    service: web\n    token_secret: nope\n    dump: [a]\n    restore: [b]\n",
            "x-plenum.backup.token_secret",
        ),
        (
            "    service: web\n    token_secret: token\n    dump: []\n    restore: [b]\n",
            "x-plenum.backup.dump",
        ),
        (
            "    service: web\n    token_secret: token\n    dump: [a]\n    restore: [\"{{ slug }}\"]\n",
            "x-plenum.backup.restore",
        ),
        (
            "    service: web\n    token_secret: token\n    dump: [a]\n",
            "x-plenum.backup",
        ),
    ] {
        let message = error(&with_backup(backup));
        assert!(message.contains(path), "{path}: {message}");
    }
}

#[test]
fn every_unsupported_key_is_named_with_its_path() {
    let cases: &[(String, &str, &str)] = &[
        (
            with_service_keys("    ports: [\"80:80\"]\n"),
            "services.web.ports",
            "ports",
        ),
        (
            with_service_keys("    restart: always\n"),
            "services.web.restart",
            "restart",
        ),
        (
            with_service_keys("    depends_on: [db]\n"),
            "services.web.depends_on",
            "depends_on",
        ),
        (
            with_service_keys("    deploy:\n      mode: global\n"),
            "services.web.deploy.mode",
            "mode",
        ),
        (
            with_service_keys(
                "    deploy:\n      resources:\n        limits:\n          pids: 5\n",
            ),
            "services.web.deploy.resources.limits.pids",
            "pids",
        ),
        (
            with_service_keys(
                "    deploy:\n      resources:\n        reservations:\n          devices: []\n",
            ),
            "services.web.deploy.resources.reservations.devices",
            "devices",
        ),
        (
            with_service_keys("    deploy:\n      placement:\n        preferences: []\n"),
            "services.web.deploy.placement.preferences",
            "preferences",
        ),
        (
            with_service_keys("    deploy:\n      update_config:\n        speed: 2\n"),
            "services.web.deploy.update_config.speed",
            "speed",
        ),
        (
            with_service_keys("    deploy:\n      rollback_config:\n        speed: 2\n"),
            "services.web.deploy.rollback_config.speed",
            "speed",
        ),
        (
            with_service_keys("    deploy:\n      restart_policy:\n        backoff: 2\n"),
            "services.web.deploy.restart_policy.backoff",
            "backoff",
        ),
        (
            with_service_keys(
                "    healthcheck:\n      test: [\"CMD\", \"true\"]\n      start_interval: 1s\n",
            ),
            "services.web.healthcheck.start_interval",
            "start_interval",
        ),
        (
            with_service_keys("    secrets:\n      - source: s\n        uid: \"0\"\n"),
            "services.web.secrets[0].uid",
            "uid",
        ),
        (
            with_service_keys(
                "    volumes:\n      - source: v\n        target: /data\n        volume: { nocopy: true }\n",
            ),
            "services.web.volumes[0].volume",
            "volume",
        ),
        (
            MINIMAL.replace(
                "    networks: [backend]\n",
                "    networks:\n      backend:\n        ipv4_address: 10.0.0.2\n",
            ),
            "services.web.networks.backend.ipv4_address",
            "ipv4_address",
        ),
        (with_top_level("configs: {}\n"), "configs", "configs"),
        (
            MINIMAL.replace("    internal: true\n", "    internal: true\n    ipam: {}\n"),
            "networks.backend.ipam",
            "ipam",
        ),
        (
            with_top_level("volumes:\n  data:\n    driver: local\n"),
            "volumes.data.driver",
            "driver",
        ),
        (
            with_top_level(
                "secrets:\n  s:\n    name: other\n    x-plenum-generate: { charset: base64, bytes: 32 }\n",
            ),
            "secrets.s.name",
            "name",
        ),
        (
            with_top_level(
                "secrets:\n  s:\n    x-plenum-generate: { charset: base64, bytes: 32, prefix: a }\n",
            ),
            "secrets.s.x-plenum-generate.prefix",
            "prefix",
        ),
        (
            MINIMAL.replace(
                "health_path: /healthz }",
                "health_path: /healthz, tls: true }",
            ),
            "x-plenum.entry.tls",
            "tls",
        ),
        (
            MINIMAL.replace("x-plenum:\n", "x-plenum:\n  autoscale: true\n"),
            "x-plenum.autoscale",
            "autoscale",
        ),
        (
            with_top_level("x-plenum-extra: 1\n"),
            "x-plenum-extra",
            "x-plenum-extra",
        ),
        (
            with_top_level("  upgrade:\n    rollback: true\n"),
            "x-plenum.upgrade.rollback",
            "rollback",
        ),
        (
            with_top_level("  upgrade:\n    migrate: { service: web, command: [m], retries: 2 }\n"),
            "x-plenum.upgrade.migrate.retries",
            "retries",
        ),
    ];
    for (text, path, key) in cases {
        assert_eq!(
            error(text),
            format!("template \"demo\": {path}: key \"{key}\" is not supported"),
        );
    }
}

#[test]
fn anchor_holders_and_version_are_accepted() {
    let text = format!(
        "version: \"3.8\"\nx-env: &env\n  A: 1\n{}",
        MINIMAL.replace(
            "    networks: [backend]\n",
            "    networks: [backend]\n    environment:\n      <<: *env\n      B: 2\n"
        )
    );
    Template::parse("demo", &text).unwrap();
}

#[test]
fn file_and_external_secrets_say_plenum_generates_secrets() {
    for key in ["file: ./secrets/s", "external: true"] {
        let message = error(&with_top_level(&format!("secrets:\n  s:\n    {key}\n")));
        let name = key.split(':').next().unwrap_or_default();
        assert!(
            message.starts_with(&format!(
                "template \"demo\": secrets.s.{name}: key \"{name}\" is not supported: Plenum generates every secret itself"
            )),
            "{message}"
        );
    }
    let message = error(&with_top_level("secrets:\n  s:\n    labels: { a: b }\n"));
    assert!(
        message.starts_with("template \"demo\": secrets.s: Plenum generates every secret itself"),
        "{message}"
    );
}

#[test]
fn secret_generation_sizes_are_checked() {
    assert_eq!(
        error(&with_top_level(
            "secrets:\n  s:\n    x-plenum-generate: { charset: base64, length: 32 }\n"
        )),
        "template \"demo\": secrets.s.x-plenum-generate: charset base64 takes \"bytes\" (random bytes before encoding), not \"length\""
    );
    assert_eq!(
        error(&with_top_level(
            "secrets:\n  s:\n    x-plenum-generate: { charset: alphanumeric, bytes: 32 }\n"
        )),
        "template \"demo\": secrets.s.x-plenum-generate: charsets alphanumeric and password take \"length\" (characters), not \"bytes\""
    );
    assert_eq!(
        error(&with_top_level(
            "secrets:\n  s:\n    x-plenum-generate: { charset: password, length: 4 }\n"
        )),
        "template \"demo\": secrets.s.x-plenum-generate: length: 4 is outside 8..=4096"
    );
    assert_eq!(
        error(&with_top_level(
            "secrets:\n  s:\n    x-plenum-generate: { charset: hex, length: 40 }\n"
        )),
        "template \"demo\": secrets.s.x-plenum-generate.charset: \"hex\" is not supported here (expected one of: alphanumeric, password, base64)"
    );
}

#[test]
fn bad_quantities_name_their_path() {
    assert_eq!(
        error(&with_service_keys(
            "    healthcheck:\n      test: [\"CMD\", \"true\"]\n      interval: 10x\n"
        )),
        "template \"demo\": services.web.healthcheck.interval: invalid duration \"10x\": expected numbers with units ns, us, ms, s, m or h, e.g. \"10s\" or \"1m30s\""
    );
    assert_eq!(
        error(&with_service_keys(
            "    healthcheck:\n      test: [\"CMD\", \"true\"]\n      timeout: 30\n"
        )),
        "template \"demo\": services.web.healthcheck.timeout: duration 30 has no unit: write e.g. \"30s\""
    );
    assert_eq!(
        error(&with_service_keys(
            "    deploy:\n      update_config:\n        delay: 1m30\n"
        )),
        "template \"demo\": services.web.deploy.update_config.delay: invalid duration \"1m30\": expected numbers with units ns, us, ms, s, m or h, e.g. \"10s\" or \"1m30s\""
    );
    assert_eq!(
        error(&with_service_keys(
            "    deploy:\n      resources:\n        limits:\n          memory: 12Q\n"
        )),
        "template \"demo\": services.web.deploy.resources.limits.memory: invalid memory size \"12Q\": expected a number of bytes with an optional unit b, k, m, g or t, e.g. \"512M\" or \"1G\""
    );
    assert_eq!(
        error(&with_service_keys(
            "    deploy:\n      resources:\n        reservations:\n          memory: 0\n"
        )),
        "template \"demo\": services.web.deploy.resources.reservations.memory: \"0\" must be greater than zero"
    );
    assert_eq!(
        error(&with_service_keys(
            "    deploy:\n      resources:\n        limits:\n          cpus: lots\n"
        )),
        "template \"demo\": services.web.deploy.resources.limits.cpus: invalid CPU count \"lots\": expected a positive decimal number with at most 9 decimals, e.g. \"0.5\" or \"2\""
    );
    assert_eq!(
        error(&with_service_keys(
            "    deploy:\n      resources:\n        limits: { cpus: 0.5 }\n        reservations: { cpus: 1 }\n"
        )),
        "template \"demo\": services.web.deploy.resources.reservations.cpus: the reservation exceeds the limit"
    );
    assert_eq!(
        error(&with_service_keys("    deploy:\n      replicas: many\n")),
        "template \"demo\": services.web.deploy.replicas: invalid type: string \"many\", expected u64"
    );
    assert_eq!(
        error(&with_service_keys(
            "    deploy:\n      update_config:\n        max_failure_ratio: 1.5\n"
        )),
        "template \"demo\": services.web.deploy.update_config.max_failure_ratio: 1.5 is outside 0..=1"
    );
}

#[test]
fn placeholders_are_checked_at_load() {
    assert_eq!(
        error(&MINIMAL.replace("{{ tag }}", "{{ version }}")),
        "template \"demo\": services.web.image: unknown placeholder \"{{ version }}\" (known: {{ stack }}, {{ slug }}, {{ hostname }}, {{ tag }}, {{ instance_id }}, {{ public_url }}, {{ oidc_issuer }}, {{ oidc_client_id }}, {{ plenum_url }})"
    );
    assert_eq!(
        error(&with_service_keys(
            "    environment:\n      A: \"{{ slug\"\n"
        )),
        "template \"demo\": services.web.environment.A: unterminated placeholder in \"{{ slug\""
    );
    assert_eq!(
        error(&with_service_keys(
            "    labels:\n      \"x.{{ slug }}\": a\n"
        )),
        "template \"demo\": services.web.labels.x.{{ slug }}: placeholders are not allowed in keys"
    );
    assert_eq!(
        error(
            &with_service_keys("    volumes: [\"data:/srv/{{ slug }}\"]\n")
                .replace("x-plenum:", "volumes:\n  data:\nx-plenum:")
        ),
        "template \"demo\": services.web.volumes[0]: \"/srv/{{ slug }}\" must be an absolute path (placeholders are not allowed here)"
    );
}

#[test]
fn cross_references_are_checked() {
    let cases: &[(String, &str)] = &[
        (
            MINIMAL.replace("networks: [backend]", "networks: [frontend]"),
            "template \"demo\": services.web.networks.frontend: network \"frontend\" is not declared under the top-level networks",
        ),
        (
            MINIMAL.replace("    networks: [backend]\n", ""),
            "template \"demo\": services.web.networks: every service must join at least one network (there is no implicit default network)",
        ),
        (
            with_service_keys("    secrets: [nope]\n"),
            "template \"demo\": services.web.secrets[0]: secret \"nope\" is not declared under the top-level secrets",
        ),
        (
            with_service_keys("    volumes: [\"/srv:/data\"]\n"),
            "template \"demo\": services.web.volumes[0]: volume \"/srv\" is not declared under the top-level volumes (bind mounts are not supported; use a named volume)",
        ),
        (
            with_service_keys("    volumes: [\"data\"]\n"),
            "template \"demo\": services.web.volumes[0]: \"data\" is not of the form \"volume:/path\" or \"volume:/path:ro\" (anonymous volumes are not supported)",
        ),
        (
            MINIMAL.replace("service: web,", "service: api,"),
            "template \"demo\": x-plenum.entry.service: service \"api\" is not defined under services",
        ),
        (
            MINIMAL.replace("health_path: /healthz", "health_path: healthz"),
            "template \"demo\": x-plenum.entry.health_path: \"healthz\" must be an absolute URL path such as /healthz",
        ),
        (
            with_top_level("  scaling:\n    api: { min: 1, max: 2 }\n"),
            "template \"demo\": x-plenum.scaling.api: service \"api\" is not defined under services",
        ),
        (
            with_top_level("  scaling:\n    web: { min: 3, max: 2 }\n"),
            "template \"demo\": x-plenum.scaling.web: min 3 and max 2 must satisfy min <= max and max >= 1",
        ),
        (
            with_top_level("  scaling:\n    web: { min: 1, max: 2 }\n").replace(
                "    networks: [backend]\n",
                "    networks: [backend]\n    deploy: { replicas: 3 }\n",
            ),
            "template \"demo\": services.web.deploy.replicas: 3 is outside the scaling rule 1..=2 in x-plenum.scaling.web",
        ),
        (
            with_top_level("  upgrade:\n    migrate: { service: api, command: [m] }\n"),
            "template \"demo\": x-plenum.upgrade.migrate.service: service \"api\" is not defined under services",
        ),
        (
            with_top_level("  upgrade:\n    migrate: { service: web, command: [] }\n"),
            "template \"demo\": x-plenum.upgrade.migrate.command: the command must be a non-empty list whose first element names a program",
        ),
        (
            with_top_level(
                "  upgrade:\n    migrate: { service: web, command: [m, \"{{ tag }}\"] }\n",
            ),
            "template \"demo\": x-plenum.upgrade.migrate.command: placeholders are not substituted here (the job runs the service's rendered spec)",
        ),
        (
            with_top_level("  initial_admin: { username: admin, password_secret: pw }\n"),
            "template \"demo\": x-plenum.initial_admin.password_secret: secret \"pw\" is not declared under the top-level secrets",
        ),
        (
            MINIMAL.replace("    internal: true\n", "    driver: bridge\n"),
            "template \"demo\": networks.backend.driver: driver \"bridge\" is not supported (stack networks are overlay networks)",
        ),
        (
            with_service_keys("    deploy:\n      labels: [\"org.plenum.instance=7\"]\n"),
            "template \"demo\": services.web.deploy.labels.org.plenum.instance: label keys starting with \"org.plenum.\" are reserved for Plenum",
        ),
        (
            with_service_keys(
                "    deploy:\n      placement:\n        constraints: [\"node.role\"]\n",
            ),
            "template \"demo\": services.web.deploy.placement.constraints[0]: \"node.role\" is not of the form \"<key> == <value>\" or \"<key> != <value>\"",
        ),
        (
            with_service_keys("    deploy:\n      rollback_config: { failure_action: rollback }\n"),
            "template \"demo\": services.web.deploy.rollback_config.failure_action: a rollback cannot itself roll back (use continue or pause)",
        ),
        (
            MINIMAL.replace("    image: example/web:{{ tag }}\n", ""),
            "template \"demo\": services.web: required key \"image\" is missing",
        ),
        (
            MINIMAL.replace(
                "x-plenum:\n  entry: { service: web, port: 8080, health_path: /healthz }\n",
                "",
            ),
            "template \"demo\": top level: required key \"x-plenum\" is missing",
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(&error(text), expected);
    }
}

#[test]
fn malformed_values_are_reported() {
    assert_eq!(
        error(&with_service_keys("    command: echo 'oops\n")),
        "template \"demo\": services.web.command: unterminated single quote in \"echo 'oops\""
    );
    assert_eq!(
        error(&with_service_keys("    environment: [\"PASSTHROUGH\"]\n")),
        "template \"demo\": services.web.environment: \"PASSTHROUGH\" has no \"=value\" (Plenum does not pass values through from the host)"
    );
    assert_eq!(
        error(&with_service_keys(
            "    secrets:\n      - { source: s, mode: \"0999\" }\n"
        )),
        "template \"demo\": services.web.secrets[0].mode: file mode \"0999\" is not an octal number"
    );
    assert_eq!(
        error(&with_service_keys(
            "    healthcheck:\n      test: [\"curl\", \"x\"]\n"
        )),
        "template \"demo\": services.web.healthcheck.test: a healthcheck test list must be [\"NONE\"] or start with \"CMD\" or \"CMD-SHELL\" followed by the command"
    );
    assert_eq!(
        error(&with_service_keys("    command: !custom x\n")),
        "template \"demo\": services.web.command: YAML tags such as !custom are not supported"
    );
    assert!(matches!(
        Template::parse("demo", "services: [unclosed"),
        Err(TemplateError::Syntax { .. })
    ));
}

#[test]
fn the_saml_declaration_loads_and_is_checked() {
    let sso = |configure: &str| {
        format!(
            "    protocol: saml\n    entity_path: /system/saml/metadata\n    acs_path: /system/saml/acs\n    settings_secret: oidc_secret\n    configure:\n{configure}"
        )
    };
    let ok = sso("      service: web\n      command: [sh, -c, write]\n      restart: [web]\n");
    let template = Template::parse("demo", &with_sso(&ok)).unwrap();
    let Some(SsoDeclaration::Saml(saml)) = template.sso() else {
        panic!("a SAML declaration")
    };
    assert_eq!(saml.acs_path, "/system/saml/acs");
    assert_eq!(saml.configure.restart, ["web"]);
    assert_eq!(template.sso().unwrap().shared_secret(), "oidc_secret");
    for (text, path) in [
        (
            sso("      service: nope\n      command: [sh]\n"),
            "x-plenum.sso.configure.service",
        ),
        (
            sso("      service: web\n      command: [sh]\n      restart: [auth]\n"),
            "x-plenum.sso.configure.restart",
        ),
        (
            sso("      service: web\n      command: []\n"),
            "x-plenum.sso.configure.command",
        ),
        (
            sso("      service: web\n      command: [\"{{ slug }}\"]\n"),
            "x-plenum.sso.configure.command",
        ),
        (
            ok.replace(
                "acs_path: /system/saml/acs",
                "acs_path: https://evil.example/acs",
            ),
            "x-plenum.sso.acs_path",
        ),
        (
            ok.replace("settings_secret: oidc_secret", "settings_secret: missing"),
            "x-plenum.sso.settings_secret",
        ),
        (
            ok.replace(
                "    configure:\n",
                "    logout_path: //evil\n    configure:\n",
            ),
            "x-plenum.sso.logout_path",
        ),
        (
            ok.replace(
                "    configure:\n",
                "    redirect_paths: [/cb]\n    configure:\n",
            ),
            "redirect_paths",
        ),
    ] {
        let message = error(&with_sso(&text));
        assert!(message.contains(path), "{path}: {message}");
    }
}
