//! Incidents: recording a failed task under its group (counted once per task, by its
//! time), reading them per instance and for staff, and remembering when staff were told.

use chrono::{DateTime, Utc};
use domain::incident::IncidentKind;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
    TransactionTrait,
};

use crate::entities::incident;
use crate::error::is_unique_violation;
use crate::{Db, StoreError};

/// A group of like failures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentRecord {
    /// Its id.
    pub id: i64,
    /// The instance.
    pub instance_id: i64,
    /// The template's name of the service.
    pub service: String,
    /// What kind.
    pub kind: IncidentKind,
    /// What happened, in words.
    pub message: String,
    /// How often.
    pub count: u64,
    /// When first.
    pub first_seen: DateTime<Utc>,
    /// When last.
    pub last_seen: DateTime<Utc>,
    /// When staff were last told.
    pub notified_at: Option<DateTime<Utc>>,
}

impl TryFrom<incident::Model> for IncidentRecord {
    type Error = StoreError;

    fn try_from(m: incident::Model) -> Result<Self, StoreError> {
        let kind = IncidentKind::parse(&m.kind).ok_or_else(|| {
            StoreError::Database(sea_orm::DbErr::Custom(format!(
                "incident {}: unknown kind {:?}",
                m.id, m.kind
            )))
        })?;
        Ok(Self {
            id: m.id,
            instance_id: m.instance_id,
            service: m.service,
            kind,
            message: m.message,
            count: u64::try_from(m.count).unwrap_or(0),
            first_seen: m.first_seen,
            last_seen: m.last_seen,
            notified_at: m.notified_at,
        })
    }
}

/// One failure to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure<'a> {
    /// The instance.
    pub instance_id: i64,
    /// The template's name of the service.
    pub service: &'a str,
    /// What kind.
    pub kind: IncidentKind,
    /// What happened.
    pub message: &'a str,
    /// When (the task's time).
    pub at: DateTime<Utc>,
}

impl Db {
    /// Counts `failure` in its group unless a failure at that time or later was counted
    /// already (a task seen again in a later pass); whether it was new.
    pub async fn record_failure(&self, failure: &Failure<'_>) -> Result<bool, StoreError> {
        let message: String = failure.message.chars().take(500).collect();
        let txn = self.connection().begin().await?;
        let group = incident::Entity::find()
            .filter(incident::Column::InstanceId.eq(failure.instance_id))
            .filter(incident::Column::Service.eq(failure.service))
            .filter(incident::Column::Kind.eq(failure.kind.as_str()))
            .filter(incident::Column::Message.eq(message.as_str()))
            .one(&txn)
            .await?;
        let counted = match group {
            Some(group) if group.last_seen >= failure.at => false,
            Some(group) => {
                incident::Entity::update_many()
                    .col_expr(
                        incident::Column::Count,
                        Expr::col(incident::Column::Count).add(1),
                    )
                    .col_expr(incident::Column::LastSeen, Expr::value(failure.at))
                    .filter(incident::Column::Id.eq(group.id))
                    .filter(incident::Column::LastSeen.lt(failure.at))
                    .exec(&txn)
                    .await?
                    .rows_affected
                    == 1
            }
            None => {
                let inserted = incident::ActiveModel {
                    instance_id: Set(failure.instance_id),
                    service: Set(failure.service.to_owned()),
                    kind: Set(failure.kind.as_str().to_owned()),
                    message: Set(message),
                    count: Set(1),
                    first_seen: Set(failure.at),
                    last_seen: Set(failure.at),
                    notified_at: Set(None),
                    ..Default::default()
                }
                .insert(&txn)
                .await;
                match inserted {
                    Ok(_) => true,
                    // Another pass recorded the same failure first.
                    Err(e) if is_unique_violation(&e) => false,
                    Err(e) => return Err(e.into()),
                }
            }
        };
        txn.commit().await?;
        Ok(counted)
    }

    /// The incidents of instance `instance_id`, most recent first.
    pub async fn incidents_of(&self, instance_id: i64) -> Result<Vec<IncidentRecord>, StoreError> {
        incident::Entity::find()
            .filter(incident::Column::InstanceId.eq(instance_id))
            .order_by_desc(incident::Column::LastSeen)
            .all(self.connection())
            .await?
            .into_iter()
            .map(IncidentRecord::try_from)
            .collect()
    }

    /// The `limit` most recent incidents of all instances.
    pub async fn recent_incidents(&self, limit: u64) -> Result<Vec<IncidentRecord>, StoreError> {
        incident::Entity::find()
            .order_by_desc(incident::Column::LastSeen)
            .limit(limit)
            .all(self.connection())
            .await?
            .into_iter()
            .map(IncidentRecord::try_from)
            .collect()
    }

    /// Records that staff were told about incident `id` at `at`.
    pub async fn mark_incident_notified(
        &self,
        id: i64,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        incident::Entity::update_many()
            .col_expr(incident::Column::NotifiedAt, Expr::value(at))
            .filter(incident::Column::Id.eq(id))
            .exec(self.connection())
            .await?;
        Ok(())
    }
}
