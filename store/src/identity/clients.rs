//! Relying parties registered with Plenum's OpenID Connect provider.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use crate::crypto::{Binding, Sealed, SecretKey, SecretValue, open, seal};
use crate::entities::oidc_client;
use crate::error::is_unique_violation;
use crate::{Db, StoreError};
use domain::validation::Invalid;

/// A client to register. Its URIs are already checked.
pub struct NewClient {
    /// The client id (random for generated clients).
    pub client_id: String,
    /// A name people recognise.
    pub name: String,
    /// The instance whose client it is, if any.
    pub instance_id: Option<i64>,
    /// The secret of a confidential client; None for a public one (PKCE only).
    pub secret: Option<SecretValue>,
    /// Exact redirect URIs.
    pub redirect_uris: Vec<String>,
    /// Exact post-logout redirect URIs.
    pub post_logout_redirect_uris: Vec<String>,
}

/// A registered client, without its secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientRecord {
    /// The client id.
    pub client_id: String,
    /// Its name.
    pub name: String,
    /// The instance it belongs to, if any.
    pub instance_id: Option<i64>,
    /// Whether it has a secret.
    pub confidential: bool,
    /// Exact redirect URIs.
    pub redirect_uris: Vec<String>,
    /// Exact post-logout redirect URIs.
    pub post_logout_redirect_uris: Vec<String>,
}

fn uris(json: &str) -> Vec<String> {
    serde_json::from_str(json).unwrap_or_default()
}

impl From<oidc_client::Model> for ClientRecord {
    fn from(m: oidc_client::Model) -> Self {
        Self {
            confidential: m.secret_ciphertext.is_some(),
            redirect_uris: uris(&m.redirect_uris),
            post_logout_redirect_uris: uris(&m.post_logout_redirect_uris),
            client_id: m.client_id,
            name: m.name,
            instance_id: m.instance_id,
        }
    }
}

fn binding(client_id: &str) -> Binding {
    Binding::identity("client-secret", client_id)
}

fn to_json(list: &[String]) -> String {
    serde_json::Value::from(list.to_vec()).to_string()
}

impl Db {
    /// Registers a client; its secret is stored encrypted with `key`.
    pub async fn register_client(
        &self,
        new: NewClient,
        key: &SecretKey,
    ) -> Result<ClientRecord, StoreError> {
        let sealed = new
            .secret
            .as_ref()
            .map(|secret| seal(key, &binding(&new.client_id), secret))
            .transpose()?;
        let (ciphertext, nonce) = match sealed {
            Some(s) => (Some(s.ciphertext), Some(s.nonce)),
            None => (None, None),
        };
        oidc_client::ActiveModel {
            client_id: Set(new.client_id.clone()),
            name: Set(new.name),
            instance_id: Set(new.instance_id),
            secret_ciphertext: Set(ciphertext),
            secret_nonce: Set(nonce),
            redirect_uris: Set(to_json(&new.redirect_uris)),
            post_logout_redirect_uris: Set(to_json(&new.post_logout_redirect_uris)),
            created_at: Set(Utc::now()),
        }
        .insert(self.connection())
        .await
        .map(ClientRecord::from)
        .map_err(|e| {
            if is_unique_violation(&e) {
                Invalid::new("client_id", "A client with this id is already registered.").into()
            } else {
                e.into()
            }
        })
    }

    /// The client `client_id`.
    pub async fn client(&self, client_id: &str) -> Result<ClientRecord, StoreError> {
        oidc_client::Entity::find_by_id(client_id.to_owned())
            .one(self.connection())
            .await?
            .map(ClientRecord::from)
            .ok_or(StoreError::NotFound)
    }

    /// The client registered for instance `instance_id`.
    pub async fn client_of_instance(&self, instance_id: i64) -> Result<ClientRecord, StoreError> {
        oidc_client::Entity::find()
            .filter(oidc_client::Column::InstanceId.eq(instance_id))
            .one(self.connection())
            .await?
            .map(ClientRecord::from)
            .ok_or(StoreError::NotFound)
    }

    /// The decrypted secret of a confidential client (None for a public one).
    pub async fn client_secret(
        &self,
        client_id: &str,
        key: &SecretKey,
    ) -> Result<Option<SecretValue>, StoreError> {
        let row = oidc_client::Entity::find_by_id(client_id.to_owned())
            .one(self.connection())
            .await?
            .ok_or(StoreError::NotFound)?;
        match (row.secret_ciphertext, row.secret_nonce) {
            (Some(ciphertext), Some(nonce)) => {
                open(key, &binding(client_id), &Sealed { ciphertext, nonce }).map(Some)
            }
            _ => Ok(None),
        }
    }

    /// Every registered client, by name.
    pub async fn clients(&self) -> Result<Vec<ClientRecord>, StoreError> {
        Ok(oidc_client::Entity::find()
            .order_by_asc(oidc_client::Column::Name)
            .all(self.connection())
            .await?
            .into_iter()
            .map(ClientRecord::from)
            .collect())
    }

    /// Removes client `client_id` with its codes and tokens (NotFound when there is none).
    pub async fn remove_client(&self, client_id: &str) -> Result<(), StoreError> {
        let removed = oidc_client::Entity::delete_by_id(client_id.to_owned())
            .exec(self.connection())
            .await?;
        if removed.rows_affected == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }
}
