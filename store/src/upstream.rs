//! Upstream OpenID Connect providers people sign in to Plenum through: the platform's (no
//! organisation) and organisations' own. The client secret is stored encrypted.

use chrono::Utc;
use domain::account::Email;
use domain::identity::upstream::{ClaimMapping, ProviderSettings};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use crate::crypto::{Binding, Sealed, SecretKey, SecretValue, open, seal};
use crate::entities::{upstream_provider, user};
use crate::{Db, NewUser, StoreError, UserRecord};

/// The password hash of accounts made through an upstream provider: no PHC string, so no
/// password ever matches it.
pub const NO_PASSWORD: &str = "!upstream";

/// A stored provider, without its secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpstreamRecord {
    /// Its id (in its sign-in URL).
    pub id: i64,
    /// The organisation whose provider it is; None for the platform's.
    pub organisation_id: Option<i64>,
    /// The name on the sign-in button.
    pub name: String,
    /// The issuer URL.
    pub issuer: String,
    /// Plenum's client id there.
    pub client_id: String,
    /// Which claims carry what.
    pub mapping: ClaimMapping,
}

impl From<upstream_provider::Model> for UpstreamRecord {
    fn from(m: upstream_provider::Model) -> Self {
        Self {
            id: m.id,
            organisation_id: m.organisation_id,
            name: m.name,
            issuer: m.issuer,
            client_id: m.client_id,
            mapping: ClaimMapping {
                email: m.claim_email,
                given_name: m.claim_given_name,
                family_name: m.claim_family_name,
            },
        }
    }
}

/// The binding of a provider's secret: its issuer and client id (the row id is not known
/// before the insert).
fn binding(issuer: &str, client_id: &str) -> Binding {
    Binding::identity("upstream-secret", &format!("{issuer} {client_id}"))
}

impl Db {
    /// Adds a provider of `organisation_id` (None: the platform's).
    pub async fn add_upstream(
        &self,
        organisation_id: Option<i64>,
        settings: &ProviderSettings,
        key: &SecretKey,
    ) -> Result<UpstreamRecord, StoreError> {
        let sealed = seal(
            key,
            &binding(&settings.issuer, &settings.client_id),
            &SecretValue::new(settings.client_secret.as_bytes()),
        )?;
        Ok(upstream_provider::ActiveModel {
            organisation_id: Set(organisation_id),
            name: Set(settings.name.clone()),
            issuer: Set(settings.issuer.clone()),
            client_id: Set(settings.client_id.clone()),
            secret_ciphertext: Set(sealed.ciphertext),
            secret_nonce: Set(sealed.nonce),
            claim_email: Set(settings.mapping.email.clone()),
            claim_given_name: Set(settings.mapping.given_name.clone()),
            claim_family_name: Set(settings.mapping.family_name.clone()),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(self.connection())
        .await?
        .into())
    }

    /// Provider `id`.
    pub async fn upstream(&self, id: i64) -> Result<UpstreamRecord, StoreError> {
        upstream_provider::Entity::find_by_id(id)
            .one(self.connection())
            .await?
            .map(UpstreamRecord::from)
            .ok_or(StoreError::NotFound)
    }

    /// The decrypted client secret of provider `id`.
    pub async fn upstream_secret(
        &self,
        id: i64,
        key: &SecretKey,
    ) -> Result<SecretValue, StoreError> {
        let row = upstream_provider::Entity::find_by_id(id)
            .one(self.connection())
            .await?
            .ok_or(StoreError::NotFound)?;
        open(
            key,
            &binding(&row.issuer, &row.client_id),
            &Sealed {
                ciphertext: row.secret_ciphertext,
                nonce: row.secret_nonce,
            },
        )
    }

    /// The providers of `organisation_id` (None: the platform's), by name.
    pub async fn upstreams(
        &self,
        organisation_id: Option<i64>,
    ) -> Result<Vec<UpstreamRecord>, StoreError> {
        let query = upstream_provider::Entity::find();
        let query = match organisation_id {
            Some(org) => query.filter(upstream_provider::Column::OrganisationId.eq(org)),
            None => query.filter(upstream_provider::Column::OrganisationId.is_null()),
        };
        Ok(query
            .order_by_asc(upstream_provider::Column::Name)
            .all(self.connection())
            .await?
            .into_iter()
            .map(UpstreamRecord::from)
            .collect())
    }

    /// Removes provider `id` of `organisation_id` (None: the platform's); NotFound when it
    /// is not one of theirs.
    pub async fn remove_upstream(
        &self,
        id: i64,
        organisation_id: Option<i64>,
    ) -> Result<(), StoreError> {
        let delete =
            upstream_provider::Entity::delete_many().filter(upstream_provider::Column::Id.eq(id));
        let delete = match organisation_id {
            Some(org) => delete.filter(upstream_provider::Column::OrganisationId.eq(org)),
            None => delete.filter(upstream_provider::Column::OrganisationId.is_null()),
        };
        if delete.exec(self.connection()).await?.rows_affected == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// The account with `email`, made (without a password, address verified) when there is
    /// none; an existing account's address is marked verified, since the provider vouched
    /// for it.
    pub async fn upstream_account(
        &self,
        email: &Email,
        given_name: &str,
        family_name: &str,
    ) -> Result<UserRecord, StoreError> {
        let user = match self.find_user_by_email(email).await {
            Ok(user) => user,
            Err(StoreError::NotFound) => {
                let created = self
                    .create_user(NewUser {
                        email: email.clone(),
                        password_hash: NO_PASSWORD.to_owned(),
                        is_staff: false,
                    })
                    .await;
                match created {
                    Ok(user) => user,
                    // Made at the same moment by another sign-in.
                    Err(StoreError::Rejected(_)) => self.find_user_by_email(email).await?,
                    Err(e) => return Err(e),
                }
            }
            Err(e) => return Err(e),
        };
        let name = |n: &str| (!n.is_empty()).then(|| n.to_owned());
        user::Entity::update_many()
            .col_expr(user::Column::EmailVerified, Expr::value(true))
            .col_expr(
                user::Column::GivenName,
                Expr::value(user.given_name.clone().or_else(|| name(given_name))),
            )
            .col_expr(
                user::Column::FamilyName,
                Expr::value(user.family_name.clone().or_else(|| name(family_name))),
            )
            .filter(user::Column::Id.eq(user.id))
            .exec(self.connection())
            .await?;
        self.find_user(user.id).await
    }
}
