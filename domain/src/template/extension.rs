//! Plenum's extensions to the compose format: the top-level `x-plenum` block and
//! `x-plenum-generate` on top-level secrets.
//!
//! ```yaml
//! x-plenum:
//!   entry:                      # required
//!     service: proxy            # the only service joined to the shared edge network
//!     port: 8000                # the port it listens on inside the container
//!     health_path: /healthz     # HTTP path answering 2xx when the instance is up
//!   initial_admin:              # optional
//!     username: superadmin      # the login name shown to the customer
//!     password_secret: superadmin  # a top-level secret, revealed to the customer once
//!   scaling:                    # optional, per service
//!     web: { min: 1, max: 10 }
//!     db: { min: 1, max: 1 }    # fixed at one replica
//!   upgrade:                    # optional
//!     migrate:                  # a one-off job run before services roll to a new tag
//!       service: web            # the service whose spec (new image, env, secrets, networks) it reuses
//!       command: [/demo-app, migrate]  # replaces the service's command; exit 0 = migrated
//!   sso:                        # optional: the instance signs people in through Plenum
//!     protocol: oidc            # Plenum registers it as an OpenID Connect client
//!     redirect_paths: [/oidc/callback]   # under {{ public_url }}, matched exactly
//!     post_logout_paths: [/]
//!     client_secret: oidc_client_secret  # a top-level secret: its value is the client secret
//!   # or, for a SAML service provider (OpenSlides 4):
//!   # sso:
//!   #   protocol: saml
//!   #   entity_path: /system/saml/metadata  # its entity id, under {{ public_url }}
//!   #   acs_path: /system/saml/acs          # its assertion consumer service (HTTP-POST)
//!   #   logout_path: /system/saml/idplogout # optional: its single logout service (HTTP-POST)
//!   #   settings_secret: saml_settings_token  # presented to Plenum to fetch the settings
//!   #   configure:                # a one-off job, once the instance runs and when they change
//!   #     service: backendManage  # whose spec it reuses
//!   #     command: [sh, -c, "…"]  # fetches $PLENUM_SSO_SETTINGS_URL and writes them
//!   #     restart: [auth]         # services restarted after it succeeded
//!
//! secrets:
//!   postgres_password:
//!     x-plenum-generate: { charset: alphanumeric, length: 40 }
//!   auth_token_key:
//!     x-plenum-generate: { charset: base64, bytes: 32 }
//!   superadmin:
//!     x-plenum-generate: { charset: password, length: 20 }
//! ```
//!
//! A service without a scaling rule is fixed at its `deploy.replicas` (default 1).
//! `deploy.replicas` must lie within the service's rule.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The `x-plenum` block as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PlenumDef {
    pub(crate) entry: EntryPoint,
    pub(crate) initial_admin: Option<InitialAdmin>,
    #[serde(default)]
    pub(crate) scaling: BTreeMap<String, ScalingRule>,
    pub(crate) upgrade: Option<UpgradeDef>,
    pub(crate) sso: Option<SsoDeclaration>,
    pub(crate) backup: Option<BackupDeclaration>,
}

/// How an instance is backed up and restored (`x-plenum.backup`): two one-off jobs with
/// the spec of one service. Plenum gives them `PLENUM_BACKUP_URL` (where the dump goes to
/// or comes from), the token secret, and the edge network (where Plenum is reached); it
/// encrypts what arrives before storing it and decrypts it for the restore.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackupDeclaration {
    /// The service whose rendered spec both jobs reuse (e.g. the database, for `pg_dump`
    /// and `psql`). During a restore only this service runs.
    pub service: String,
    /// The top-level secret the jobs present to Plenum (`Authorization: Bearer`).
    pub token_secret: String,
    /// The backup job's command: it sends the dump with `PUT $PLENUM_BACKUP_URL`
    /// (exit status 0 = sent).
    pub dump: Vec<String>,
    /// The restore job's command: it reads the dump with `GET $PLENUM_BACKUP_URL` and loads
    /// it, all or nothing (exit status 0 = restored; otherwise the data must be unchanged).
    pub restore: Vec<String>,
}

/// How an instance's people sign in through Plenum (`x-plenum.sso`), by `protocol`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "protocol", rename_all = "lowercase")]
pub enum SsoDeclaration {
    /// The instance is an OpenID Connect relying party (authorization code flow with a
    /// client secret).
    Oidc(OidcDeclaration),
    /// The instance is a SAML 2.0 service provider (OpenSlides 4's auth service).
    Saml(SamlDeclaration),
}

impl SsoDeclaration {
    /// The top-level secret the instance and Plenum share: the OpenID Connect client's
    /// secret, or what the SAML configuration job authenticates with.
    pub fn shared_secret(&self) -> &str {
        match self {
            Self::Oidc(oidc) => &oidc.client_secret,
            Self::Saml(saml) => &saml.settings_secret,
        }
    }
}

/// `x-plenum.sso` with `protocol: oidc`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcDeclaration {
    /// Paths under the instance's public URL that receive the authorization response.
    pub redirect_paths: Vec<String>,
    /// Paths under the instance's public URL a logout may return to.
    #[serde(default)]
    pub post_logout_paths: Vec<String>,
    /// The top-level secret whose generated value is the client's secret (the stack reads
    /// it as a Swarm secret; Plenum registers the client with it).
    pub client_secret: String,
}

/// `x-plenum.sso` with `protocol: saml`: Plenum registers the instance's service provider
/// and, once the instance runs, a one-off job writes the SAML settings into it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SamlDeclaration {
    /// The path under the instance's public URL that is its entity id.
    pub entity_path: String,
    /// The path of its assertion consumer service (HTTP-POST binding).
    pub acs_path: String,
    /// The path of its single logout service (HTTP-POST binding), where Plenum sends the
    /// browser with a LogoutRequest when the person signs out of Plenum.
    #[serde(default)]
    pub logout_path: Option<String>,
    /// The top-level secret the configuration job presents to fetch the settings from
    /// Plenum (`Authorization: Bearer`).
    pub settings_secret: String,
    /// The job that writes the settings.
    pub configure: SamlConfigureStep,
}

/// The one-off job that writes an instance's SAML settings, and what restarts after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SamlConfigureStep {
    /// The service whose rendered spec (image, environment, secrets, stack networks) the
    /// job reuses; Plenum adds the settings secret, the edge network (to reach Plenum) and
    /// `PLENUM_SSO_SETTINGS_URL`.
    pub service: String,
    /// The command the job runs (exit status 0 = written).
    pub command: Vec<String>,
    /// Services that read the settings only at start: they restart once the job succeeded.
    #[serde(default)]
    pub restart: Vec<String>,
}

/// `x-plenum.upgrade` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct UpgradeDef {
    pub(crate) migrate: Option<MigrationStep>,
}

/// The one-off job an upgrade runs, with the new tag, before any service rolls to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MigrationStep {
    /// The service whose rendered spec (image with the new tag, environment, secrets,
    /// networks) the job reuses.
    pub service: String,
    /// The command the job runs instead of the service's (exit status 0 = migrated).
    pub command: Vec<String>,
}

/// The service the edge proxy routes an instance's traffic to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntryPoint {
    /// Service name; the only service that joins the edge network.
    pub service: String,
    /// Container port it listens on.
    pub port: u16,
    /// HTTP path that answers 2xx when the instance is up.
    pub health_path: String,
}

/// The account a new instance starts with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InitialAdmin {
    /// Login name.
    pub username: String,
    /// Top-level secret holding the password, shown to the customer once.
    pub password_secret: String,
}

/// The replica counts a service may run with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScalingRule {
    /// Fewest replicas.
    pub min: u64,
    /// Most replicas.
    pub max: u64,
}

impl ScalingRule {
    /// Whether `replicas` lies within the rule.
    pub fn allows(&self, replicas: u64) -> bool {
        (self.min..=self.max).contains(&replicas)
    }
}

/// `x-plenum-generate` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct GenerateDef {
    pub(crate) charset: Charset,
    pub(crate) length: Option<u32>,
    pub(crate) bytes: Option<u32>,
}

/// The `charset` of `x-plenum-generate`.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Charset {
    Alphanumeric,
    Password,
    Base64,
}

/// Characters of [`SecretGeneration::Alphanumeric`] secrets.
pub const ALPHANUMERIC: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// Characters of [`SecretGeneration::Password`] secrets (the set OpenSlides' own tooling uses).
pub const PASSWORD_CHARS: &str =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!@#$%^&*()-_=+[]";

/// How Plenum generates a secret's value. Values never come from files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "charset", rename_all = "lowercase")]
pub enum SecretGeneration {
    /// `length` characters drawn uniformly from [`ALPHANUMERIC`].
    Alphanumeric {
        /// Number of characters.
        length: u32,
    },
    /// `length` characters drawn uniformly from [`PASSWORD_CHARS`].
    Password {
        /// Number of characters.
        length: u32,
    },
    /// `bytes` random bytes, encoded as standard base64 with padding.
    Base64 {
        /// Number of random bytes before encoding.
        bytes: u32,
    },
}

impl SecretGeneration {
    /// Smallest `length` or `bytes` accepted.
    pub const MIN_SIZE: u32 = 8;
    /// Largest `length` or `bytes` accepted.
    pub const MAX_SIZE: u32 = 4096;

    /// The characters to draw from, or `None` for base64 secrets (random bytes, encoded).
    pub fn alphabet(&self) -> Option<&'static str> {
        match self {
            SecretGeneration::Alphanumeric { .. } => Some(ALPHANUMERIC),
            SecretGeneration::Password { .. } => Some(PASSWORD_CHARS),
            SecretGeneration::Base64 { .. } => None,
        }
    }

    /// Builds the generation rule from the written form; the error explains the mismatch.
    pub(crate) fn from_def(def: &GenerateDef) -> Result<Self, String> {
        let sized = |key: &str, n: u32| {
            if (Self::MIN_SIZE..=Self::MAX_SIZE).contains(&n) {
                Ok(n)
            } else {
                Err(format!(
                    "{key}: {n} is outside {}..={}",
                    Self::MIN_SIZE,
                    Self::MAX_SIZE
                ))
            }
        };
        match (def.charset, def.length, def.bytes) {
            (Charset::Alphanumeric, Some(length), None) => {
                sized("length", length).map(|length| SecretGeneration::Alphanumeric { length })
            }
            (Charset::Password, Some(length), None) => {
                sized("length", length).map(|length| SecretGeneration::Password { length })
            }
            (Charset::Base64, None, Some(bytes)) => {
                sized("bytes", bytes).map(|bytes| SecretGeneration::Base64 { bytes })
            }
            (Charset::Base64, _, _) => Err(
                "charset base64 takes \"bytes\" (random bytes before encoding), not \"length\""
                    .to_owned(),
            ),
            (Charset::Alphanumeric | Charset::Password, _, _) => Err(
                "charsets alphanumeric and password take \"length\" (characters), not \"bytes\""
                    .to_owned(),
            ),
        }
    }
}
