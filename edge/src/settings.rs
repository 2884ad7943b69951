//! The edge's settings as read from configuration ([`EdgeSettings`]) and their checked form
//! ([`EdgeSetup`]), which everything else in this crate works with.
//!
//! | setting | meaning | default |
//! |---|---|---|
//! | `enabled` | whether Plenum configures an edge router at all | `false` |
//! | `base_domain` | instances answer at `<slug>.<base_domain>` (the engine's `base_domain`) | `plenum.localhost` |
//! | `ui_hostname` | Plenum's own UI through the edge | `plenum.<base_domain>` |
//! | `tls_issuer` | `acme` (public CA) or `internal` (Caddy's own CA, for tests) | `acme` |
//! | `acme_email` | contact address given to the ACME CA | none |
//! | `acme_ca_url` | the ACME CA's directory URL | Let's Encrypt production |
//! | `caddy_admin_url` | Caddy's admin API as Plenum reaches it (never published) | `http://plenum_caddy:2019` |
//! | `plenum_upstream` | Plenum's HTTP listener as Caddy dials it, `host:port` | `plenum_server:3000` |
//! | `reconcile_seconds` | seconds between two reconcile passes (1 to 3600) | `15` |
//! | `https_port` | the public HTTPS port HTTP requests are redirected to | `443` |

use std::time::Duration;

use domain::account::Email;
use domain::dns::DnsName;
use reqwest::Url;
use serde::{Deserialize, Serialize};

/// Let's Encrypt's production directory.
pub const LETS_ENCRYPT: &str = "https://acme-v02.api.letsencrypt.org/directory";

/// Who signs the edge's certificates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TlsIssuer {
    /// A public ACME CA (`acme_ca_url`), e.g. Let's Encrypt.
    Acme,
    /// Caddy's internal CA: certificates no browser trusts by default (tests, development).
    Internal,
}

/// The edge's settings as configured (e.g. the `[edge]` table of `plenum.toml`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EdgeSettings {
    /// Whether Plenum configures an edge router.
    pub enabled: bool,
    /// Instances answer at `<slug>.<base_domain>`.
    pub base_domain: String,
    /// Plenum's own UI host name; `plenum.<base_domain>` when not set.
    pub ui_hostname: Option<String>,
    /// Who signs certificates.
    pub tls_issuer: TlsIssuer,
    /// Contact address for the ACME account (optional for Let's Encrypt).
    pub acme_email: Option<String>,
    /// The ACME directory URL.
    pub acme_ca_url: String,
    /// Caddy's admin API as Plenum reaches it, `http://host:port`.
    pub caddy_admin_url: String,
    /// Plenum's HTTP listener as Caddy dials it, `host:port`.
    pub plenum_upstream: String,
    /// Seconds between two reconcile passes.
    pub reconcile_seconds: u64,
    /// The public HTTPS port (HTTP requests are redirected there).
    pub https_port: u16,
}

impl Default for EdgeSettings {
    fn default() -> Self {
        Self {
            enabled: false,
            base_domain: "plenum.localhost".to_owned(),
            ui_hostname: None,
            tls_issuer: TlsIssuer::Acme,
            acme_email: None,
            acme_ca_url: LETS_ENCRYPT.to_owned(),
            caddy_admin_url: "http://plenum_caddy:2019".to_owned(),
            plenum_upstream: "plenum_server:3000".to_owned(),
            reconcile_seconds: 15,
            https_port: 443,
        }
    }
}

/// A setting that cannot be used: which one, the value given, and what is accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid setting `edge.{setting}` = {value:?}: {message}")]
pub struct SettingsError {
    /// The setting's name within the `edge` table.
    pub setting: &'static str,
    /// The value given.
    pub value: String,
    /// What is wrong and what is accepted.
    pub message: String,
}

/// Who signs certificates, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Issuer {
    /// An ACME CA.
    Acme {
        /// Contact address.
        email: Option<String>,
        /// Directory URL.
        ca_url: String,
    },
    /// Caddy's internal CA.
    Internal,
}

/// The checked settings the rest of the crate works with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EdgeSetup {
    /// Instances answer at `<slug>.<base_domain>`.
    pub base_domain: DnsName,
    /// Plenum's own UI host name.
    pub ui_hostname: DnsName,
    /// Who signs certificates.
    pub issuer: Issuer,
    /// Caddy's admin API base URL, without a trailing slash.
    pub caddy_admin_url: String,
    /// Plenum's listener as Caddy dials it, `host:port`.
    pub plenum_upstream: String,
    /// Time between two reconcile passes; also the longest back-off.
    pub reconcile_period: Duration,
    /// The public HTTPS port.
    pub https_port: u16,
}

impl EdgeSettings {
    /// Checks every setting; the error names the first one that cannot be used.
    pub fn check(&self) -> Result<EdgeSetup, SettingsError> {
        let fail = |setting: &'static str, value: &str, message: String| SettingsError {
            setting,
            value: value.to_owned(),
            message,
        };
        let dns = |setting: &'static str, value: &str| {
            DnsName::parse(setting, value).map_err(|e| fail(setting, value, e.message))
        };
        let base_domain = dns("base_domain", &self.base_domain)?;
        let ui_hostname = match self.ui_hostname.as_deref().filter(|h| !h.trim().is_empty()) {
            Some(host) => dns("ui_hostname", host)?,
            None => base_domain
                .child("ui_hostname", "plenum")
                .map_err(|e| fail("ui_hostname", "", e.message))?,
        };
        let issuer = match self.tls_issuer {
            TlsIssuer::Internal => Issuer::Internal,
            TlsIssuer::Acme => {
                let email = match self.acme_email.as_deref().filter(|e| !e.trim().is_empty()) {
                    Some(raw) => Some(
                        Email::parse(raw)
                            .map_err(|e| fail("acme_email", raw, e.message))?
                            .as_str()
                            .to_owned(),
                    ),
                    None => None,
                };
                let ca_url = &self.acme_ca_url;
                let parsed = Url::parse(ca_url).map_err(|e| {
                    fail(
                        "acme_ca_url",
                        ca_url,
                        format!(
                            "not a URL ({e}); give the ACME directory URL, e.g. {LETS_ENCRYPT}"
                        ),
                    )
                })?;
                if parsed.scheme() != "https" {
                    return Err(fail(
                        "acme_ca_url",
                        ca_url,
                        "an ACME directory is reached over https://".to_owned(),
                    ));
                }
                Issuer::Acme {
                    email,
                    ca_url: ca_url.clone(),
                }
            }
        };
        let admin = &self.caddy_admin_url;
        let admin_ok = Url::parse(admin).ok().filter(|u| {
            u.scheme() == "http"
                && u.host_str().is_some()
                && u.username().is_empty()
                && u.password().is_none()
                && u.query().is_none()
                && u.path() == "/"
        });
        if admin_ok.is_none() {
            return Err(fail(
                "caddy_admin_url",
                admin,
                "an http://host:port URL without path, e.g. http://plenum_caddy:2019".to_owned(),
            ));
        }
        let upstream = &self.plenum_upstream;
        if !is_host_port(upstream) {
            return Err(fail(
                "plenum_upstream",
                upstream,
                "host:port as Caddy dials it, e.g. plenum_server:3000 or 172.18.0.1:3000"
                    .to_owned(),
            ));
        }
        if !(1..=3600).contains(&self.reconcile_seconds) {
            return Err(fail(
                "reconcile_seconds",
                &self.reconcile_seconds.to_string(),
                "a whole number of seconds from 1 to 3600".to_owned(),
            ));
        }
        if self.https_port == 0 {
            return Err(fail("https_port", "0", "a port from 1 to 65535".to_owned()));
        }
        Ok(EdgeSetup {
            base_domain,
            ui_hostname,
            issuer,
            caddy_admin_url: admin.trim_end_matches('/').to_owned(),
            plenum_upstream: upstream.clone(),
            reconcile_period: Duration::from_secs(self.reconcile_seconds),
            https_port: self.https_port,
        })
    }
}

impl EdgeSetup {
    /// The host name of the instance with `slug`, or `None` if the slug is not a DNS label.
    pub fn instance_hostname(&self, slug: &str) -> Option<DnsName> {
        self.base_domain.child("slug", slug).ok()
    }

    /// The slug a request's host name stands for: one label directly under the base domain,
    /// and not Plenum's own host name.
    pub fn slug_of<'a>(&self, hostname: &'a DnsName) -> Option<&'a str> {
        if hostname == &self.ui_hostname {
            return None;
        }
        hostname.label_under(&self.base_domain)
    }
}

/// `host:port` with a DNS name, a Docker service name or an IPv4 address, and a port.
fn is_host_port(text: &str) -> bool {
    let Some((host, port)) = text.rsplit_once(':') else {
        return false;
    };
    let port_ok = port.parse::<u16>().is_ok_and(|p| p > 0);
    let host_ok = !host.is_empty()
        && host.len() <= 253
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    port_ok && host_ok
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn settings() -> EdgeSettings {
        EdgeSettings {
            enabled: true,
            base_domain: "Plenum.Example.org".to_owned(),
            ..EdgeSettings::default()
        }
    }

    #[test]
    fn defaults_check_and_derive_the_ui_hostname() {
        let setup = settings().check().unwrap();
        assert_eq!(setup.base_domain.as_str(), "plenum.example.org");
        assert_eq!(setup.ui_hostname.as_str(), "plenum.plenum.example.org");
        assert_eq!(
            setup.issuer,
            Issuer::Acme {
                email: None,
                ca_url: LETS_ENCRYPT.to_owned()
            }
        );
        assert_eq!(setup.reconcile_period, Duration::from_secs(15));
        assert!(EdgeSettings::default().check().is_ok());
    }

    #[test]
    fn bad_dns_names_are_refused_naming_the_setting() {
        let err = EdgeSettings {
            base_domain: "exa mple.org".to_owned(),
            ..settings()
        }
        .check()
        .unwrap_err();
        assert_eq!(err.setting, "base_domain");
        assert!(
            err.to_string()
                .starts_with("invalid setting `edge.base_domain` = \"exa mple.org\": \"exa mple.org\" is not a valid DNS name"),
            "{err}"
        );
        let err = EdgeSettings {
            ui_hostname: Some("https://plenum.example.org".to_owned()),
            ..settings()
        }
        .check()
        .unwrap_err();
        assert_eq!(err.setting, "ui_hostname");
    }

    #[test]
    fn other_settings_are_checked() {
        type Change = fn(&mut EdgeSettings);
        let cases: Vec<(Change, &str)> = vec![
            (|s| s.acme_email = Some("nobody".to_owned()), "acme_email"),
            (
                |s| s.acme_ca_url = "http://ca.example/dir".to_owned(),
                "acme_ca_url",
            ),
            (|s| s.acme_ca_url = "not a url".to_owned(), "acme_ca_url"),
            (
                |s| s.caddy_admin_url = "https://caddy:2019".to_owned(),
                "caddy_admin_url",
            ),
            (
                |s| s.caddy_admin_url = "http://caddy:2019/config".to_owned(),
                "caddy_admin_url",
            ),
            (
                |s| s.plenum_upstream = "plenum".to_owned(),
                "plenum_upstream",
            ),
            (
                |s| s.plenum_upstream = "http://plenum:3000".to_owned(),
                "plenum_upstream",
            ),
            (|s| s.reconcile_seconds = 0, "reconcile_seconds"),
            (|s| s.https_port = 0, "https_port"),
        ];
        for (change, setting) in cases {
            let mut s = settings();
            change(&mut s);
            assert_eq!(s.check().unwrap_err().setting, setting);
        }
    }

    #[test]
    fn internal_issuer_ignores_acme_settings() {
        let setup = EdgeSettings {
            tls_issuer: TlsIssuer::Internal,
            acme_ca_url: "whatever".to_owned(),
            ..settings()
        }
        .check()
        .unwrap();
        assert_eq!(setup.issuer, Issuer::Internal);
    }

    #[test]
    fn slugs_and_hostnames() {
        let setup = settings().check().unwrap();
        let host = setup.instance_hostname("demo").unwrap();
        assert_eq!(host.as_str(), "demo.plenum.example.org");
        assert_eq!(setup.slug_of(&host), Some("demo"));
        assert_eq!(setup.slug_of(&setup.ui_hostname.clone()), None);
        let other = DnsName::parse("h", "demo.other.org").unwrap();
        assert_eq!(setup.slug_of(&other), None);
    }
}
