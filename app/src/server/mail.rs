//! Outbound mail over SMTP (invitations and access notices), with `lettre`. Off unless
//! `mail.smtp_host` is set; then the inviter sees the invitation link to pass on instead.

use std::path::PathBuf;
use std::time::Duration;

use lettre::message::{Mailbox, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::{Deserialize, Serialize};

/// How the connection to the SMTP server is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    /// Plain SMTP, upgraded with STARTTLS (required).
    #[default]
    Starttls,
    /// TLS from the first byte (SMTPS, usually port 465).
    Tls,
    /// No encryption: only for a relay on the same host or private network.
    None,
}

/// The `[mail]` settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MailSettings {
    /// The SMTP server; empty: no mail (inviters pass links on themselves).
    pub smtp_host: Option<String>,
    /// Its port.
    pub smtp_port: u16,
    /// How the connection is secured.
    pub smtp_security: SmtpSecurity,
    /// The user name to authenticate with, if the server wants one.
    pub smtp_username: Option<String>,
    /// A file holding the password (kept out of the settings and the environment).
    pub smtp_password_file: Option<PathBuf>,
    /// The sender, e.g. `Plenum <plenum@example.org>`.
    pub from: String,
    /// Seconds to wait for the server before a message counts as not sent.
    pub timeout_seconds: u64,
}

impl Default for MailSettings {
    fn default() -> Self {
        Self {
            smtp_host: None,
            smtp_port: 587,
            smtp_security: SmtpSecurity::Starttls,
            smtp_username: None,
            smtp_password_file: None,
            from: "Plenum <plenum@localhost>".into(),
            timeout_seconds: 10,
        }
    }
}

/// A `[mail]` setting that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum MailSettingsError {
    /// The sender is not a mailbox.
    #[error("invalid setting `mail.from` = {0:?}: a mailbox such as `Plenum <plenum@example.org>`")]
    From(String),
    /// The password file cannot be read.
    #[error("setting `mail.smtp_password_file`: cannot read {path}: {reason}")]
    PasswordFile {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A password without a user name, or the reverse.
    #[error("settings `mail.smtp_username` and `mail.smtp_password_file` must be given together")]
    HalfCredentials,
    /// The host cannot be used for TLS.
    #[error("invalid setting `mail.smtp_host` = {host:?}: {reason}")]
    Host {
        /// The host.
        host: String,
        /// Why.
        reason: String,
    },
    /// A timeout of zero.
    #[error("invalid setting `mail.timeout_seconds` = 0: 1 or more")]
    Timeout,
}

/// A message that did not reach the SMTP server.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// The message could not be built (e.g. the recipient is no mailbox).
    #[error("the message could not be built: {0}")]
    Build(String),
    /// The server refused it or could not be reached.
    #[error("the mail server did not take the message: {0}")]
    Send(String),
}

/// Sends mail, or knows that it cannot.
#[derive(Clone)]
pub struct Mailer {
    transport: Option<AsyncSmtpTransport<Tokio1Executor>>,
    from: Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("configured", &self.transport.is_some())
            .field("from", &self.from.to_string())
            .finish()
    }
}

impl Mailer {
    /// A mailer for `settings` (reads the password file once). Call it within a Tokio
    /// runtime: the connection pool starts with it.
    pub fn new(settings: &MailSettings) -> Result<Self, MailSettingsError> {
        let from: Mailbox = settings
            .from
            .parse()
            .map_err(|_| MailSettingsError::From(settings.from.clone()))?;
        if settings.timeout_seconds == 0 {
            return Err(MailSettingsError::Timeout);
        }
        let Some(host) = settings
            .smtp_host
            .as_deref()
            .filter(|h| !h.trim().is_empty())
        else {
            return Ok(Self {
                transport: None,
                from,
            });
        };
        let host_error = |e: lettre::transport::smtp::Error| MailSettingsError::Host {
            host: host.to_owned(),
            reason: e.to_string(),
        };
        let builder = match settings.smtp_security {
            SmtpSecurity::Starttls => {
                AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host).map_err(host_error)?
            }
            SmtpSecurity::Tls => {
                AsyncSmtpTransport::<Tokio1Executor>::relay(host).map_err(host_error)?
            }
            SmtpSecurity::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host),
        };
        let mut builder = builder
            .port(settings.smtp_port)
            .timeout(Some(Duration::from_secs(settings.timeout_seconds)));
        match (&settings.smtp_username, &settings.smtp_password_file) {
            (Some(user), Some(path)) => {
                let password =
                    std::fs::read_to_string(path).map_err(|e| MailSettingsError::PasswordFile {
                        path: path.clone(),
                        reason: e.to_string(),
                    })?;
                builder = builder.credentials(Credentials::new(
                    user.clone(),
                    password.trim_end_matches(['\r', '\n']).to_owned(),
                ));
            }
            (None, None) => {}
            _ => return Err(MailSettingsError::HalfCredentials),
        }
        Ok(Self {
            transport: Some(builder.build()),
            from,
        })
    }

    /// Whether mail is sent at all.
    pub fn is_on(&self) -> bool {
        self.transport.is_some()
    }

    /// Sends a plain-text message to `to`. `Ok(false)`: mail is off, nothing was sent.
    pub async fn send(&self, to: &str, subject: &str, body: String) -> Result<bool, MailError> {
        let Some(transport) = &self.transport else {
            return Ok(false);
        };
        let to: Mailbox = to
            .parse()
            .map_err(|e: lettre::address::AddressError| MailError::Build(e.to_string()))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body)
            .map_err(|e| MailError::Build(e.to_string()))?;
        transport
            .send(message)
            .await
            .map_err(|e| MailError::Send(e.to_string()))?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (A runtime, because the connection pool starts with the transport.)
    #[tokio::test]
    async fn off_by_default_and_settings_are_checked() {
        assert!(!Mailer::new(&MailSettings::default()).unwrap().is_on());
        let bad_from = MailSettings {
            from: "not a mailbox".into(),
            ..MailSettings::default()
        };
        assert!(matches!(
            Mailer::new(&bad_from),
            Err(MailSettingsError::From(_))
        ));
        let half = MailSettings {
            smtp_host: Some("mail.example.org".into()),
            smtp_username: Some("plenum".into()),
            ..MailSettings::default()
        };
        assert!(matches!(
            Mailer::new(&half),
            Err(MailSettingsError::HalfCredentials)
        ));
        let missing = MailSettings {
            smtp_host: Some("mail.example.org".into()),
            smtp_username: Some("plenum".into()),
            smtp_password_file: Some("/nonexistent/password".into()),
            ..MailSettings::default()
        };
        let error = Mailer::new(&missing).unwrap_err().to_string();
        assert!(error.contains("/nonexistent/password"), "{error}");
        let on = MailSettings {
            smtp_host: Some("mail.example.org".into()),
            ..MailSettings::default()
        };
        assert!(Mailer::new(&on).unwrap().is_on());
    }
}
