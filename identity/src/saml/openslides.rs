//! The SAML settings of an OpenSlides 4 instance, in the form its backend takes them: the
//! body of a request to the internal `handle_request` endpoint of `backendManage` (what
//! `osmanage set organization` sends), running the action `organization.update` on
//! organization 1 with `saml_enabled`, the login button's text, the attribute mapping, the
//! identity provider's metadata, the service provider's metadata and its private key.
//!
//! OpenSlides has no metadata of its own to give (it reads `saml_metadata_sp` as written),
//! so Plenum makes the service provider's key and certificate, once per instance, and
//! describes it with the entity id and ACS URL it registered.

use serde_json::{Value, json};

use super::metadata::{IdpDescription, SpDescription, idp_metadata, sp_metadata};
use super::{generate_key, pem_body};
use crate::{IdentityError, Provider};

/// The text of OpenSlides' SAML login button.
pub const LOGIN_BUTTON_TEXT: &str = "Sign in with Plenum";

/// The request body that writes the settings.
pub fn settings_body(idp_metadata: &str, sp_metadata: &str, sp_private_key_pem: &str) -> Value {
    json!([{
        "action": "organization.update",
        "data": [{
            "id": 1,
            "saml_enabled": true,
            "saml_login_button_text": LOGIN_BUTTON_TEXT,
            // OpenSlides field -> the attribute Plenum's assertions carry.
            "saml_attr_mapping": {
                "saml_id": "saml_id",
                "first_name": "first_name",
                "last_name": "last_name",
                "email": "email",
            },
            "saml_metadata_idp": idp_metadata,
            "saml_metadata_sp": sp_metadata,
            "saml_private_key": sp_private_key_pem,
        }],
    }])
}

impl Provider {
    /// The settings of instance `instance_id`'s OpenSlides ([`settings_body`]); makes the
    /// service provider's own key on first use. None when no service provider is registered.
    pub async fn openslides_saml_settings(
        &self,
        instance_id: i64,
    ) -> Result<Option<Value>, IdentityError> {
        let db = self.db();
        let sp = match db.saml_service_provider(instance_id).await {
            Ok(sp) => sp,
            Err(store::StoreError::NotFound) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let own = match db.saml_sp_key(instance_id, self.secret_key()).await? {
            Some(own) => own,
            None => {
                let name = format!("Plenum SAML service provider {instance_id}");
                let (pem, certificate) = tokio::task::spawn_blocking(move || generate_key(&name))
                    .await
                    .map_err(|e| IdentityError::Task(e.to_string()))??;
                db.keep_saml_sp_key(instance_id, &pem, &certificate, self.secret_key())
                    .await?
            }
        };
        let private_pem = own
            .private_pem
            .expose_str()
            .ok_or_else(|| IdentityError::Key("SAML service provider key: not PEM text".into()))?
            .to_owned();
        let idp = idp_metadata(&IdpDescription {
            entity_id: &self.saml_entity_id(instance_id),
            sso_url: &self.saml_sso_url(instance_id),
            slo_url: &self.saml_slo_url(instance_id),
            certificate_b64: &self.saml_certificate().await?,
        });
        let sp = sp_metadata(&SpDescription {
            entity_id: &sp.entity_id,
            acs_url: &sp.acs_url,
            slo_url: sp.slo_url.as_deref(),
            certificate_b64: &pem_body(&own.certificate_pem),
        });
        Ok(Some(settings_body(&idp, &sp, &private_pem)))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_body_is_one_organization_update_with_every_saml_field() {
        let body = settings_body("<idp/>", "<sp/>", "-----BEGIN PRIVATE KEY-----");
        let data = &body[0]["data"][0];
        assert_eq!(body[0]["action"], "organization.update");
        assert_eq!(body.as_array().unwrap().len(), 1);
        assert_eq!(data["id"], 1);
        assert_eq!(data["saml_enabled"], true);
        assert_eq!(data["saml_metadata_idp"], "<idp/>");
        assert_eq!(data["saml_metadata_sp"], "<sp/>");
        assert_eq!(data["saml_private_key"], "-----BEGIN PRIVATE KEY-----");
        assert_eq!(data["saml_attr_mapping"]["saml_id"], "saml_id");
        assert_eq!(data["saml_login_button_text"], LOGIN_BUTTON_TEXT);
    }
}
