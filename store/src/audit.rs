//! The audit trail: recording a state-changing request, and reading the trail newest first,
//! filtered, a page at a time.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use crate::entities::audit_entry;
use crate::{Db, StoreError};

/// An entry to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAuditEntry {
    /// Who (None: nobody was signed in, e.g. a failed sign-in).
    pub actor_id: Option<i64>,
    /// Their email then.
    pub actor_email: Option<String>,
    /// From where.
    pub address: Option<String>,
    /// What: the endpoint.
    pub action: String,
    /// The organisation concerned.
    pub organisation_id: Option<i64>,
    /// The recorded fields, as a JSON object.
    pub details: String,
    /// The HTTP status of the answer.
    pub outcome: u16,
}

/// A recorded entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// Its id (increasing).
    pub id: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// The rest, as recorded.
    pub entry: NewAuditEntry,
}

/// Which entries to read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Only this organisation's.
    pub organisation_id: Option<i64>,
    /// Only actors whose email contains this.
    pub actor: Option<String>,
    /// Only actions that contain this.
    pub action: Option<String>,
    /// Only entries older than this id (the next page).
    pub before: Option<i64>,
}

impl Db {
    /// Records `entry` now.
    pub async fn record_audit(&self, entry: &NewAuditEntry) -> Result<(), StoreError> {
        audit_entry::ActiveModel {
            at: Set(Utc::now()),
            actor_id: Set(entry.actor_id),
            actor_email: Set(entry.actor_email.clone()),
            address: Set(entry.address.clone()),
            action: Set(entry.action.clone()),
            organisation_id: Set(entry.organisation_id),
            details: Set(entry.details.clone()),
            outcome: Set(i32::from(entry.outcome)),
            ..Default::default()
        }
        .insert(self.connection())
        .await?;
        Ok(())
    }

    /// The newest `limit` entries that `filter` lets through, newest first.
    pub async fn audit_entries(
        &self,
        filter: &AuditFilter,
        limit: u64,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let mut query = audit_entry::Entity::find();
        if let Some(org) = filter.organisation_id {
            query = query.filter(audit_entry::Column::OrganisationId.eq(org));
        }
        if let Some(actor) = filter.actor.as_deref().filter(|a| !a.is_empty()) {
            query = query.filter(audit_entry::Column::ActorEmail.contains(actor.to_lowercase()));
        }
        if let Some(action) = filter.action.as_deref().filter(|a| !a.is_empty()) {
            query = query.filter(audit_entry::Column::Action.contains(action));
        }
        if let Some(before) = filter.before {
            query = query.filter(audit_entry::Column::Id.lt(before));
        }
        Ok(query
            .order_by_desc(audit_entry::Column::Id)
            .limit(limit)
            .all(self.connection())
            .await?
            .into_iter()
            .map(|m| AuditEntry {
                id: m.id,
                at: m.at,
                entry: NewAuditEntry {
                    actor_id: m.actor_id,
                    actor_email: m.actor_email,
                    address: m.address,
                    action: m.action,
                    organisation_id: m.organisation_id,
                    details: m.details,
                    outcome: u16::try_from(m.outcome).unwrap_or(0),
                },
            })
            .collect())
    }
}
