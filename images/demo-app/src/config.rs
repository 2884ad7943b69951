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
//!
//! Empty values count as unset. The password file is read on every connection
//! attempt (see [`read_password_file`]), so a missing file makes the app answer
//! 503 instead of refusing to start.

use std::fmt;
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
    /// Reads the configuration from the process environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the configuration through `lookup`, which maps a variable name to
    /// its value (the environment, or a map in tests).
    pub fn from_lookup<F>(lookup: F) -> Result<Config, ConfigError>
    where
        F: Fn(&str) -> Option<String>,
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
        })
    }
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

    const MINIMAL: &[(&str, &str)] = &[
        ("INSTANCE_NAME", "Kreistag <Nord>"),
        ("DATABASE_HOST", "db"),
        ("DATABASE_NAME", "openslides"),
        ("DATABASE_USER", "openslides"),
    ];

    #[test]
    fn minimal_config_uses_defaults() {
        let config = Config::from_lookup(lookup(MINIMAL)).expect("valid config");
        assert_eq!(config.port, 8080);
        assert_eq!(config.instance_name, "Kreistag <Nord>");
        assert_eq!(config.app_version, env!("CARGO_PKG_VERSION"));
        assert_eq!(config.database.host, "db");
        assert_eq!(config.database.port, 5432);
        assert_eq!(config.database.name, "openslides");
        assert_eq!(config.database.user, "openslides");
        assert_eq!(config.database.password_file, None);
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
        let config = Config::from_lookup(lookup(&pairs)).expect("valid config");
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
                Config::from_lookup(lookup(&without)),
                Err(ConfigError::Missing(name))
            );
            let mut empty = without.clone();
            empty.push((name, "  "));
            assert_eq!(
                Config::from_lookup(lookup(&empty)),
                Err(ConfigError::Missing(name))
            );
        }
    }

    #[test]
    fn bad_ports_are_rejected() {
        for bad in ["0", "-1", "65536", "http", "80a"] {
            let mut pairs = MINIMAL.to_vec();
            pairs.push(("PORT", bad));
            let err = Config::from_lookup(lookup(&pairs)).expect_err("invalid port");
            assert!(matches!(err, ConfigError::Invalid { name: "PORT", .. }));
            assert!(err.to_string().contains("PORT"));

            let mut pairs = MINIMAL.to_vec();
            pairs.push(("DATABASE_PORT", bad));
            let err = Config::from_lookup(lookup(&pairs)).expect_err("invalid port");
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
}
