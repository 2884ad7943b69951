//! Configuration of the demo app, read from environment variables.
//!
//! | Variable                  | Meaning                                         | Default          |
//! |---------------------------|-------------------------------------------------|------------------|
//! | `PORT`                    | TCP port to listen on (all interfaces)          | `8080`           |
//! | `INSTANCE_NAME`           | name shown on the page (required)               | –                |
//! | `APP_VERSION`             | version shown on the page and at `/version`     | crate version    |
//! | `DATABASE_HOST`           | PostgreSQL host name or address (required)      | –                |
//! | `DATABASE_PORT`           | PostgreSQL port                                 | `5432`           |
//! | `DATABASE_NAME`           | database name (required)                        | –                |
//! | `DATABASE_USER`           | database user (required)                        | –                |
//! | `DATABASE_PASSWORD_FILE`  | file holding the password (e.g. a Docker secret) | no password     |
//! | `OIDC_ISSUER`             | issuer URL of the OpenID Connect provider, as the browser reaches it; enables sign-in | sign-in off |
//! | `OIDC_INTERNAL_URL`       | `http://` base URL for the server-to-server calls (discovery, token, keys) | `OIDC_ISSUER` |
//! | `OIDC_CLIENT_ID`          | the app's client id at the provider (required with `OIDC_ISSUER`) | – |
//! | `OIDC_CLIENT_SECRET_FILE` | file holding the client secret, e.g. `/run/secrets/oidc_client_secret` (required with `OIDC_ISSUER`) | – |
//! | `PUBLIC_URL`              | the app's own public base URL, e.g. `https://a.example.org` (required with `OIDC_ISSUER`) | – |
//!
//! Empty values count as unset. The password file is read on every connection
//! attempt (see [`read_password_file`]), so a missing file makes the app answer
//! 503 instead of refusing to start.
//!
//! Without `OIDC_ISSUER` the other `OIDC_*` variables and `PUBLIC_URL` are
//! ignored and the app offers no sign-in. With it, a missing or unusable
//! companion variable, or a client secret file that cannot be read or is empty,
//! stops the app at start (see [`OidcSettings`]). The client secret is read
//! once, at start, with surrounding whitespace removed.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// Port the app listens on when `PORT` is not set.
pub const DEFAULT_PORT: u16 = 8080;
/// PostgreSQL port used when `DATABASE_PORT` is not set.
pub const DEFAULT_DATABASE_PORT: u16 = 5432;

/// Everything the app needs to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// TCP port to listen on (on 0.0.0.0).
    pub port: u16,
    /// Name of the instance this app belongs to, shown on the page.
    pub instance_name: String,
    /// Version string shown on the page and at `/version`.
    pub app_version: String,
    /// Where the instance's database is.
    pub database: DatabaseSettings,
    /// How people sign in through OpenID Connect; `None` (no `OIDC_ISSUER`):
    /// no sign-in.
    pub oidc: Option<OidcSettings>,
}

/// The OpenID Connect relying party's settings (all present when
/// `OIDC_ISSUER` is set).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcSettings {
    /// The issuer exactly as configured: the browser reaches the authorization
    /// and logout endpoints through it, and ID tokens must name it as `iss`.
    pub issuer: String,
    /// Base URL (`http://`, without trailing slash) of the server-to-server
    /// calls: discovery, token and keys.
    pub internal_url: String,
    /// The app's client id at the provider.
    pub client_id: String,
    /// The app's client secret.
    pub client_secret: Secret,
    /// The app's own public base URL, without trailing slash.
    pub public_url: String,
}

impl OidcSettings {
    /// Where the provider sends the browser back after sign-in.
    pub fn redirect_uri(&self) -> String {
        format!("{}/oidc/callback", self.public_url)
    }

    /// Where the provider sends the browser back after sign-out.
    pub fn post_logout_redirect_uri(&self) -> String {
        format!("{}/", self.public_url)
    }

    /// Whether cookies get the `Secure` attribute (the app is public over HTTPS).
    pub fn secure_cookies(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

/// A secret value; `Debug` does not show it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The secret itself.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(..)")
    }
}

/// How to reach the instance's PostgreSQL database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseSettings {
    /// Host name or address of the server.
    pub host: String,
    /// TCP port of the server.
    pub port: u16,
    /// Name of the database.
    pub name: String,
    /// User to log in as.
    pub user: String,
    /// File holding the password; `None` means connect without a password.
    pub password_file: Option<PathBuf>,
}

/// A configuration problem, reported at start-up. Never contains a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigError {
    /// A required variable is unset or empty.
    Missing(&'static str),
    /// A variable is unset or empty although another setting needs it.
    Needed {
        /// Name of the variable.
        name: &'static str,
        /// Why it is needed.
        reason: &'static str,
    },
    /// The file a variable names cannot be read.
    Unreadable {
        /// Name of the variable.
        name: &'static str,
        /// The file.
        path: String,
        /// The operating system's reason.
        reason: String,
    },
    /// A variable holds a value that cannot be used.
    Invalid {
        /// Name of the variable.
        name: &'static str,
        /// Its value (only used for non-secret variables).
        value: String,
        /// What is wrong with it.
        reason: &'static str,
    },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Missing(name) => write!(f, "environment variable {name} must be set"),
            ConfigError::Needed { name, reason } => {
                write!(f, "environment variable {name} must be set: {reason}")
            }
            ConfigError::Unreadable { name, path, reason } => write!(
                f,
                "cannot read the file {path:?} named by environment variable {name}: {reason}"
            ),
            ConfigError::Invalid {
                name,
                value,
                reason,
            } => write!(
                f,
                "environment variable {name}={value:?} is invalid: {reason}"
            ),
        }
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    /// Reads the configuration from the process environment (and the client
    /// secret file it names).
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_sources(
            |name| std::env::var(name).ok(),
            |path| std::fs::read_to_string(path),
        )
    }

    /// Reads the configuration through `lookup`, which maps a variable name to
    /// its value (the environment, or a map in tests), and `read_file`, which
    /// reads a file named by a variable (the file system, or a map in tests).
    pub fn from_sources<F, R>(lookup: F, read_file: R) -> Result<Config, ConfigError>
    where
        F: Fn(&str) -> Option<String>,
        R: Fn(&Path) -> io::Result<String>,
    {
        // Empty values count as unset.
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let required = |name: &'static str| get(name).ok_or(ConfigError::Missing(name));
        let port = |name: &'static str, default: u16| match get(name) {
            None => Ok(default),
            Some(value) => parse_port(name, &value),
        };

        Ok(Config {
            port: port("PORT", DEFAULT_PORT)?,
            instance_name: required("INSTANCE_NAME")?,
            app_version: get("APP_VERSION").unwrap_or_else(|| env!("CARGO_PKG_VERSION").to_owned()),
            database: DatabaseSettings {
                host: required("DATABASE_HOST")?,
                port: port("DATABASE_PORT", DEFAULT_DATABASE_PORT)?,
                name: required("DATABASE_NAME")?,
                user: required("DATABASE_USER")?,
                password_file: get("DATABASE_PASSWORD_FILE").map(PathBuf::from),
            },
            oidc: oidc_settings(&get, &read_file)?,
        })
    }
}

/// Why the OpenID Connect companions of `OIDC_ISSUER` are needed.
const NEEDED_FOR_OIDC: &str = "OIDC_ISSUER is set (sign-in through OpenID Connect)";

/// Reads the OpenID Connect settings: `None` without `OIDC_ISSUER`.
fn oidc_settings<G, R>(get: &G, read_file: &R) -> Result<Option<OidcSettings>, ConfigError>
where
    G: Fn(&str) -> Option<String>,
    R: Fn(&Path) -> io::Result<String>,
{
    let Some(issuer) = get("OIDC_ISSUER") else {
        return Ok(None);
    };
    let needed = |name: &'static str| {
        get(name).ok_or(ConfigError::Needed {
            name,
            reason: NEEDED_FOR_OIDC,
        })
    };
    let issuer = issuer.trim().to_owned();
    check_base_url("OIDC_ISSUER", &issuer)?;
    let internal_url = match get("OIDC_INTERNAL_URL") {
        Some(url) => url.trim().to_owned(),
        None if issuer.starts_with("https://") => {
            return Err(ConfigError::Needed {
                name: "OIDC_INTERNAL_URL",
                reason: "OIDC_ISSUER is an https:// URL and the demo app calls the provider over plain HTTP only (no TLS)",
            });
        }
        None => issuer.clone(),
    };
    check_base_url("OIDC_INTERNAL_URL", &internal_url)?;
    if !internal_url.starts_with("http://") {
        return Err(ConfigError::Invalid {
            name: "OIDC_INTERNAL_URL",
            value: internal_url,
            reason: "expected an http:// URL: the demo app calls the provider over plain HTTP only (no TLS)",
        });
    }
    let client_id = needed("OIDC_CLIENT_ID")?.trim().to_owned();
    let secret_file = needed("OIDC_CLIENT_SECRET_FILE")?;
    let public_url = needed("PUBLIC_URL")?.trim().to_owned();
    check_base_url("PUBLIC_URL", &public_url)?;
    let secret = read_file(Path::new(&secret_file)).map_err(|e| ConfigError::Unreadable {
        name: "OIDC_CLIENT_SECRET_FILE",
        path: secret_file.clone(),
        reason: e.to_string(),
    })?;
    let secret = secret.trim();
    if secret.is_empty() {
        return Err(ConfigError::Invalid {
            name: "OIDC_CLIENT_SECRET_FILE",
            value: secret_file,
            reason: "the file is empty",
        });
    }
    Ok(Some(OidcSettings {
        issuer,
        internal_url: internal_url.trim_end_matches('/').to_owned(),
        client_id,
        client_secret: Secret::new(secret),
        public_url: public_url.trim_end_matches('/').to_owned(),
    }))
}

/// Checks that `value` is an absolute `http://` or `https://` URL with a host
/// and without query or fragment (paths are allowed).
fn check_base_url(name: &'static str, value: &str) -> Result<(), ConfigError> {
    let invalid = |reason| ConfigError::Invalid {
        name,
        value: value.to_owned(),
        reason,
    };
    let rest = value
        .strip_prefix("https://")
        .or_else(|| value.strip_prefix("http://"))
        .ok_or_else(|| invalid("expected an http:// or https:// URL"))?;
    if rest.split('/').next().is_none_or(str::is_empty) {
        return Err(invalid("the URL has no host"));
    }
    if rest.contains(['?', '#']) || rest.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid(
            "expected a base URL without query, fragment or spaces",
        ));
    }
    Ok(())
}

/// Parses a TCP port (1–65535).
fn parse_port(name: &'static str, value: &str) -> Result<u16, ConfigError> {
    match value.trim().parse::<u16>() {
        Ok(0) | Err(_) => Err(ConfigError::Invalid {
            name,
            value: value.to_owned(),
            reason: "expected a port number between 1 and 65535",
        }),
        Ok(port) => Ok(port),
    }
}

/// Removes the trailing line break(s) that files and secrets usually end with.
/// Everything else (including inner or leading spaces) belongs to the password.
pub fn trim_password(raw: &str) -> &str {
    raw.trim_end_matches(['\n', '\r'])
}

/// Reads the password from `path`. The error names the file, never its content.
pub fn read_password_file(path: &Path) -> Result<String, String> {
    match std::fs::read_to_string(path) {
        Ok(raw) => Ok(trim_password(&raw).to_owned()),
        Err(e) => Err(format!(
            "cannot read the database password file {}: {e}",
            path.display()
        )),
    }
}

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// Serve HTTP (no arguments).
    Serve,
    /// Print the version and exit.
    PrintVersion,
    /// Exit non-zero at once: used by the `plenum/demo-app:broken` image that
    /// tests rollbacks.
    FailAtStart,
    /// Migrate the database to this version and exit (`migrate`, an upgrade's
    /// migration job).
    Migrate,
    /// Fail the migration (`--fail-migration migrate`: the
    /// `plenum/demo-app:bad-migration` image that tests failed migrations).
    FailMigration,
}

/// Parses the command-line arguments (without the program name).
pub fn parse_args<I, S>(args: I) -> Result<Mode, String>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let mut mode = Mode::Serve;
    let mut fail_migration = false;
    for arg in args {
        mode = match arg.as_ref() {
            "--version" => Mode::PrintVersion,
            "--fail-at-start" => Mode::FailAtStart,
            "migrate" => Mode::Migrate,
            "--fail-migration" => {
                fail_migration = true;
                mode
            }
            other => {
                return Err(format!(
                    "unknown argument {other:?} (expected no argument, --version, --fail-at-start, migrate or --fail-migration)"
                ));
            }
        };
    }
    Ok(match mode {
        Mode::Migrate if fail_migration => Mode::FailMigration,
        mode => mode,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| map.get(name).cloned()
    }

    /// The configuration from `lookup`, with one readable secret file
    /// (`/run/secrets/oidc_client_secret`) and one empty one (`/empty`).
    fn from_lookup<F>(lookup: F) -> Result<Config, ConfigError>
    where
        F: Fn(&str) -> Option<String>,
    {
        Config::from_sources(lookup, |path| match path.to_str() {
            Some("/run/secrets/oidc_client_secret") => Ok(" s3cr+t:x \n".to_owned()),
            Some("/empty") => Ok("\n".to_owned()),
            _ => Err(io::Error::new(io::ErrorKind::NotFound, "no such file")),
        })
    }

    const MINIMAL: &[(&str, &str)] = &[
        ("INSTANCE_NAME", "Kreistag <Nord>"),
        ("DATABASE_HOST", "db"),
        ("DATABASE_NAME", "openslides"),
        ("DATABASE_USER", "openslides"),
    ];

    #[test]
    fn minimal_config_uses_defaults() {
        let config = from_lookup(lookup(MINIMAL)).expect("valid config");
        assert_eq!(config.port, 8080);
        assert_eq!(config.instance_name, "Kreistag <Nord>");
        assert_eq!(config.app_version, env!("CARGO_PKG_VERSION"));
        assert_eq!(config.database.host, "db");
        assert_eq!(config.database.port, 5432);
        assert_eq!(config.database.name, "openslides");
        assert_eq!(config.database.user, "openslides");
        assert_eq!(config.database.password_file, None);
        assert_eq!(config.oidc, None);
    }

    #[test]
    fn full_config_is_read() {
        let mut pairs = MINIMAL.to_vec();
        pairs.extend([
            ("PORT", "9000"),
            ("APP_VERSION", "1.1"),
            ("DATABASE_PORT", "6543"),
            ("DATABASE_PASSWORD_FILE", "/run/secrets/db_password"),
        ]);
        let config = from_lookup(lookup(&pairs)).expect("valid config");
        assert_eq!(config.port, 9000);
        assert_eq!(config.app_version, "1.1");
        assert_eq!(config.database.port, 6543);
        assert_eq!(
            config.database.password_file,
            Some(PathBuf::from("/run/secrets/db_password"))
        );
    }

    #[test]
    fn missing_or_empty_required_values_are_reported() {
        for name in [
            "INSTANCE_NAME",
            "DATABASE_HOST",
            "DATABASE_NAME",
            "DATABASE_USER",
        ] {
            let without: Vec<_> = MINIMAL
                .iter()
                .copied()
                .filter(|(k, _)| *k != name)
                .collect();
            assert_eq!(
                from_lookup(lookup(&without)),
                Err(ConfigError::Missing(name))
            );
            let mut empty = without.clone();
            empty.push((name, "  "));
            assert_eq!(from_lookup(lookup(&empty)), Err(ConfigError::Missing(name)));
        }
    }

    #[test]
    fn bad_ports_are_rejected() {
        for bad in ["0", "-1", "65536", "http", "80a"] {
            let mut pairs = MINIMAL.to_vec();
            pairs.push(("PORT", bad));
            let err = from_lookup(lookup(&pairs)).expect_err("invalid port");
            assert!(matches!(err, ConfigError::Invalid { name: "PORT", .. }));
            assert!(err.to_string().contains("PORT"));

            let mut pairs = MINIMAL.to_vec();
            pairs.push(("DATABASE_PORT", bad));
            let err = from_lookup(lookup(&pairs)).expect_err("invalid port");
            assert!(matches!(
                err,
                ConfigError::Invalid {
                    name: "DATABASE_PORT",
                    ..
                }
            ));
        }
    }

    #[test]
    fn password_keeps_everything_but_trailing_newlines() {
        assert_eq!(trim_password("s3cret\n"), "s3cret");
        assert_eq!(trim_password("s3cret\r\n"), "s3cret");
        assert_eq!(trim_password("s3cret\n\n"), "s3cret");
        assert_eq!(trim_password(" a b "), " a b ");
        assert_eq!(trim_password(""), "");
    }

    #[test]
    fn password_file_errors_do_not_leak_content() {
        let err = read_password_file(Path::new("/nonexistent/plenum/pw")).expect_err("missing");
        assert!(err.contains("/nonexistent/plenum/pw"));

        let dir = std::env::temp_dir().join(format!("demo-app-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let file = dir.join("pw");
        std::fs::write(&file, "hunter2\n").expect("write");
        assert_eq!(read_password_file(&file), Ok("hunter2".to_owned()));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn arguments_select_the_mode() {
        assert_eq!(parse_args(Vec::<String>::new()), Ok(Mode::Serve));
        assert_eq!(parse_args(["--version"]), Ok(Mode::PrintVersion));
        assert_eq!(parse_args(["--fail-at-start"]), Ok(Mode::FailAtStart));
        assert_eq!(parse_args(["migrate"]), Ok(Mode::Migrate));
        // The broken image's entrypoint fails serving, not migrating.
        assert_eq!(
            parse_args(["--fail-at-start", "migrate"]),
            Ok(Mode::Migrate)
        );
        assert_eq!(
            parse_args(["--fail-migration", "migrate"]),
            Ok(Mode::FailMigration)
        );
        assert_eq!(parse_args(["--fail-migration"]), Ok(Mode::Serve));
        assert!(parse_args(["serve"]).is_err());
    }

    const OIDC: &[(&str, &str)] = &[
        ("OIDC_ISSUER", "https://plenum.example.org"),
        ("OIDC_INTERNAL_URL", "http://plenum_server:3000/"),
        ("OIDC_CLIENT_ID", "demo-a"),
        ("OIDC_CLIENT_SECRET_FILE", "/run/secrets/oidc_client_secret"),
        ("PUBLIC_URL", "https://a.example.org:18443/"),
    ];

    fn with(
        base: &[(&'static str, &'static str)],
        changes: &[(&'static str, Option<&'static str>)],
    ) -> Vec<(&'static str, &'static str)> {
        let mut pairs: Vec<_> = base
            .iter()
            .copied()
            .filter(|(k, _)| !changes.iter().any(|(c, _)| c == k))
            .collect();
        pairs.extend(changes.iter().filter_map(|(k, v)| v.map(|v| (*k, v))));
        pairs
    }

    #[test]
    fn oidc_settings_are_read_when_the_issuer_is_set() {
        let pairs = [MINIMAL, OIDC].concat();
        let oidc = from_lookup(lookup(&pairs))
            .expect("valid config")
            .oidc
            .expect("oidc configured");
        assert_eq!(oidc.issuer, "https://plenum.example.org");
        assert_eq!(oidc.internal_url, "http://plenum_server:3000");
        assert_eq!(oidc.client_id, "demo-a");
        assert_eq!(oidc.client_secret.expose(), "s3cr+t:x");
        assert_eq!(oidc.public_url, "https://a.example.org:18443");
        assert_eq!(
            oidc.redirect_uri(),
            "https://a.example.org:18443/oidc/callback"
        );
        assert_eq!(
            oidc.post_logout_redirect_uri(),
            "https://a.example.org:18443/"
        );
        assert!(oidc.secure_cookies());
        assert!(
            !format!("{oidc:?}").contains("s3cr"),
            "Debug hides the secret"
        );
    }

    #[test]
    fn oidc_companions_are_ignored_without_the_issuer() {
        let pairs = with(&[MINIMAL, OIDC].concat(), &[("OIDC_ISSUER", None)]);
        assert_eq!(from_lookup(lookup(&pairs)).expect("valid").oidc, None);
        let pairs = with(&pairs, &[("OIDC_CLIENT_SECRET_FILE", Some("/missing"))]);
        assert_eq!(from_lookup(lookup(&pairs)).expect("valid").oidc, None);
    }

    #[test]
    fn a_plain_http_issuer_is_also_the_internal_url() {
        let pairs = with(
            &[MINIMAL, OIDC].concat(),
            &[
                ("OIDC_ISSUER", Some("http://plenum:3000")),
                ("OIDC_INTERNAL_URL", None),
                ("PUBLIC_URL", Some("http://localhost:8080")),
            ],
        );
        let oidc = from_lookup(lookup(&pairs))
            .expect("valid")
            .oidc
            .expect("oidc");
        assert_eq!(oidc.internal_url, "http://plenum:3000");
        assert!(!oidc.secure_cookies());
    }

    #[test]
    fn missing_oidc_companions_are_named() {
        let all = [MINIMAL, OIDC].concat();
        for name in [
            "OIDC_CLIENT_ID",
            "OIDC_CLIENT_SECRET_FILE",
            "PUBLIC_URL",
            "OIDC_INTERNAL_URL",
        ] {
            let pairs = with(&all, &[(name, None)]);
            let err = from_lookup(lookup(&pairs)).expect_err("missing companion");
            assert!(
                matches!(err, ConfigError::Needed { name: n, .. } if n == name),
                "{name}: {err:?}"
            );
            assert!(err.to_string().contains(name), "{err}");
        }
    }

    #[test]
    fn unusable_oidc_values_are_named() {
        let all = [MINIMAL, OIDC].concat();
        let cases: &[(&str, &str, &str)] = &[
            ("OIDC_ISSUER", "plenum.example.org", "OIDC_ISSUER"),
            ("OIDC_ISSUER", "https://", "OIDC_ISSUER"),
            (
                "OIDC_INTERNAL_URL",
                "https://plenum:3000",
                "OIDC_INTERNAL_URL",
            ),
            (
                "OIDC_INTERNAL_URL",
                "http://plenum:3000?x=1",
                "OIDC_INTERNAL_URL",
            ),
            ("PUBLIC_URL", "a.example.org", "PUBLIC_URL"),
            (
                "OIDC_CLIENT_SECRET_FILE",
                "/missing",
                "OIDC_CLIENT_SECRET_FILE",
            ),
            (
                "OIDC_CLIENT_SECRET_FILE",
                "/empty",
                "OIDC_CLIENT_SECRET_FILE",
            ),
        ];
        for (name, value, named) in cases {
            let pairs = with(&all, &[(name, Some(value))]);
            let err = from_lookup(lookup(&pairs)).expect_err("bad value");
            assert!(err.to_string().contains(named), "{name}={value}: {err}");
        }
        let pairs = with(&all, &[("OIDC_CLIENT_SECRET_FILE", Some("/missing"))]);
        let err = from_lookup(lookup(&pairs)).expect_err("unreadable");
        assert_eq!(
            err.to_string(),
            "cannot read the file \"/missing\" named by environment variable OIDC_CLIENT_SECRET_FILE: no such file"
        );
    }
}
