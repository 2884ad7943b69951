//! `[identity]` settings: lifetimes of codes, tokens and signing keys.

use serde::{Deserialize, Serialize};

/// How long the provider's artefacts live.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IdentitySettings {
    /// Seconds an authorization code can be redeemed (1–60).
    pub code_seconds: u32,
    /// Minutes an access token and an ID token are valid (1–60). A person whose access was
    /// revoked keeps a session at an instance at most this long.
    pub access_token_minutes: u32,
    /// Days a refresh token is valid (1–90).
    pub refresh_token_days: u32,
    /// Days a signing key signs before a new one replaces it (1–365); the old one stays
    /// published for a day after.
    pub key_rotation_days: u32,
}

impl Default for IdentitySettings {
    fn default() -> Self {
        Self {
            code_seconds: 60,
            access_token_minutes: 10,
            refresh_token_days: 30,
            key_rotation_days: 90,
        }
    }
}

/// A setting out of its range (the name within `[identity]` and what it accepts).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("identity.{setting} {message}")]
pub struct SettingsError {
    /// The setting's name.
    pub setting: &'static str,
    /// What it accepts.
    pub message: &'static str,
}

impl IdentitySettings {
    /// Checks every range; the error names the first setting out of range.
    pub fn validate(&self) -> Result<(), SettingsError> {
        let checks = [
            ("code_seconds", self.code_seconds, 1, 60, "must be 1–60"),
            (
                "access_token_minutes",
                self.access_token_minutes,
                1,
                60,
                "must be 1–60",
            ),
            (
                "refresh_token_days",
                self.refresh_token_days,
                1,
                90,
                "must be 1–90",
            ),
            (
                "key_rotation_days",
                self.key_rotation_days,
                1,
                365,
                "must be 1–365",
            ),
        ];
        for (setting, value, min, max, message) in checks {
            if !(min..=max).contains(&value) {
                return Err(SettingsError { setting, message });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_ranges_are_named() {
        assert!(IdentitySettings::default().validate().is_ok());
        let s = IdentitySettings {
            code_seconds: 61,
            ..IdentitySettings::default()
        };
        assert_eq!(s.validate().unwrap_err().setting, "code_seconds");
        let s = IdentitySettings {
            key_rotation_days: 0,
            ..IdentitySettings::default()
        };
        assert_eq!(
            s.validate().unwrap_err().to_string(),
            "identity.key_rotation_days must be 1–365"
        );
    }
}
