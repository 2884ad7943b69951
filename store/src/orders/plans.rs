//! Plans: how each plan size sizes a template's services, and its backup policy.

use chrono::Utc;
use domain::backup::schedule::BackupPolicy;
use domain::booking::PlanSize;
use domain::order::{PlanServices, parse_sizing};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use crate::entities::plan;
use crate::{Db, StoreError};

/// One template's sizing for one plan size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanRecord {
    /// Template name.
    pub template: String,
    /// Plan size.
    pub size: PlanSize,
    /// Replicas and limits by service.
    pub services: PlanServices,
    /// Its own backup schedule and retention (None: the installation's).
    pub backup_policy: Option<BackupPolicy>,
}

impl TryFrom<plan::Model> for PlanRecord {
    type Error = StoreError;

    fn try_from(m: plan::Model) -> Result<Self, StoreError> {
        let corrupt = |what: &str| {
            StoreError::Database(sea_orm::DbErr::Custom(format!(
                "plan {}/{}: stored {what} is not valid",
                m.template, m.size
            )))
        };
        Ok(Self {
            size: m.size.parse().map_err(|_| corrupt("size"))?,
            services: parse_sizing(&m.services).map_err(|_| corrupt("services"))?,
            backup_policy: match &m.backup_policy {
                Some(json) => {
                    Some(serde_json::from_str(json).map_err(|_| corrupt("backup policy"))?)
                }
                None => None,
            },
            template: m.template,
        })
    }
}

impl Db {
    /// Every plan, by template and size name.
    pub async fn plans(&self) -> Result<Vec<PlanRecord>, StoreError> {
        plan::Entity::find()
            .order_by_asc(plan::Column::Template)
            .order_by_asc(plan::Column::Size)
            .all(self.connection())
            .await?
            .into_iter()
            .map(PlanRecord::try_from)
            .collect()
    }

    /// Sets the sizing of `template`'s `size` plan (the caller checks it against the
    /// template first).
    pub async fn set_plan(
        &self,
        template: &str,
        size: PlanSize,
        services: &PlanServices,
    ) -> Result<(), StoreError> {
        let json = serde_json::to_string(services)
            .map_err(|e| StoreError::Database(sea_orm::DbErr::Custom(e.to_string())))?;
        plan::Entity::insert(plan::ActiveModel {
            template: Set(template.to_owned()),
            size: Set(size.as_str().to_owned()),
            services: Set(json),
            updated_at: Set(Utc::now()),
            backup_policy: Set(None),
        })
        .on_conflict(
            OnConflict::columns([plan::Column::Template, plan::Column::Size])
                .update_columns([plan::Column::Services, plan::Column::UpdatedAt])
                .to_owned(),
        )
        .exec(self.connection())
        .await?;
        Ok(())
    }

    /// Sets the backup schedule and retention of `template`'s `size` plan (checked by the
    /// caller); a plan not defined yet gets the template's sizing.
    pub async fn set_plan_backup_policy(
        &self,
        template: &str,
        size: PlanSize,
        policy: &BackupPolicy,
    ) -> Result<(), StoreError> {
        let json = serde_json::to_string(policy)
            .map_err(|e| StoreError::Database(sea_orm::DbErr::Custom(e.to_string())))?;
        plan::Entity::insert(plan::ActiveModel {
            template: Set(template.to_owned()),
            size: Set(size.as_str().to_owned()),
            services: Set("{}".to_owned()),
            updated_at: Set(Utc::now()),
            backup_policy: Set(Some(json)),
        })
        .on_conflict(
            OnConflict::columns([plan::Column::Template, plan::Column::Size])
                .update_columns([plan::Column::BackupPolicy, plan::Column::UpdatedAt])
                .to_owned(),
        )
        .exec(self.connection())
        .await?;
        Ok(())
    }
}

/// The sizing of `template`'s `size` plan; empty (the template's defaults) when staff have
/// defined none.
pub(super) async fn sizing_of(
    conn: &impl ConnectionTrait,
    template: &str,
    size: PlanSize,
) -> Result<PlanServices, StoreError> {
    let row = plan::Entity::find()
        .filter(plan::Column::Template.eq(template))
        .filter(plan::Column::Size.eq(size.as_str()))
        .one(conn)
        .await?;
    match row {
        Some(row) => Ok(PlanRecord::try_from(row)?.services),
        None => Ok(PlanServices::new()),
    }
}
