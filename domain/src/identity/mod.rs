//! Identity: who may enter which instance, and the rules of Plenum's OpenID Connect provider
//! that need no database or network (PKCE, redirect URIs, authorization requests).

pub mod authorize;
pub mod grant;
pub mod pkce;
pub mod redirect;
pub mod role;

pub use role::{InstanceRole, role_at_instance};
