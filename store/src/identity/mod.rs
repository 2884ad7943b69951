//! Identity: access granted at instances, and the records of Plenum's OpenID Connect
//! provider (clients, signing keys, codes, tokens). Codes and tokens are stored only as
//! SHA-256 hashes; client secrets and private keys only encrypted.

mod access;
mod clients;
mod codes;
mod keys;
mod tokens;

pub use access::{AccessRecord, GrantOutcome};
pub use clients::{ClientRecord, NewClient};
pub use codes::{CodeRecord, NewCode, Redeemed};
pub use keys::SigningKeyRecord;
pub use tokens::{NewToken, Rotated, TokenKind, TokenRecord};
