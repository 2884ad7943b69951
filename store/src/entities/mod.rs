//! sea-orm entities, one module per table. Plain table mappings: behaviour lives in the repositories.

pub mod audit_entry;
pub mod backup;
pub mod catalog_version;
pub mod incident;
pub mod instance;
pub mod instance_access;
pub mod instance_event;
pub mod instance_secret;
pub mod invitation;
pub mod membership;
pub mod oidc_client;
pub mod oidc_code;
pub mod oidc_signing_key;
pub mod oidc_token;
pub mod order;
pub mod organisation;
pub mod plan;
pub mod saml_idp_key;
pub mod saml_service_provider;
pub mod slug_reservation;
pub mod upstream_provider;
pub mod user;
