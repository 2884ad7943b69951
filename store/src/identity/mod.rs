//! Identity: access granted at instances, the records of Plenum's OpenID Connect provider
//! (clients, signing keys, codes, tokens) and of its SAML identity provider (its key, the
//! instances' service providers). Codes and tokens are stored only as SHA-256 hashes; client
//! secrets and private keys only encrypted.

mod access;
mod clients;
mod codes;
mod keys;
mod saml;
mod tokens;

pub use access::{AccessRecord, GrantOutcome};
pub use clients::{ClientRecord, NewClient};
pub use codes::{CodeRecord, NewCode, Redeemed};
pub use keys::SigningKeyRecord;
pub use saml::{SamlIdpKeyRecord, SamlServiceProviderRecord, SamlSpKeyRecord};
pub use tokens::{NewToken, Rotated, TokenKind, TokenRecord};
