//! An instance's generated secrets: stored encrypted, read back for the engine, and the
//! initial administrator password revealed once.

use std::collections::BTreeMap;

use chrono::Utc;
use domain::instance::EventKind;
use domain::validation::Invalid;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, TransactionTrait,
};

use super::events;
use crate::crypto::{Binding, Sealed, SecretKey, SecretValue, open, seal};
use crate::entities::instance_secret;
use crate::{Db, StoreError};

pub(super) async fn insert(
    conn: &impl ConnectionTrait,
    key: &SecretKey,
    instance_id: i64,
    secrets: &BTreeMap<String, SecretValue>,
) -> Result<(), StoreError> {
    let now = Utc::now();
    for (name, value) in secrets {
        let sealed = seal(key, &Binding::instance_secret(instance_id, name), value)?;
        instance_secret::ActiveModel {
            instance_id: Set(instance_id),
            name: Set(name.clone()),
            ciphertext: Set(sealed.ciphertext),
            nonce: Set(sealed.nonce),
            created_at: Set(now),
            revealed_at: Set(None),
        }
        .insert(conn)
        .await?;
    }
    Ok(())
}

fn decrypt(key: &SecretKey, row: instance_secret::Model) -> Result<SecretValue, StoreError> {
    let sealed = Sealed {
        ciphertext: row.ciphertext,
        nonce: row.nonce,
    };
    open(
        key,
        &Binding::instance_secret(row.instance_id, &row.name),
        &sealed,
    )
}

impl Db {
    /// The decrypted secret values of an instance, by name.
    pub async fn instance_secrets(
        &self,
        instance_id: i64,
        key: &SecretKey,
    ) -> Result<BTreeMap<String, SecretValue>, StoreError> {
        instance_secret::Entity::find()
            .filter(instance_secret::Column::InstanceId.eq(instance_id))
            .all(self.connection())
            .await?
            .into_iter()
            .map(|row| Ok((row.name.clone(), decrypt(key, row)?)))
            .collect()
    }

    /// Adds secrets an instance lacks (a template upgrade that declares new ones); existing
    /// names are left as they are.
    pub async fn add_instance_secrets(
        &self,
        instance_id: i64,
        secrets: &BTreeMap<String, SecretValue>,
        key: &SecretKey,
    ) -> Result<(), StoreError> {
        let txn = self.connection().begin().await?;
        let existing: Vec<String> = instance_secret::Entity::find()
            .filter(instance_secret::Column::InstanceId.eq(instance_id))
            .all(&txn)
            .await?
            .into_iter()
            .map(|row| row.name)
            .collect();
        let missing: BTreeMap<String, SecretValue> = secrets
            .iter()
            .filter(|(name, _)| !existing.contains(name))
            .map(|(name, value)| (name.clone(), value.clone()))
            .collect();
        insert(&txn, key, instance_id, &missing).await?;
        txn.commit().await?;
        Ok(())
    }

    /// Returns secret `name` once and marks it revealed (with an event of `actor`); a
    /// second call is refused on the field `secret`.
    pub async fn reveal_instance_secret(
        &self,
        instance_id: i64,
        name: &str,
        key: &SecretKey,
        actor: Option<i64>,
    ) -> Result<SecretValue, StoreError> {
        let txn = self.connection().begin().await?;
        let marked = instance_secret::Entity::update_many()
            .col_expr(instance_secret::Column::RevealedAt, Expr::value(Utc::now()))
            .filter(instance_secret::Column::InstanceId.eq(instance_id))
            .filter(instance_secret::Column::Name.eq(name))
            .filter(instance_secret::Column::RevealedAt.is_null())
            .exec(&txn)
            .await?;
        let row = instance_secret::Entity::find_by_id((instance_id, name.to_owned()))
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound)?;
        if marked.rows_affected == 0 {
            return Err(Invalid::new(
                "secret",
                "The initial password has already been shown once.",
            )
            .into());
        }
        let value = decrypt(key, row)?;
        events::insert(
            &txn,
            instance_id,
            actor,
            EventKind::Requested,
            "revealed the initial administrator password",
        )
        .await?;
        txn.commit().await?;
        Ok(value)
    }

    /// Deletes an instance's stored secret values (once it is erased).
    pub async fn delete_instance_secrets(&self, instance_id: i64) -> Result<(), StoreError> {
        instance_secret::Entity::delete_many()
            .filter(instance_secret::Column::InstanceId.eq(instance_id))
            .exec(self.connection())
            .await?;
        Ok(())
    }
}
