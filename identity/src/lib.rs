//! Plenum as OpenID Connect provider of its instances and of registered external apps, and
//! as SAML 2.0 identity provider of instances whose apps speak SAML ([`saml`]).
//!
//! The protocol's rules that need no database live in `domain::identity`; this crate keeps
//! the signing keys ([`keys`]), mints ID tokens ([`claims`]), publishes the discovery
//! document ([`metadata`]), decides who may sign in to which client ([`access`]) and runs
//! the endpoints' logic ([`provider`], [`saml`]). The HTTP handlers in the server crate only
//! translate requests and responses.

pub mod access;
pub mod claims;
pub mod clients;
pub mod error;
pub mod keys;
pub mod metadata;
pub mod provider;
pub mod saml;
pub mod secrets;
pub mod settings;
pub mod upstream;

pub use error::{IdentityError, OAuthError};
pub use provider::{AuthorizeOutcome, Provider, SignedIn};
pub use saml::SamlOutcome;
pub use settings::IdentitySettings;
