//! Plenum's SAML 2.0 identity provider: its one long-lived key with the self-signed
//! certificate service providers pin (the private key stored encrypted), and the service
//! provider registered for each instance.

use chrono::{DateTime, Utc};
use domain::validation::Invalid;
use sea_orm::sea_query::Expr;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use crate::crypto::{Binding, Sealed, SecretKey, SecretValue, open, seal};
use crate::entities::{instance, saml_idp_key, saml_service_provider};
use crate::error::is_unique_violation;
use crate::{Db, StoreError};

/// The identity provider's key with its decrypted private part.
#[derive(Debug, Clone)]
pub struct SamlIdpKeyRecord {
    /// The row's id.
    pub id: String,
    /// The private key (PEM). Never logged.
    pub private_pem: SecretValue,
    /// The self-signed certificate (PEM), as published in the metadata.
    pub certificate_pem: String,
    /// When it was made.
    pub created_at: DateTime<Utc>,
}

/// The SAML service provider registered for an instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SamlServiceProviderRecord {
    /// The instance it belongs to.
    pub instance_id: i64,
    /// Its entity id: the issuer of its requests and the audience of Plenum's assertions.
    pub entity_id: String,
    /// Where responses are posted (HTTP-POST binding).
    pub acs_url: String,
    /// Where logout requests are posted (HTTP-POST binding), if anywhere.
    pub slo_url: Option<String>,
    /// When it was first registered.
    pub created_at: DateTime<Utc>,
    /// The digest of the settings last written into the instance.
    pub configured_digest: Option<String>,
    /// When writing them last failed.
    pub configure_failed_at: Option<DateTime<Utc>>,
}

/// A service provider's own key: what OpenSlides calls `saml_private_key`, with the
/// certificate its metadata publishes.
#[derive(Debug, Clone)]
pub struct SamlSpKeyRecord {
    /// The private key (PEM). Never logged.
    pub private_pem: SecretValue,
    /// Its self-signed certificate (PEM).
    pub certificate_pem: String,
}

impl From<saml_service_provider::Model> for SamlServiceProviderRecord {
    fn from(m: saml_service_provider::Model) -> Self {
        Self {
            instance_id: m.instance_id,
            entity_id: m.entity_id,
            acs_url: m.acs_url,
            slo_url: m.slo_url,
            created_at: m.created_at,
            configured_digest: m.configured_digest,
            configure_failed_at: m.configure_failed_at,
        }
    }
}

fn binding(id: &str) -> Binding {
    Binding::identity("saml-idp-key", id)
}

fn sp_binding(instance_id: i64) -> Binding {
    Binding::identity("saml-sp-key", &instance_id.to_string())
}

impl Db {
    /// The identity provider's key (the oldest, should there ever be more than one),
    /// decrypted with `key`; None before the first one is made.
    pub async fn saml_idp_key(
        &self,
        key: &SecretKey,
    ) -> Result<Option<SamlIdpKeyRecord>, StoreError> {
        let Some(row) = saml_idp_key::Entity::find()
            .order_by_asc(saml_idp_key::Column::CreatedAt)
            .order_by_asc(saml_idp_key::Column::Id)
            .one(self.connection())
            .await?
        else {
            return Ok(None);
        };
        let private_pem = open(
            key,
            &binding(&row.id),
            &Sealed {
                ciphertext: row.private_ciphertext,
                nonce: row.nonce,
            },
        )?;
        Ok(Some(SamlIdpKeyRecord {
            id: row.id,
            private_pem,
            certificate_pem: row.certificate_pem,
            created_at: row.created_at,
        }))
    }

    /// Stores a new identity provider key under `id` unless a row with that id exists (two
    /// processes that made one at the same time keep the first), and returns the key that is
    /// stored.
    pub async fn keep_saml_idp_key(
        &self,
        id: &str,
        private_pem: &SecretValue,
        certificate_pem: &str,
        key: &SecretKey,
    ) -> Result<SamlIdpKeyRecord, StoreError> {
        let sealed = seal(key, &binding(id), private_pem)?;
        let row = saml_idp_key::ActiveModel {
            id: Set(id.to_owned()),
            private_ciphertext: Set(sealed.ciphertext),
            nonce: Set(sealed.nonce),
            certificate_pem: Set(certificate_pem.to_owned()),
            created_at: Set(Utc::now()),
        };
        saml_idp_key::Entity::insert(row)
            .on_conflict(
                OnConflict::column(saml_idp_key::Column::Id)
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(self.connection())
            .await?;
        self.saml_idp_key(key).await?.ok_or(StoreError::NotFound)
    }

    /// Registers the service provider of instance `instance_id`, replacing the one it had.
    /// The values must already be checked. NotFound when there is no such instance; Rejected
    /// when another instance's service provider has the entity id.
    pub async fn register_saml_service_provider(
        &self,
        instance_id: i64,
        entity_id: &str,
        acs_url: &str,
        slo_url: Option<&str>,
    ) -> Result<SamlServiceProviderRecord, StoreError> {
        instance::Entity::find_by_id(instance_id)
            .one(self.connection())
            .await?
            .ok_or(StoreError::NotFound)?;
        let row = saml_service_provider::ActiveModel {
            instance_id: Set(instance_id),
            entity_id: Set(entity_id.to_owned()),
            acs_url: Set(acs_url.to_owned()),
            slo_url: Set(slo_url.map(str::to_owned)),
            created_at: Set(Utc::now()),
            ..Default::default()
        };
        saml_service_provider::Entity::insert(row)
            .on_conflict(
                OnConflict::column(saml_service_provider::Column::InstanceId)
                    .update_columns([
                        saml_service_provider::Column::EntityId,
                        saml_service_provider::Column::AcsUrl,
                        saml_service_provider::Column::SloUrl,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(self.connection())
            .await
            .map_err(|e| -> StoreError {
                if is_unique_violation(&e) {
                    Invalid::new(
                        "entity_id",
                        "Another instance's service provider has this entity id.",
                    )
                    .into()
                } else {
                    e.into()
                }
            })?;
        self.saml_service_provider(instance_id).await
    }

    /// The service provider of instance `instance_id` (NotFound when it has none).
    pub async fn saml_service_provider(
        &self,
        instance_id: i64,
    ) -> Result<SamlServiceProviderRecord, StoreError> {
        saml_service_provider::Entity::find_by_id(instance_id)
            .one(self.connection())
            .await?
            .map(SamlServiceProviderRecord::from)
            .ok_or(StoreError::NotFound)
    }

    /// Removes the service provider of instance `instance_id` (NotFound when it has none).
    pub async fn remove_saml_service_provider(&self, instance_id: i64) -> Result<(), StoreError> {
        let removed = saml_service_provider::Entity::delete_by_id(instance_id)
            .exec(self.connection())
            .await?;
        if removed.rows_affected == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }
    /// The own key of instance `instance_id`'s service provider, decrypted with `key`; None
    /// before it is made. NotFound when the instance has no service provider.
    pub async fn saml_sp_key(
        &self,
        instance_id: i64,
        key: &SecretKey,
    ) -> Result<Option<SamlSpKeyRecord>, StoreError> {
        let row = saml_service_provider::Entity::find_by_id(instance_id)
            .one(self.connection())
            .await?
            .ok_or(StoreError::NotFound)?;
        let (Some(ciphertext), Some(nonce), Some(certificate_pem)) = (
            row.sp_key_ciphertext,
            row.sp_key_nonce,
            row.sp_certificate_pem,
        ) else {
            return Ok(None);
        };
        let private_pem = open(key, &sp_binding(instance_id), &Sealed { ciphertext, nonce })?;
        Ok(Some(SamlSpKeyRecord {
            private_pem,
            certificate_pem,
        }))
    }

    /// Stores `private_pem` and `certificate_pem` as the service provider's own key unless it
    /// has one already (the first one stored wins); returns the key it has.
    pub async fn keep_saml_sp_key(
        &self,
        instance_id: i64,
        private_pem: &SecretValue,
        certificate_pem: &str,
        key: &SecretKey,
    ) -> Result<SamlSpKeyRecord, StoreError> {
        let sealed = seal(key, &sp_binding(instance_id), private_pem)?;
        saml_service_provider::Entity::update_many()
            .col_expr(
                saml_service_provider::Column::SpKeyCiphertext,
                Expr::value(sealed.ciphertext),
            )
            .col_expr(
                saml_service_provider::Column::SpKeyNonce,
                Expr::value(sealed.nonce),
            )
            .col_expr(
                saml_service_provider::Column::SpCertificatePem,
                Expr::value(certificate_pem.to_owned()),
            )
            .filter(saml_service_provider::Column::InstanceId.eq(instance_id))
            .filter(saml_service_provider::Column::SpKeyCiphertext.is_null())
            .exec(self.connection())
            .await?;
        self.saml_sp_key(instance_id, key)
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// Records how writing the settings into instance `instance_id` went: `Ok(digest)` when
    /// the settings with `digest` were written (clearing a failure), `Err(at)` when it failed
    /// at `at`.
    pub async fn record_saml_configuration(
        &self,
        instance_id: i64,
        outcome: Result<&str, DateTime<Utc>>,
    ) -> Result<(), StoreError> {
        let update = saml_service_provider::Entity::update_many();
        let update = match outcome {
            Ok(digest) => update
                .col_expr(
                    saml_service_provider::Column::ConfiguredDigest,
                    Expr::value(digest.to_owned()),
                )
                .col_expr(
                    saml_service_provider::Column::ConfigureFailedAt,
                    Expr::value(Option::<DateTime<Utc>>::None),
                ),
            Err(at) => update.col_expr(
                saml_service_provider::Column::ConfigureFailedAt,
                Expr::value(at),
            ),
        };
        let result = update
            .filter(saml_service_provider::Column::InstanceId.eq(instance_id))
            .exec(self.connection())
            .await?;
        if result.rows_affected == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    async fn db() -> (Db, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
        let db = Db::connect(&url).await.unwrap();
        db.migrate().await.unwrap();
        (db, dir)
    }

    #[tokio::test]
    async fn the_first_key_stays_and_opens_only_with_the_database_key() {
        let (db, _dir) = db().await;
        let key = SecretKey::from_bytes([3; 32]);
        assert!(db.saml_idp_key(&key).await.unwrap().is_none());
        let first = db
            .keep_saml_idp_key("idp", &SecretValue::new("pem-1"), "cert-1", &key)
            .await
            .unwrap();
        assert_eq!(first.private_pem, SecretValue::new("pem-1"));
        let second = db
            .keep_saml_idp_key("idp", &SecretValue::new("pem-2"), "cert-2", &key)
            .await
            .unwrap();
        assert_eq!(second.certificate_pem, "cert-1", "the first key is kept");
        assert_eq!(second.private_pem, SecretValue::new("pem-1"));
        let other = SecretKey::from_bytes([4; 32]);
        assert!(db.saml_idp_key(&other).await.is_err());
    }
}
