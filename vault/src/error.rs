//! What can go wrong in the vault. Messages name the object or the setting, never a key.

use thiserror::Error;

/// Why a vault operation failed.
#[derive(Debug, Error)]
pub enum VaultError {
    /// A setting is unusable (which one, and why).
    #[error("backup setting {setting}: {message}")]
    Settings {
        /// The setting's name.
        setting: &'static str,
        /// What is wrong with it.
        message: String,
    },
    /// The key file could not be read, created or parsed.
    #[error("backup key file {path}: {message}")]
    Key {
        /// The key file's path.
        path: String,
        /// What went wrong (never the key).
        message: String,
    },
    /// The storage failed.
    #[error("backup storage: {0}")]
    Storage(#[from] object_store::Error),
    /// The stream to store or read broke off.
    #[error("backup stream: {0}")]
    Stream(#[from] std::io::Error),
    /// The object is not an age file for this vault's key, or it was tampered with.
    #[error("backup object {key} cannot be decrypted: {message}")]
    Decrypt {
        /// The object's key.
        key: String,
        /// Why.
        message: String,
    },
    /// The object does not exist.
    #[error("backup object {0} does not exist")]
    Missing(String),
}
