//! The `[backup]` settings: where backups are stored and where the key is.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::VaultError;

/// Where backups go and which key encrypts them.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct VaultSettings {
    /// The age identity (`AGE-SECRET-KEY-1…`) that decrypts backups; created with mode 0600
    /// on first use. Keep it apart from the database (and back it up apart too): without it
    /// no backup can be read. A relative path is under Plenum's data directory.
    #[serde(default = "default_key_file")]
    pub key_file: PathBuf,
    /// The storage.
    #[serde(default)]
    pub storage: StorageSettings,
}

impl Default for VaultSettings {
    fn default() -> Self {
        Self {
            key_file: default_key_file(),
            storage: StorageSettings::default(),
        }
    }
}

fn default_key_file() -> PathBuf {
    PathBuf::from("backup.key")
}

/// The storage backups are written to.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum StorageSettings {
    /// A local directory (created when missing; a relative path is under Plenum's data
    /// directory).
    Directory {
        /// The directory.
        path: PathBuf,
    },
    /// An S3-compatible bucket.
    S3 {
        /// The endpoint, e.g. `https://s3.eu-central-1.amazonaws.com` or
        /// `http://127.0.0.1:9000`.
        endpoint: String,
        /// The bucket (it must exist).
        bucket: String,
        /// The region the signature names.
        #[serde(default = "default_region")]
        region: String,
        /// The access key id.
        access_key_id: String,
        /// A file holding the secret access key (kept out of the settings file).
        secret_access_key_file: PathBuf,
    },
}

impl Default for StorageSettings {
    fn default() -> Self {
        Self::Directory {
            path: PathBuf::from("backups"),
        }
    }
}

fn default_region() -> String {
    "us-east-1".to_owned()
}

impl VaultSettings {
    /// These settings with relative paths taken as under `dir`.
    pub fn under(&self, dir: &std::path::Path) -> Self {
        let mut settings = self.clone();
        settings.key_file = dir.join(&self.key_file);
        if let StorageSettings::Directory { path } = &mut settings.storage {
            *path = dir.join(&*path);
        }
        settings
    }

    /// Checks what can be checked without touching the storage.
    pub fn validate(&self) -> Result<(), VaultError> {
        let invalid = |setting, message: &str| {
            Err(VaultError::Settings {
                setting,
                message: message.to_owned(),
            })
        };
        if self.key_file.as_os_str().is_empty() {
            return invalid("key_file", "must name a file");
        }
        match &self.storage {
            StorageSettings::Directory { path } if path.as_os_str().is_empty() => {
                invalid("storage.path", "must name a directory")
            }
            StorageSettings::S3 { endpoint, .. }
                if !(endpoint.starts_with("http://") || endpoint.starts_with("https://")) =>
            {
                invalid("storage.endpoint", "must be an http:// or https:// URL")
            }
            StorageSettings::S3 { bucket, .. } if bucket.trim().is_empty() => {
                invalid("storage.bucket", "must not be empty")
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unusable_settings_are_named() {
        let mut s = VaultSettings::default();
        assert!(s.validate().is_ok());
        s.storage = StorageSettings::S3 {
            endpoint: "s3.example".to_owned(),
            bucket: "b".to_owned(),
            region: default_region(),
            access_key_id: "id".to_owned(),
            secret_access_key_file: PathBuf::from("/k"),
        };
        let err = s.validate().expect_err("no scheme").to_string();
        assert!(err.contains("storage.endpoint"), "{err}");
        s.storage = StorageSettings::Directory {
            path: PathBuf::new(),
        };
        let err = s.validate().expect_err("empty path").to_string();
        assert!(err.contains("storage.path"), "{err}");
    }
}
