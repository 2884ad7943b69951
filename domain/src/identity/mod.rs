//! Identity: who may enter which instance, and the rules of Plenum's OpenID Connect provider
//! that need no database or network (PKCE, redirect URIs, authorization requests).

pub mod authorize;
pub mod grant;
pub mod pkce;
pub mod redirect;
pub mod role;
pub mod upstream;

pub use role::{InstanceRole, role_at_instance};

/// The client id of instance `instance_id` at Plenum's OpenID Connect provider (client ids
/// are public; the secret is what authenticates).
pub fn instance_client_id(instance_id: i64) -> String {
    format!("instance-{instance_id}")
}
