//! An instance's event log: what was asked for, what the engine did, how the status changed.

use chrono::{DateTime, Utc};
use domain::instance::EventKind;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use crate::entities::instance_event;
use crate::{Db, StoreError};

/// One entry of an instance's event log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceEvent {
    /// Its id (increasing).
    pub id: i64,
    /// The instance.
    pub instance_id: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// The acting user, or `None` for the engine.
    pub actor: Option<i64>,
    /// What kind of entry.
    pub kind: EventKind,
    /// What happened, in words (never a secret).
    pub message: String,
}

impl TryFrom<instance_event::Model> for InstanceEvent {
    type Error = StoreError;

    fn try_from(m: instance_event::Model) -> Result<Self, StoreError> {
        let kind = EventKind::parse(&m.kind).ok_or_else(|| {
            StoreError::Database(sea_orm::DbErr::Custom(format!(
                "instance event {}: unknown kind {:?}",
                m.id, m.kind
            )))
        })?;
        Ok(Self {
            id: m.id,
            instance_id: m.instance_id,
            at: m.at,
            actor: m.actor,
            kind,
            message: m.message,
        })
    }
}

pub(crate) async fn insert(
    conn: &impl ConnectionTrait,
    instance_id: i64,
    actor: Option<i64>,
    kind: EventKind,
    message: &str,
) -> Result<InstanceEvent, StoreError> {
    instance_event::ActiveModel {
        instance_id: Set(instance_id),
        at: Set(Utc::now()),
        actor: Set(actor),
        kind: Set(kind.as_str().to_owned()),
        message: Set(message.to_owned()),
        ..Default::default()
    }
    .insert(conn)
    .await?
    .try_into()
}

impl Db {
    /// Appends an entry to an instance's event log.
    pub async fn add_instance_event(
        &self,
        instance_id: i64,
        actor: Option<i64>,
        kind: EventKind,
        message: &str,
    ) -> Result<InstanceEvent, StoreError> {
        insert(self.connection(), instance_id, actor, kind, message).await
    }

    /// The newest `limit` entries of an instance's event log, newest first.
    pub async fn recent_instance_events(
        &self,
        instance_id: i64,
        limit: u64,
    ) -> Result<Vec<InstanceEvent>, StoreError> {
        instance_event::Entity::find()
            .filter(instance_event::Column::InstanceId.eq(instance_id))
            .order_by_desc(instance_event::Column::Id)
            .limit(limit)
            .all(self.connection())
            .await?
            .into_iter()
            .map(InstanceEvent::try_from)
            .collect()
    }

    /// The entries of an instance's event log after `after_id`, oldest first (for live
    /// updates that resume where they left off).
    pub async fn instance_events_after(
        &self,
        instance_id: i64,
        after_id: i64,
    ) -> Result<Vec<InstanceEvent>, StoreError> {
        instance_event::Entity::find()
            .filter(instance_event::Column::InstanceId.eq(instance_id))
            .filter(instance_event::Column::Id.gt(after_id))
            .order_by_asc(instance_event::Column::Id)
            .all(self.connection())
            .await?
            .into_iter()
            .map(InstanceEvent::try_from)
            .collect()
    }
}
