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

/// The path at Plenum where a SAML instance's configuration job fetches its settings
/// (presenting the template's `settings_secret` as a bearer token).
pub fn saml_settings_path(instance_id: i64) -> String {
    format!("/saml/{instance_id}/openslides-settings")
}
