//! Plenum's settings: defaults, then an optional TOML file, then environment variables.
//!
//! | setting | environment | default |
//! |---|---|---|
//! | `listen` | `PLENUM_LISTEN` | `127.0.0.1:3000` |
//! | `public_url` | `PLENUM_PUBLIC_URL` | `http://localhost:3000` |
//! | `data_dir` | `PLENUM_DATA_DIR` | `./data` |
//! | `database_url` | `DATABASE_URL` | SQLite file `<data_dir>/plenum.db` |
//! | `site_dir` | `PLENUM_SITE_DIR` (or cargo-leptos' `LEPTOS_SITE_ROOT`) | `target/site` |
//! | `session_idle_minutes` | `PLENUM_SESSION_IDLE_MINUTES` | `720` (1 to 43200) |
//! | `log_format` | `PLENUM_LOG_FORMAT` | `text` (`text` or `json`) |
//! | `log_filter` | `RUST_LOG` | `info` |
//! | `trusted_proxies` | — | `[]` (networks of proxies whose `X-Forwarded-For` counts) |
//! | `orders.max_rental_days` | `PLENUM_ORDERS_MAX_RENTAL_DAYS` | `90` (1 to 3650) |
//! | `orders.auto_approve` | `PLENUM_ORDERS_AUTO_APPROVE` | `false` |
//! | `edge.*` | `PLENUM_EDGE_<SETTING>`, e.g. `PLENUM_EDGE_BASE_DOMAIN` | see [`edge::settings`]; off |
//! | `engine.*` | `PLENUM_ENGINE_<SETTING>`, e.g. `PLENUM_ENGINE_ENABLED` | see [`engine::settings`]; off |
//! | `identity.*` | `PLENUM_IDENTITY_<SETTING>` | see [`identity::settings`] |
//! | `capacity.*` | `PLENUM_CAPACITY_<SETTING>` | see [`app::server::capacity::CapacitySettings`] |
//! | `phases.*` | `PLENUM_PHASES_<SETTING>` | see [`domain::capacity::PhaseSettings`] |
//! | `mail.*` | `PLENUM_MAIL_<SETTING>` | see [`app::server::mail::MailSettings`]; off (no SMTP host) |
//! | `backup.key_file` | `PLENUM_BACKUP_KEY_FILE` | `backup.key` under `data_dir`: the age key that decrypts backups, created on first start |
//! | `backup.storage` | — | `{ kind = "directory", path = "backups" }` under `data_dir`, or `{ kind = "s3", endpoint, bucket, region, access_key_id, secret_access_key_file }` |
//! | `backup_schedule.*` | `PLENUM_BACKUP_SCHEDULE_<SETTING>` | see [`domain::backup::schedule::BackupPolicy`]: daily when quiet, hourly in event mode, a final one, retention per kind |
//! | `metrics.token_file` | `PLENUM_METRICS_TOKEN_FILE` | none: `/metrics` answers 404; with it, scrapers present the file's token |
//! | `incidents.*` | `PLENUM_INCIDENTS_<SETTING>` | see [`app::server::incidents::IncidentSettings`]: no notices |
//! | `login.attempts_per_account`, `login.attempts_per_address` | `PLENUM_LOGIN_<SETTING>` | `10`, `60` per 15 minutes |
//!
//! The file is `plenum.toml` in the working directory, or the path in `PLENUM_CONFIG`; it is
//! optional, but if given it must exist. Unknown keys in it are errors.

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// Every setting Plenum reads at start-up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Address the HTTP server binds to.
    pub listen: SocketAddr,
    /// The address people use to reach Plenum; `https://` makes cookies Secure.
    pub public_url: String,
    /// Where Plenum keeps its files (the SQLite database by default).
    pub data_dir: PathBuf,
    /// `postgres://…` or `sqlite://…`; empty means the SQLite file in `data_dir`.
    pub database_url: Option<String>,
    /// Where the compiled browser assets (`pkg/`) are.
    pub site_dir: PathBuf,
    /// Minutes of inactivity after which a session expires.
    pub session_idle_minutes: u32,
    /// Log output format.
    pub log_format: LogFormat,
    /// Log filter in `RUST_LOG` syntax.
    pub log_filter: String,
    /// Networks of proxies in front of Plenum (the edge router) whose `X-Forwarded-For`
    /// names the client, e.g. `["10.0.0.0/8"]`; used by the sign-in limits.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Ordering: the longest rental and whether orders are approved without staff.
    #[serde(default)]
    pub orders: app::server::orders::OrderSettings,
    /// The edge router (Caddy) in front of the instances and Plenum; off by default.
    #[serde(default)]
    pub edge: edge::EdgeSettings,
    /// The Swarm engine that provisions instances; off by default.
    #[serde(default)]
    pub engine: engine::EngineSettings,
    /// Limits on sign-in attempts.
    #[serde(default)]
    pub login: app::server::throttle::LoginLimits,
    /// The OpenID Connect provider's lifetimes (codes, tokens, signing keys).
    #[serde(default)]
    pub identity: identity::IdentitySettings,
    /// Outbound mail over SMTP (invitations); off unless `mail.smtp_host` is set.
    #[serde(default)]
    pub mail: app::server::mail::MailSettings,
    /// What of the cluster orders may use (headroom, reserve).
    #[serde(default)]
    pub capacity: app::server::capacity::CapacitySettings,
    /// The lead times and periods of instance phases (event mode, hibernation, archive).
    #[serde(default)]
    pub phases: domain::capacity::PhaseSettings,
    /// Where instance backups are stored and the key that encrypts them.
    #[serde(default)]
    pub backup: vault::VaultSettings,
    /// When instances are backed up, by phase, and which backups are kept.
    #[serde(default)]
    pub backup_schedule: domain::backup::schedule::BackupPolicy,
    /// `/metrics` (off without a token file).
    #[serde(default)]
    pub metrics: crate::metrics::MetricsSettings,
    /// Where staff are told about incidents of instances in event mode.
    #[serde(default)]
    pub incidents: app::server::incidents::IncidentSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 3000)),
            public_url: "http://localhost:3000".into(),
            data_dir: PathBuf::from("data"),
            database_url: None,
            site_dir: PathBuf::from("target/site"),
            session_idle_minutes: 720,
            log_format: LogFormat::Text,
            log_filter: "info".into(),
            trusted_proxies: Vec::new(),
            orders: app::server::orders::OrderSettings::default(),
            edge: edge::EdgeSettings::default(),
            engine: engine::EngineSettings::default(),
            identity: identity::IdentitySettings::default(),
            login: app::server::throttle::LoginLimits::default(),
            mail: app::server::mail::MailSettings::default(),
            capacity: app::server::capacity::CapacitySettings::default(),
            phases: domain::capacity::PhaseSettings::default(),
            backup: vault::VaultSettings::default(),
            backup_schedule: domain::backup::schedule::BackupPolicy::default(),
            metrics: crate::metrics::MetricsSettings::default(),
            incidents: app::server::incidents::IncidentSettings::default(),
        }
    }
}

/// A setting that cannot be used; the message names the setting and what it accepts.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file named by `PLENUM_CONFIG` does not exist.
    #[error("configuration file {0} (from PLENUM_CONFIG) does not exist")]
    MissingFile(PathBuf),
    /// A value could not be read as its type.
    #[error("invalid setting: {0}")]
    Parse(String),
    /// A value was read but is out of range.
    #[error("invalid setting `{setting}` = {value:?}: {accepted}")]
    Invalid {
        /// The setting's name.
        setting: &'static str,
        /// The value given.
        value: String,
        /// What is accepted instead.
        accepted: &'static str,
    },
    /// An `edge.*` setting cannot be used (e.g. a base domain that is no DNS name).
    #[error(transparent)]
    Edge(#[from] edge::SettingsError),
    /// An `engine.*` setting cannot be used.
    #[error(transparent)]
    Engine(#[from] engine::SettingsError),
    /// An `identity.*` setting is out of range.
    #[error(transparent)]
    Identity(#[from] identity::settings::SettingsError),
}

impl Settings {
    /// Reads the settings from the process environment and the optional file.
    pub fn load() -> Result<Self, ConfigError> {
        let file = match std::env::var_os("PLENUM_CONFIG") {
            Some(path) => {
                let path = PathBuf::from(path);
                if !path.exists() {
                    return Err(ConfigError::MissingFile(path));
                }
                Some(path)
            }
            None => Some(PathBuf::from("plenum.toml")).filter(|p| p.exists()),
        };
        Self::from_figment(Self::figment(file.as_deref()))
    }

    fn figment(file: Option<&Path>) -> Figment {
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        if let Some(path) = file {
            figment = figment.merge(Toml::file_exact(path));
        }
        figment
            .merge(
                Env::raw()
                    .only(&["LEPTOS_SITE_ROOT"])
                    .map(|_| "site_dir".into()),
            )
            .merge(Env::prefixed("PLENUM_").only(&[
                "listen",
                "public_url",
                "data_dir",
                "database_url",
                "site_dir",
                "session_idle_minutes",
                "log_format",
            ]))
            .merge(
                Env::raw()
                    .only(&["DATABASE_URL"])
                    .map(|_| "database_url".into()),
            )
            .merge(Env::raw().only(&["RUST_LOG"]).map(|_| "log_filter".into()))
            .merge(
                Env::prefixed("PLENUM_ORDERS_")
                    .map(|key| format!("orders.{}", key.as_str().to_lowercase()).into()),
            )
            .merge(
                Env::prefixed("PLENUM_EDGE_")
                    .map(|key| format!("edge.{}", key.as_str().to_lowercase()).into()),
            )
            .merge(
                Env::prefixed("PLENUM_ENGINE_")
                    .map(|key| format!("engine.{}", key.as_str().to_lowercase()).into()),
            )
            .merge(
                Env::prefixed("PLENUM_LOGIN_")
                    .map(|key| format!("login.{}", key.as_str().to_lowercase()).into()),
            )
            .merge(
                Env::prefixed("PLENUM_CAPACITY_")
                    .map(|key| format!("capacity.{}", key.as_str().to_lowercase()).into()),
            )
            .merge(
                Env::prefixed("PLENUM_PHASES_")
                    .map(|key| format!("phases.{}", key.as_str().to_lowercase()).into()),
            )
            .merge(
                Env::prefixed("PLENUM_MAIL_")
                    .map(|key| format!("mail.{}", key.as_str().to_lowercase()).into()),
            )
            .merge(
                Env::prefixed("PLENUM_IDENTITY_")
                    .map(|key| format!("identity.{}", key.as_str().to_lowercase()).into()),
            )
            .merge(
                Env::prefixed("PLENUM_INCIDENTS_")
                    .map(|key| format!("incidents.{}", key.as_str().to_lowercase()).into()),
            )
            .merge(
                Env::raw()
                    .only(&["PLENUM_METRICS_TOKEN_FILE"])
                    .map(|_| "metrics.token_file".into()),
            )
            .merge(
                Env::raw()
                    .only(&["PLENUM_BACKUP_KEY_FILE"])
                    .map(|_| "backup.key_file".into()),
            )
            .merge(
                Env::prefixed("PLENUM_BACKUP_SCHEDULE_")
                    .map(|key| format!("backup_schedule.{}", key.as_str().to_lowercase()).into()),
            )
    }

    fn from_figment(figment: Figment) -> Result<Self, ConfigError> {
        let settings: Settings = figment
            .extract()
            .map_err(|e| ConfigError::Parse(e.to_string()))?;
        settings.validate()?;
        Ok(settings)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        if !(1..=43_200).contains(&self.session_idle_minutes) {
            return Err(ConfigError::Invalid {
                setting: "session_idle_minutes",
                value: self.session_idle_minutes.to_string(),
                accepted: "a whole number of minutes from 1 to 43200 (30 days)",
            });
        }
        let public_url = url::Url::parse(&self.public_url).ok();
        if !public_url.as_ref().is_some_and(|u| {
            matches!(u.scheme(), "http" | "https")
                && u.host_str().is_some()
                && u.query().is_none()
                && u.fragment().is_none()
        }) {
            return Err(ConfigError::Invalid {
                setting: "public_url",
                value: self.public_url.clone(),
                accepted: "an absolute URL starting with http:// or https://, without query or \
                           fragment (it is also the OpenID Connect issuer)",
            });
        }
        if let Some(url) = self.database_url.as_deref().filter(|u| !u.is_empty())
            && !(url.starts_with("sqlite:")
                || url.starts_with("postgres://")
                || url.starts_with("postgresql://"))
        {
            return Err(ConfigError::Invalid {
                setting: "database_url",
                value: redact_url(url),
                accepted: "a postgres://… or sqlite://… URL (or nothing, for the embedded SQLite file)",
            });
        }
        if tracing_subscriber::EnvFilter::try_new(&self.log_filter).is_err() {
            return Err(ConfigError::Invalid {
                setting: "log_filter (RUST_LOG)",
                value: self.log_filter.clone(),
                accepted: "a RUST_LOG filter such as `info` or `server=debug,tower_http=info`",
            });
        }
        if !(1..=3_650).contains(&self.orders.max_rental_days) {
            return Err(ConfigError::Invalid {
                setting: "orders.max_rental_days",
                value: self.orders.max_rental_days.to_string(),
                accepted: "a whole number of days from 1 to 3650",
            });
        }
        if !(1..=1_000).contains(&self.login.attempts_per_account) {
            return Err(ConfigError::Invalid {
                setting: "login.attempts_per_account",
                value: self.login.attempts_per_account.to_string(),
                accepted: "a whole number from 1 to 1000 (sign-in attempts per 15 minutes)",
            });
        }
        if !(1..=100_000).contains(&self.login.attempts_per_address) {
            return Err(ConfigError::Invalid {
                setting: "login.attempts_per_address",
                value: self.login.attempts_per_address.to_string(),
                accepted: "a whole number from 1 to 100000 (sign-in attempts per 15 minutes)",
            });
        }
        let edge = self.edge.check()?;
        self.engine.validate()?;
        self.identity.validate()?;
        let range = |e: domain::capacity::SettingError| ConfigError::Invalid {
            setting: e.setting,
            value: e.value,
            accepted: e.accepted,
        };
        self.capacity.rules().map_err(range)?;
        self.capacity.model().map_err(range)?;
        self.phases.check().map_err(range)?;
        self.backup_schedule.check().map_err(range)?;
        if !(1..=1440).contains(&self.incidents.gap_minutes) {
            return Err(ConfigError::Invalid {
                setting: "incidents.gap_minutes",
                value: self.incidents.gap_minutes.to_string(),
                accepted: "1 to 1440 minutes",
            });
        }
        if let Some(url) = &self.incidents.webhook_url
            && !(url.starts_with("https://") || url.starts_with("http://"))
        {
            return Err(ConfigError::Invalid {
                setting: "incidents.webhook_url",
                value: url.clone(),
                accepted: "an http:// or https:// URL",
            });
        }
        self.backup
            .validate()
            .map_err(|e| ConfigError::Parse(e.to_string()))?;
        if self.edge.enabled
            && self.engine.enabled
            && domain::dns::DnsName::parse("base_domain", &self.engine.base_domain).ok()
                != Some(edge.base_domain)
        {
            return Err(ConfigError::Invalid {
                setting: "edge.base_domain",
                value: self.edge.base_domain.clone(),
                accepted: "the same domain as engine.base_domain: the engine names instances \
                           <slug>.<engine.base_domain>, the edge routes <slug>.<edge.base_domain>",
            });
        }
        Ok(())
    }

    /// The database URL to connect to: the setting, or the SQLite file in `data_dir`.
    pub fn database_url(&self) -> String {
        match self.database_url.as_deref().filter(|u| !u.is_empty()) {
            Some(url) => url.to_owned(),
            None => format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("plenum.db").display()
            ),
        }
    }

    /// Whether Plenum is served over HTTPS (then cookies are marked Secure).
    pub fn is_https(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

/// The URL with any password replaced, for messages and logs.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}://{}:***@{}", &url[..scheme_end], user, &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
// figment's `Jail` closures must return its large error type.
#[allow(clippy::result_large_err)]
mod tests {
    use super::*;
    use figment::Jail;

    #[test]
    fn defaults_need_nothing_set() {
        Jail::expect_with(|_| {
            let s = Settings::from_figment(Settings::figment(None)).unwrap();
            assert_eq!(s, Settings::default());
            assert!(s.database_url().starts_with("sqlite://data/plenum.db"));
            Ok(())
        });
    }

    #[test]
    fn environment_overrides_the_file() {
        Jail::expect_with(|jail| {
            jail.create_file("p.toml", "session_idle_minutes = 30\nlog_format = \"json\"")?;
            jail.set_env("PLENUM_SESSION_IDLE_MINUTES", "45");
            jail.set_env("DATABASE_URL", "postgres://u:secret@localhost/plenum");
            let s = Settings::from_figment(Settings::figment(Some(Path::new("p.toml")))).unwrap();
            assert_eq!(s.session_idle_minutes, 45);
            assert_eq!(s.log_format, LogFormat::Json);
            assert_eq!(s.database_url(), "postgres://u:secret@localhost/plenum");
            Ok(())
        });
    }

    #[test]
    fn bad_values_name_the_setting_and_what_is_accepted() {
        Jail::expect_with(|jail| {
            jail.set_env("PLENUM_LOG_FORMAT", "xml");
            let err = Settings::from_figment(Settings::figment(None))
                .unwrap_err()
                .to_string();
            assert!(
                err.to_lowercase().contains("log_format") && err.contains("json"),
                "{err}"
            );
            Ok(())
        });
        Jail::expect_with(|jail| {
            jail.set_env("PLENUM_SESSION_IDLE_MINUTES", "0");
            let err = Settings::from_figment(Settings::figment(None))
                .unwrap_err()
                .to_string();
            assert!(
                err.contains("session_idle_minutes") && err.contains("1 to 43200"),
                "{err}"
            );
            Ok(())
        });
        // Capacity and phase settings name the one setting and its value, not the section.
        for (var, value, setting) in [
            ("PLENUM_PHASES_ARCHIVE_DAYS", "4000", "phases.archive_days"),
            (
                "PLENUM_CAPACITY_RESERVED_MEMORY",
                "lots",
                "capacity.reserved_memory",
            ),
            (
                "PLENUM_CAPACITY_MEDIUM_CPUS",
                "many",
                "capacity.medium_cpus",
            ),
        ] {
            Jail::expect_with(|jail| {
                jail.set_env(var, value);
                let err = Settings::from_figment(Settings::figment(None))
                    .unwrap_err()
                    .to_string();
                assert!(
                    err.contains(setting)
                        && err.contains(&format!("{value:?}"))
                        && !err.contains("headroom"),
                    "{err}"
                );
                Ok(())
            });
        }
        Jail::expect_with(|jail| {
            jail.set_env("DATABASE_URL", "mysql://u:hunter2@db/plenum");
            let err = Settings::from_figment(Settings::figment(None))
                .unwrap_err()
                .to_string();
            assert!(
                err.contains("database_url") && !err.contains("hunter2"),
                "{err}"
            );
            Ok(())
        });
    }

    #[test]
    fn edge_settings_are_read_and_checked() {
        Jail::expect_with(|jail| {
            jail.create_file(
                "p.toml",
                "[edge]\nenabled = true\nbase_domain = \"events.example.org\"",
            )?;
            jail.set_env("PLENUM_EDGE_TLS_ISSUER", "internal");
            let s = Settings::from_figment(Settings::figment(Some(Path::new("p.toml")))).unwrap();
            assert!(s.edge.enabled);
            assert_eq!(s.edge.base_domain, "events.example.org");
            assert_eq!(s.edge.tls_issuer, edge::settings::TlsIssuer::Internal);
            Ok(())
        });
        Jail::expect_with(|jail| {
            jail.set_env("PLENUM_EDGE_BASE_DOMAIN", "not a domain");
            let err = Settings::from_figment(Settings::figment(None))
                .unwrap_err()
                .to_string();
            assert!(
                err.contains("edge.base_domain") && err.contains("not a valid DNS name"),
                "{err}"
            );
            Ok(())
        });
        Jail::expect_with(|jail| {
            jail.create_file("p.toml", "[edge]\nui_hostname = \"-plenum.example.org\"")?;
            let err = Settings::from_figment(Settings::figment(Some(Path::new("p.toml"))))
                .unwrap_err()
                .to_string();
            assert!(err.contains("edge.ui_hostname"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn engine_settings_are_read_and_checked() {
        Jail::expect_with(|jail| {
            jail.create_file(
                "p.toml",
                "[engine]\nendpoint_mode = \"dnsrr\"\ndocker_host = \"tcp://swarm.internal:2376\"\n[engine.docker_tls]\nca = \"ca.pem\"\ncert = \"cert.pem\"\nkey = \"key.pem\"",
            )?;
            jail.set_env("PLENUM_ENGINE_PARALLELISM", "8");
            let s = Settings::from_figment(Settings::figment(Some(Path::new("p.toml")))).unwrap();
            assert!(!s.engine.enabled);
            assert_eq!(s.engine.parallelism, 8);
            assert_eq!(
                s.engine.docker_endpoint().unwrap(),
                engine::DockerEndpoint::Tcp {
                    address: "swarm.internal:2376".to_owned(),
                    tls: Some(engine::settings::TlsFiles {
                        ca: "ca.pem".into(),
                        cert: "cert.pem".into(),
                        key: "key.pem".into(),
                    }),
                }
            );
            Ok(())
        });
        Jail::expect_with(|jail| {
            jail.set_env("PLENUM_ENGINE_ENABLED", "true");
            let err = Settings::from_figment(Settings::figment(None))
                .unwrap_err()
                .to_string();
            assert!(err.contains("engine.secret_key_file"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn order_settings_are_read_and_checked() {
        Jail::expect_with(|jail| {
            jail.create_file("p.toml", "[orders]\nmax_rental_days = 30")?;
            jail.set_env("PLENUM_ORDERS_AUTO_APPROVE", "true");
            let s = Settings::from_figment(Settings::figment(Some(Path::new("p.toml")))).unwrap();
            assert_eq!(s.orders.max_rental_days, 30);
            assert!(s.orders.auto_approve);
            Ok(())
        });
        Jail::expect_with(|jail| {
            jail.set_env("PLENUM_ORDERS_MAX_RENTAL_DAYS", "0");
            let err = Settings::from_figment(Settings::figment(None))
                .unwrap_err()
                .to_string();
            assert!(
                err.contains("orders.max_rental_days") && err.contains("1 to 3650"),
                "{err}"
            );
            Ok(())
        });
    }

    #[test]
    fn edge_and_engine_agree_on_the_base_domain() {
        Jail::expect_with(|jail| {
            jail.set_env("PLENUM_EDGE_ENABLED", "true");
            jail.set_env("PLENUM_ENGINE_ENABLED", "true");
            jail.set_env("PLENUM_ENGINE_SECRET_KEY_FILE", "key");
            jail.set_env("PLENUM_EDGE_BASE_DOMAIN", "events.example.org");
            let err = Settings::from_figment(Settings::figment(None))
                .unwrap_err()
                .to_string();
            assert!(
                err.contains("edge.base_domain") && err.contains("engine.base_domain"),
                "{err}"
            );
            jail.set_env("PLENUM_ENGINE_BASE_DOMAIN", "Events.Example.org");
            Settings::from_figment(Settings::figment(None)).unwrap();
            Ok(())
        });
    }

    #[test]
    fn unknown_keys_in_the_file_are_refused() {
        Jail::expect_with(|jail| {
            jail.create_file("p.toml", "lisen = \"0.0.0.0:80\"")?;
            let err = Settings::from_figment(Settings::figment(Some(Path::new("p.toml"))))
                .unwrap_err()
                .to_string();
            assert!(err.contains("lisen"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn passwords_are_redacted_from_urls() {
        assert_eq!(redact_url("postgres://u:pw@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact_url("sqlite://x.db"), "sqlite://x.db");
    }
}
