//! The built-in templates load and describe the stacks they promise.

use super::context;
use crate::template::{
    EndpointMode, NetworkRef, SecretGeneration, SsoDeclaration, TemplateError, builtin,
    builtin_names, render,
};

#[test]
fn catalog_lists_both_templates() {
    assert_eq!(
        builtin_names().collect::<Vec<_>>(),
        ["openslides-4", "demo"]
    );
    assert_eq!(
        builtin("openslides-3").unwrap_err(),
        TemplateError::UnknownBuiltin {
            name: "openslides-3".to_owned(),
            known: "openslides-4, demo".to_owned()
        }
    );
}

#[test]
fn demo_template() {
    let template = builtin("demo").unwrap();
    assert_eq!(template.service_names().collect::<Vec<_>>(), ["db", "web"]);
    assert_eq!(template.entry().service, "web");
    assert_eq!(template.entry().port, 8080);
    assert_eq!(template.entry().health_path, "/healthz");
    assert_eq!(
        template.scaling_rule("web").map(|r| (r.min, r.max)),
        Some((1, 10))
    );
    assert_eq!(
        template.scaling_rule("db").map(|r| (r.min, r.max)),
        Some((1, 1))
    );
    assert_eq!(
        template.initial_admin().map(|a| a.password_secret.as_str()),
        Some("admin_password")
    );
    let Some(SsoDeclaration::Oidc(sso)) = template.sso() else {
        panic!("the demo is an OpenID Connect relying party")
    };
    assert_eq!(sso.redirect_paths, ["/oidc/callback"]);
    assert_eq!(sso.post_logout_paths, ["/"]);
    assert_eq!(sso.client_secret, "oidc_client_secret");
    let backup = template.backup().expect("the demo declares its backup");
    assert_eq!(backup.service, "db");
    assert_eq!(backup.token_secret, "backup_token");
    assert!(backup.dump.join(" ").contains("pg_dump"));
    assert!(backup.restore.join(" ").contains("--single-transaction"));
    assert_eq!(
        template.secret_generation().collect::<Vec<_>>(),
        [
            (
                "admin_password",
                SecretGeneration::Alphanumeric { length: 20 }
            ),
            (
                "backup_token",
                SecretGeneration::Alphanumeric { length: 48 }
            ),
            (
                "oidc_client_secret",
                SecretGeneration::Alphanumeric { length: 48 }
            ),
            (
                "postgres_password",
                SecretGeneration::Alphanumeric { length: 40 }
            ),
        ]
    );

    let stack = render(&template, &context()).unwrap();
    let web = &stack.services["web"];
    assert_eq!(web.image, "plenum/demo-app:4.3.0");
    assert_eq!(web.environment["INSTANCE_NAME"], "acme");
    assert_eq!(web.environment["DATABASE_HOST"], "db");
    assert_eq!(web.environment["DATABASE_PORT"], "5432");
    assert_eq!(web.environment["DATABASE_NAME"], "demo");
    assert_eq!(web.environment["DATABASE_USER"], "demo");
    assert_eq!(
        web.environment["DATABASE_PASSWORD_FILE"],
        "/run/secrets/postgres_password"
    );
    assert_eq!(web.environment["PUBLIC_URL"], "https://acme.example.org");
    assert_eq!(web.environment["OIDC_ISSUER"], "https://plenum.example.org");
    assert_eq!(
        web.environment["OIDC_INTERNAL_URL"],
        "http://plenum_server:3000"
    );
    assert_eq!(web.environment["OIDC_CLIENT_ID"], "instance-42");
    assert_eq!(
        web.environment["OIDC_CLIENT_SECRET_FILE"],
        "/run/secrets/oidc_client_secret"
    );
    assert_eq!(web.secrets.len(), 2);
    assert_eq!(web.secrets[0].target, "/run/secrets/postgres_password");
    assert_eq!(web.secrets[1].target, "/run/secrets/oidc_client_secret");
    assert_eq!(
        web.networks
            .iter()
            .map(|n| n.network.clone())
            .collect::<Vec<_>>(),
        [
            NetworkRef::Stack("backend".to_owned()),
            NetworkRef::Edge("plenum_edge".to_owned())
        ]
    );

    let db = &stack.services["db"];
    assert_eq!(db.image, "plenum/postgres:15");
    assert_eq!(db.environment["POSTGRES_DB"], "demo");
    assert_eq!(db.environment["POSTGRES_USER"], "demo");
    assert_eq!(
        db.environment["POSTGRES_PASSWORD_FILE"],
        "/run/secrets/postgres_password"
    );
    assert_eq!(db.environment["PGDATA"], "/var/lib/postgresql/data/pgdata");
    assert_eq!(db.mounts.len(), 1);
    assert_eq!(db.mounts[0].source, "db-data");
    assert_eq!(db.mounts[0].target, "/var/lib/postgresql/data");
    assert_eq!(db.networks.len(), 1);
    assert_eq!(db.endpoint_mode, EndpointMode::Dnsrr);
    assert!(stack.networks["backend"].internal);
    assert!(stack.volumes.contains_key("db-data"));
}

#[test]
fn openslides_template() {
    let template = builtin("openslides-4").unwrap();
    let mut names: Vec<&str> = template.service_names().collect();
    names.sort_unstable();
    let mut expected = [
        "proxy",
        "client",
        "backendAction",
        "backendPresenter",
        "backendManage",
        "postgres",
        "autoupdate",
        "search",
        "projector",
        "auth",
        "vote",
        "redis",
        "media",
        "icc",
    ];
    expected.sort_unstable();
    assert_eq!(names, expected);
    assert_eq!(template.entry().service, "proxy");
    assert_eq!(template.entry().port, 8000);
    for fixed in ["postgres", "redis", "backendManage"] {
        assert_eq!(
            template.scaling_rule(fixed).map(|r| (r.min, r.max)),
            Some((1, 1)),
            "{fixed}"
        );
    }
    assert_eq!(
        template.secret_generation().collect::<Vec<_>>(),
        [
            ("auth_cookie_key", SecretGeneration::Base64 { bytes: 32 }),
            ("auth_token_key", SecretGeneration::Base64 { bytes: 32 }),
            (
                "internal_auth_password",
                SecretGeneration::Base64 { bytes: 32 }
            ),
            (
                "postgres_password",
                SecretGeneration::Alphanumeric { length: 40 }
            ),
            (
                "saml_settings_token",
                SecretGeneration::Alphanumeric { length: 48 }
            ),
            ("superadmin", SecretGeneration::Password { length: 20 }),
        ]
    );
    assert_eq!(
        template
            .initial_admin()
            .map(|a| (a.username.as_str(), a.password_secret.as_str())),
        Some(("superadmin", "superadmin"))
    );
    // People sign in through Plenum's SAML identity provider, at the auth service's paths.
    let Some(SsoDeclaration::Saml(saml)) = template.sso() else {
        panic!("OpenSlides 4 is a SAML service provider")
    };
    assert_eq!(
        (saml.entity_path.as_str(), saml.acs_path.as_str()),
        ("/system/saml/metadata", "/system/saml/acs")
    );
    assert_eq!(saml.logout_path.as_deref(), Some("/system/saml/idplogout"));
    assert_eq!(saml.settings_secret, "saml_settings_token");
    assert_eq!(saml.configure.service, "backendManage");
    assert_eq!(saml.configure.restart, ["auth"]);

    let mut ctx = context();
    ctx.replicas.insert("postgres".to_owned(), 2);
    assert_eq!(
        render(&template, &ctx).unwrap_err().to_string(),
        "template \"openslides-4\": service \"postgres\": 2 replicas requested, allowed range is 1..=1"
    );
    ctx.replicas.clear();
    ctx.replicas.insert("backendAction".to_owned(), 4);
    let stack = render(&template, &ctx).unwrap();
    assert_eq!(stack.services["backendAction"].replicas, 4);
    let entries: Vec<&str> = stack
        .services
        .values()
        .filter(|s| {
            s.networks
                .iter()
                .any(|n| matches!(n.network, NetworkRef::Edge(_)))
        })
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(entries, ["proxy"]);
}
