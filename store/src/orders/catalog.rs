//! The catalog: which template versions customers may order.

use chrono::Utc;
use domain::validation::Invalid;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};

use crate::entities::catalog_version;
use crate::error::is_unique_violation;
use crate::{Db, StoreError};

/// One template version in the catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogEntry {
    /// Its id.
    pub id: i64,
    /// Template name.
    pub template: String,
    /// Version (image tag).
    pub version: String,
    /// Offered to customers (withdrawn versions stay for the orders that name them).
    pub available: bool,
}

impl From<catalog_version::Model> for CatalogEntry {
    fn from(m: catalog_version::Model) -> Self {
        Self {
            id: m.id,
            template: m.template,
            version: m.version,
            available: m.available,
        }
    }
}

impl Db {
    /// The catalog by template and version; only offered versions unless `with_withdrawn`.
    pub async fn catalog(&self, with_withdrawn: bool) -> Result<Vec<CatalogEntry>, StoreError> {
        let mut query = catalog_version::Entity::find();
        if !with_withdrawn {
            query = query.filter(catalog_version::Column::Available.eq(true));
        }
        Ok(query
            .order_by_asc(catalog_version::Column::Template)
            .order_by_asc(catalog_version::Column::Version)
            .all(self.connection())
            .await?
            .into_iter()
            .map(CatalogEntry::from)
            .collect())
    }

    /// Offers a new version of `template` (the caller checks that the template exists). A
    /// version already listed is refused on the field `version`.
    pub async fn add_catalog_version(
        &self,
        template: &str,
        version: &str,
    ) -> Result<CatalogEntry, StoreError> {
        catalog_version::ActiveModel {
            template: Set(template.to_owned()),
            version: Set(version.to_owned()),
            available: Set(true),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(self.connection())
        .await
        .map(CatalogEntry::from)
        .map_err(|e| {
            if is_unique_violation(&e) {
                Invalid::new("version", "This version is already in the catalog.").into()
            } else {
                e.into()
            }
        })
    }

    /// Offers or withdraws catalog entry `id`.
    pub async fn set_catalog_available(
        &self,
        id: i64,
        available: bool,
    ) -> Result<CatalogEntry, StoreError> {
        let row = catalog_version::Entity::find_by_id(id)
            .one(self.connection())
            .await?
            .ok_or(StoreError::NotFound)?;
        let mut row: catalog_version::ActiveModel = row.into();
        row.available = Set(available);
        Ok(row.update(self.connection()).await?.into())
    }
}

/// Refuses a template version that is not offered, on the field that is wrong.
pub(super) async fn check_orderable(
    conn: &impl ConnectionTrait,
    template: &str,
    version: &str,
) -> Result<(), StoreError> {
    let offered = catalog_version::Entity::find()
        .filter(catalog_version::Column::Template.eq(template))
        .filter(catalog_version::Column::Available.eq(true))
        .all(conn)
        .await?;
    if offered.is_empty() {
        return Err(Invalid::new("template", "Choose a template from the catalog.").into());
    }
    if !offered.iter().any(|v| v.version == version) {
        return Err(Invalid::new(
            "version",
            format!("Version {version:?} of {template} is not offered; choose one from the list."),
        )
        .into());
    }
    Ok(())
}
