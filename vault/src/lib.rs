//! Where Plenum keeps instance backups. Every object is an [age] file encrypted to one
//! X25519 recipient while it streams in, before any byte reaches the storage; the identity
//! that decrypts lives in a key file of its own ([`VaultSettings::key_file`]), never in
//! Plenum's database, so a copy of the database alone cannot read a backup. The storage is
//! an S3-compatible bucket or a local directory (the embedded default).
//!
//! [age]: https://age-encryption.org/v1

mod error;
mod key;
mod settings;
mod vault;

pub use error::VaultError;
pub use settings::{StorageSettings, VaultSettings};
pub use vault::{ByteStream, Vault};
