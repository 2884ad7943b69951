//! An instance's single sign-on through Plenum, kept like its Swarm objects: the OpenID
//! Connect client ([`oidc`]) or the SAML service provider with the job that writes its
//! settings ([`saml`]), by what the template declares.

pub mod oidc;
pub mod saml;

use std::collections::BTreeMap;

use domain::template::{SsoDeclaration, Template};
use store::{InstanceRecord, SecretValue};

use super::{Context, ReconcileError};

/// Registers, updates or removes what the instance's template declares; for SAML, the
/// registration the rest of the pass needs.
pub async fn converge(
    ctx: &Context,
    record: &InstanceRecord,
    template: &Template,
    values: &BTreeMap<String, SecretValue>,
) -> Result<Option<saml::Registration>, ReconcileError> {
    let (oidc, saml) = match template.sso() {
        Some(SsoDeclaration::Oidc(oidc)) => (Some(oidc), None),
        Some(SsoDeclaration::Saml(saml)) => (None, Some(saml)),
        None => (None, None),
    };
    oidc::converge(ctx, record, oidc, values).await?;
    match saml {
        Some(saml) => saml::register(ctx, record, saml).await,
        None => Ok(None),
    }
}

/// The instance's public URL, e.g. `https://acme.example.org`.
fn public_url(ctx: &Context, record: &InstanceRecord) -> String {
    ctx.settings
        .public_url(&format!("{}.{}", record.slug, ctx.settings.base_domain))
}
