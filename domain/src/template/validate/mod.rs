//! Checks a deserialised compose file as a whole (cross-references, secrets, the
//! `x-plenum` block) and builds the [`Template`] from it.

mod names;
pub(crate) mod service;

use std::collections::BTreeMap;

use super::compose::{ComposeFile, NetworkDef, SecretDef, VolumeDef};
use super::error::Issue;
use super::extension::{BackupDeclaration, PlenumDef, SecretGeneration, SsoDeclaration};
use super::load::Template;
use super::rendered::{RenderedNetwork, RenderedSecret, RenderedVolume};
use names::{check_keys, check_name};
use service::{Declared, ServiceTemplate};

/// Checks `file` and builds the template called `name`.
pub(crate) fn validate(name: &str, file: ComposeFile) -> Result<Template, Issue> {
    let networks = networks(file.networks)?;
    let volumes = volumes(file.volumes)?;
    let secrets = secrets(file.secrets)?;
    check_plenum(&file.plenum, &file.services, &secrets)?;
    if file.services.is_empty() {
        return Err(Issue::at(
            "services",
            "a template needs at least one service",
        ));
    }
    let declared = Declared {
        networks: networks.keys().map(String::as_str).collect(),
        volumes: volumes.keys().map(String::as_str).collect(),
        secrets: secrets.keys().map(String::as_str).collect(),
    };
    let mut services: BTreeMap<String, ServiceTemplate> = BTreeMap::new();
    for (service_name, def) in file.services {
        let rule = file.plenum.scaling.get(&service_name).copied();
        let checked = service::service(&service_name, def, rule, &declared)?;
        services.insert(service_name, checked);
    }
    Ok(Template {
        name: name.to_owned(),
        services,
        networks,
        volumes,
        secrets,
        entry: file.plenum.entry,
        initial_admin: file.plenum.initial_admin,
        migration: file.plenum.upgrade.and_then(|u| u.migrate),
        sso: file.plenum.sso,
        backup: file.plenum.backup,
    })
}

fn networks(
    defs: BTreeMap<String, Option<NetworkDef>>,
) -> Result<BTreeMap<String, RenderedNetwork>, Issue> {
    defs.into_iter()
        .map(|(name, def)| {
            let path = format!("networks.{name}");
            check_name(&path, "network", &name)?;
            let def = def.unwrap_or_default();
            if let Some(driver) = def.driver.as_deref().filter(|d| *d != "overlay") {
                return Err(Issue::at(
                    format!("{path}.driver"),
                    format!(
                        "driver \"{driver}\" is not supported (stack networks are overlay networks)"
                    ),
                ));
            }
            check_keys(&format!("{path}.labels"), def.labels.0.keys(), true)?;
            let network = RenderedNetwork {
                internal: def.internal,
                attachable: def.attachable,
                labels: def.labels.0,
            };
            Ok((name, network))
        })
        .collect()
}

fn volumes(
    defs: BTreeMap<String, Option<VolumeDef>>,
) -> Result<BTreeMap<String, RenderedVolume>, Issue> {
    defs.into_iter()
        .map(|(name, def)| {
            let path = format!("volumes.{name}");
            check_name(&path, "volume", &name)?;
            let def = def.unwrap_or_default();
            check_keys(&format!("{path}.labels"), def.labels.0.keys(), true)?;
            Ok((
                name,
                RenderedVolume {
                    labels: def.labels.0,
                },
            ))
        })
        .collect()
}

fn secrets(
    defs: BTreeMap<String, Option<SecretDef>>,
) -> Result<BTreeMap<String, RenderedSecret>, Issue> {
    defs.into_iter()
        .map(|(name, def)| {
            let path = format!("secrets.{name}");
            check_name(&path, "secret", &name)?;
            let generated_hint = "Plenum generates every secret itself: declare x-plenum-generate: { charset: alphanumeric | password, length: N } or { charset: base64, bytes: N }";
            let Some(def) = def else {
                return Err(Issue::at(path, generated_hint));
            };
            for (present, key) in [(def.file.is_some(), "file"), (def.external.is_some(), "external")] {
                if present {
                    return Err(Issue::at(
                        format!("{path}.{key}"),
                        format!("key \"{key}\" is not supported: {generated_hint}"),
                    ));
                }
            }
            let generate = def
                .generate
                .ok_or_else(|| Issue::at(&path, generated_hint))
                .and_then(|g| {
                    SecretGeneration::from_def(&g)
                        .map_err(|m| Issue::at(format!("{path}.x-plenum-generate"), m))
                })?;
            check_keys(&format!("{path}.labels"), def.labels.0.keys(), true)?;
            Ok((name, RenderedSecret { generate, labels: def.labels.0 }))
        })
        .collect()
}

fn check_sso<T>(
    sso: &SsoDeclaration,
    services: &BTreeMap<String, T>,
    secrets: &BTreeMap<String, RenderedSecret>,
) -> Result<(), Issue> {
    let path_ok = |p: &String| {
        p.starts_with('/')
            && !p.starts_with("//")
            && !p.contains(['{', '#', '?'])
            && !p.chars().any(|c| c.is_whitespace() || c.is_control())
    };
    let check_paths = |key: &str, paths: &[String], min: usize| {
        if !(min..=10).contains(&paths.len()) {
            return Err(Issue::at(
                format!("x-plenum.sso.{key}"),
                format!("give {min} to 10 paths"),
            ));
        }
        if let Some(bad) = paths.iter().find(|p| !path_ok(p)) {
            return Err(Issue::at(
                format!("x-plenum.sso.{key}"),
                format!("\"{bad}\" must be an absolute path such as /oidc/callback"),
            ));
        }
        Ok(())
    };
    let secret_key = match sso {
        SsoDeclaration::Oidc(oidc) => {
            check_paths("redirect_paths", &oidc.redirect_paths, 1)?;
            check_paths("post_logout_paths", &oidc.post_logout_paths, 0)?;
            "client_secret"
        }
        SsoDeclaration::Saml(saml) => {
            check_paths("entity_path", std::slice::from_ref(&saml.entity_path), 1)?;
            check_paths("acs_path", std::slice::from_ref(&saml.acs_path), 1)?;
            if let Some(path) = &saml.logout_path {
                check_paths("logout_path", std::slice::from_ref(path), 1)?;
            }
            let step = &saml.configure;
            for (key, service) in std::iter::once(("service", &step.service))
                .chain(step.restart.iter().map(|s| ("restart", s)))
            {
                if !services.contains_key(service) {
                    return Err(Issue::at(
                        format!("x-plenum.sso.configure.{key}"),
                        format!("service \"{service}\" is not defined under services"),
                    ));
                }
            }
            check_command("x-plenum.sso.configure.command", &step.command)?;
            "settings_secret"
        }
    };
    if !secrets.contains_key(sso.shared_secret()) {
        return Err(Issue::at(
            format!("x-plenum.sso.{secret_key}"),
            format!(
                "secret \"{}\" is not declared under the top-level secrets",
                sso.shared_secret()
            ),
        ));
    }
    Ok(())
}

fn check_backup<T>(
    backup: &BackupDeclaration,
    services: &BTreeMap<String, T>,
    secrets: &BTreeMap<String, RenderedSecret>,
) -> Result<(), Issue> {
    if !services.contains_key(&backup.service) {
        return Err(Issue::at(
            "x-plenum.backup.service",
            format!(
                "service \"{}\" is not defined under services",
                backup.service
            ),
        ));
    }
    if !secrets.contains_key(&backup.token_secret) {
        return Err(Issue::at(
            "x-plenum.backup.token_secret",
            format!(
                "secret \"{}\" is not declared under the top-level secrets",
                backup.token_secret
            ),
        ));
    }
    check_command("x-plenum.backup.dump", &backup.dump)?;
    check_command("x-plenum.backup.restore", &backup.restore)
}

/// A one-off job's command: a program first, and no placeholders (the job runs a rendered
/// service's spec).
fn check_command(path: &str, command: &[String]) -> Result<(), Issue> {
    if command.first().is_none_or(|c| c.trim().is_empty()) {
        return Err(Issue::at(
            path,
            "the command must be a non-empty list whose first element names a program",
        ));
    }
    if command.iter().any(|c| c.contains("{{")) {
        return Err(Issue::at(
            path,
            "placeholders are not substituted here (the job runs the service's rendered spec)",
        ));
    }
    Ok(())
}

fn check_plenum<T>(
    plenum: &PlenumDef,
    services: &BTreeMap<String, T>,
    secrets: &BTreeMap<String, RenderedSecret>,
) -> Result<(), Issue> {
    let entry = &plenum.entry;
    if !services.contains_key(&entry.service) {
        return Err(Issue::at(
            "x-plenum.entry.service",
            format!(
                "service \"{}\" is not defined under services",
                entry.service
            ),
        ));
    }
    if entry.port == 0 {
        return Err(Issue::at(
            "x-plenum.entry.port",
            "the port must be 1..=65535",
        ));
    }
    let path_ok = entry.health_path.starts_with('/')
        && !entry.health_path.contains('{')
        && !entry
            .health_path
            .chars()
            .any(|c| c.is_whitespace() || c.is_control());
    if !path_ok {
        return Err(Issue::at(
            "x-plenum.entry.health_path",
            format!(
                "\"{}\" must be an absolute URL path such as /healthz",
                entry.health_path
            ),
        ));
    }
    if let Some(admin) = &plenum.initial_admin {
        if admin.username.trim().is_empty() || admin.username.contains('{') {
            return Err(Issue::at(
                "x-plenum.initial_admin.username",
                "the username must be non-empty and free of placeholders",
            ));
        }
        if !secrets.contains_key(&admin.password_secret) {
            return Err(Issue::at(
                "x-plenum.initial_admin.password_secret",
                format!(
                    "secret \"{}\" is not declared under the top-level secrets",
                    admin.password_secret
                ),
            ));
        }
    }
    if let Some(step) = plenum.upgrade.as_ref().and_then(|u| u.migrate.as_ref()) {
        if !services.contains_key(&step.service) {
            return Err(Issue::at(
                "x-plenum.upgrade.migrate.service",
                format!("service \"{}\" is not defined under services", step.service),
            ));
        }
        check_command("x-plenum.upgrade.migrate.command", &step.command)?;
    }
    if let Some(sso) = &plenum.sso {
        check_sso(sso, services, secrets)?;
    }
    if let Some(backup) = &plenum.backup {
        check_backup(backup, services, secrets)?;
    }
    for (service, rule) in &plenum.scaling {
        let path = format!("x-plenum.scaling.{service}");
        if !services.contains_key(service) {
            return Err(Issue::at(
                path,
                format!("service \"{service}\" is not defined under services"),
            ));
        }
        if rule.max == 0 || rule.min > rule.max {
            return Err(Issue::at(
                path,
                format!(
                    "min {} and max {} must satisfy min <= max and max >= 1",
                    rule.min, rule.max
                ),
            ));
        }
    }
    Ok(())
}
