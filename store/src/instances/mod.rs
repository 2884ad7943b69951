//! Instances: creating them with their encrypted secrets, reading them for the web layer and
//! the reconciler, changing their desired state optimistically (by generation), and
//! recording what the engine observed.

pub(crate) mod events;
mod placement;
mod records;
mod secrets;

pub use events::InstanceEvent;
pub use records::{DesiredChange, DesiredUpdate, InstanceRecord, NewInstance};

use std::collections::BTreeMap;

use chrono::Utc;
use domain::capacity::Phase;
use domain::instance::{EventKind, Lifecycle, Status, StatusReport};
use domain::validation::Invalid;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    QueryOrder, Set, TransactionTrait,
};

use crate::crypto::{SecretKey, SecretValue};
use crate::entities::instance;
use crate::error::is_unique_violation;
use crate::{Db, StoreError};

/// Instance `id` as read through `db` (the pool, or a transaction).
pub(crate) async fn record<C: ConnectionTrait>(
    db: &C,
    id: i64,
) -> Result<InstanceRecord, StoreError> {
    instance::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(StoreError::NotFound)
        .and_then(InstanceRecord::try_from)
}

impl Db {
    /// Creates an instance with its generated secrets (encrypted with `key`) and a first
    /// event `message`, in one transaction. A taken slug is refused on the field `slug`.
    pub async fn create_instance(
        &self,
        new: &NewInstance,
        secrets: &BTreeMap<String, SecretValue>,
        key: &SecretKey,
        actor: Option<i64>,
        message: &str,
    ) -> Result<InstanceRecord, StoreError> {
        let txn = self.connection().begin().await?;
        let model = insert_with_secrets(&txn, new, secrets, key, actor, message).await?;
        txn.commit().await?;
        InstanceRecord::try_from(model)
    }

    /// The instance with this id.
    pub async fn instance(&self, id: i64) -> Result<InstanceRecord, StoreError> {
        record(self.connection(), id).await
    }

    /// The instance with this slug.
    pub async fn instance_by_slug(&self, slug: &str) -> Result<InstanceRecord, StoreError> {
        instance::Entity::find()
            .filter(instance::Column::Slug.eq(slug))
            .one(self.connection())
            .await?
            .ok_or(StoreError::NotFound)
            .and_then(InstanceRecord::try_from)
    }

    /// Records that the instances with these slugs were in use at `at` (their
    /// `last_used_at` only moves forward). No event: uses are frequent and say nothing new.
    pub async fn record_use(
        &self,
        slugs: &[String],
        at: chrono::DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        if slugs.is_empty() {
            return Ok(0);
        }
        let result = instance::Entity::update_many()
            .col_expr(instance::Column::LastUsedAt, Expr::value(at))
            .filter(instance::Column::Slug.is_in(slugs.iter().cloned()))
            .filter(
                instance::Column::LastUsedAt
                    .is_null()
                    .or(instance::Column::LastUsedAt.lt(at)),
            )
            .exec(self.connection())
            .await?;
        Ok(result.rows_affected)
    }

    /// Lets the instance hibernate while unused, or keeps it awake, logged as `actor`'s
    /// request. Not part of the desired state the engine applies: the phase scheduler reads
    /// it, so the generation stays.
    pub async fn set_hibernation_allowed(
        &self,
        id: i64,
        allowed: bool,
        actor: Option<i64>,
    ) -> Result<InstanceRecord, StoreError> {
        // Write first: a transaction that reads before it writes cannot take SQLite's write
        // lock while the engine writes, and would fail with "database is locked".
        let txn = self.connection().begin().await?;
        let updated = instance::Entity::update_many()
            .col_expr(instance::Column::HibernateAllowed, Expr::value(allowed))
            .filter(instance::Column::Id.eq(id))
            .exec(&txn)
            .await?;
        if updated.rows_affected == 0 {
            return Err(StoreError::NotFound);
        }
        let stored = record(&txn, id).await?;
        let message = if allowed {
            "may hibernate while unused"
        } else {
            "stays awake while unused"
        };
        events::insert(&txn, id, actor, EventKind::Requested, message).await?;
        txn.commit().await?;
        Ok(stored)
    }

    /// The instances of an organisation, by name, without erased ones.
    pub async fn instances_of_org(&self, org_id: i64) -> Result<Vec<InstanceRecord>, StoreError> {
        instance::Entity::find()
            .filter(instance::Column::OrganisationId.eq(org_id))
            .filter(instance::Column::Status.ne(Status::Erased.as_str()))
            .order_by_asc(instance::Column::Name)
            .all(self.connection())
            .await?
            .into_iter()
            .map(InstanceRecord::try_from)
            .collect()
    }

    /// Every instance, erased ones included, by id (the staff overview).
    pub async fn all_instances(&self) -> Result<Vec<InstanceRecord>, StoreError> {
        instance::Entity::find()
            .order_by_asc(instance::Column::Id)
            .all(self.connection())
            .await?
            .into_iter()
            .map(InstanceRecord::try_from)
            .collect()
    }

    /// Every instance the engine still has work or watch duty for: all but those erased
    /// and observed erased. By id.
    pub async fn instances_to_reconcile(&self) -> Result<Vec<InstanceRecord>, StoreError> {
        instance::Entity::find()
            .filter(
                instance::Column::Lifecycle
                    .ne(Lifecycle::Erased.as_str())
                    .or(instance::Column::Status.ne(Status::Erased.as_str())),
            )
            .order_by_asc(instance::Column::Id)
            .all(self.connection())
            .await?
            .into_iter()
            .map(InstanceRecord::try_from)
            .collect()
    }

    /// Changes the desired state if the instance is still at `expected_generation`, bumping
    /// the generation and recording `message` as an event of `actor`, in one transaction.
    pub async fn update_desired(
        &self,
        id: i64,
        expected_generation: i64,
        change: &DesiredChange,
        actor: Option<i64>,
        message: &str,
    ) -> Result<DesiredUpdate, StoreError> {
        let txn = self.connection().begin().await?;
        let current = instance::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound)?;
        if current.generation != expected_generation {
            txn.rollback().await?;
            return InstanceRecord::try_from(current).map(DesiredUpdate::Stale);
        }
        let now = Utc::now();
        let mut row: instance::ActiveModel = current.clone().into();
        row.generation = Set(expected_generation + 1);
        row.updated_at = Set(now);
        match change {
            DesiredChange::Lifecycle(lifecycle) => {
                row.lifecycle = Set(lifecycle.as_str().to_owned());
                // Stopped on purpose while hibernated: paused now, so that no visit wakes it
                // (it counts as quiet for the calendar).
                if *lifecycle == Lifecycle::Stopped
                    && current.phase.as_deref() == Some(Phase::Hibernated.as_str())
                {
                    row.phase = Set(Some(Phase::Quiet.as_str().to_owned()));
                }
                row.removed_at = Set(match lifecycle {
                    Lifecycle::Running | Lifecycle::Stopped => None,
                    // Removal, then erasure, keeps the first removal time.
                    Lifecycle::Removed | Lifecycle::Erased => current.removed_at.or(Some(now)),
                });
            }
            DesiredChange::Version(version) => row.version = Set(version.clone()),
            DesiredChange::Replicas(replicas) => {
                row.replicas = Set(records::replicas_json(replicas));
            }
            DesiredChange::Phase {
                phase,
                lifecycle,
                replicas,
                reservations,
            } => {
                row.phase = Set(Some(phase.as_str().to_owned()));
                row.reservations = Set(records::limits_json(reservations)?);
                row.lifecycle = Set(lifecycle.as_str().to_owned());
                row.replicas = Set(records::replicas_json(replicas));
                row.removed_at = Set(None);
            }
            DesiredChange::PinPhase(pin) => {
                row.phase_pin = Set(pin.map(|p| p.as_str().to_owned()));
            }
        }
        // The generation filter makes the write conditional on PostgreSQL as well, where
        // another transaction may have bumped it since the read.
        let result = instance::Entity::update_many()
            .set(row)
            .filter(instance::Column::Id.eq(id))
            .filter(instance::Column::Generation.eq(expected_generation))
            .exec(&txn)
            .await?;
        let now_stored = record(&txn, id).await?;
        if result.rows_affected == 0 {
            txn.rollback().await?;
            return Ok(DesiredUpdate::Stale(now_stored));
        }
        events::insert(&txn, id, actor, EventKind::Requested, message).await?;
        txn.commit().await?;
        Ok(DesiredUpdate::Applied(now_stored))
    }

    /// Records what the engine observed. Writes (and logs a status event) only when the status
    /// or its reason changed; `observed_generation`, when given, is stored as well. Returns
    /// the status event when one was recorded.
    pub async fn record_status(
        &self,
        id: i64,
        report: &StatusReport,
        observed_generation: Option<i64>,
    ) -> Result<Option<InstanceEvent>, StoreError> {
        let txn = self.connection().begin().await?;
        let current = instance::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound)?;
        let status_changed =
            current.status != report.status.as_str() || current.status_reason != report.reason;
        let generation_changed =
            observed_generation.is_some_and(|g| g != current.observed_generation);
        if !status_changed && !generation_changed {
            return Ok(None);
        }
        let mut row: instance::ActiveModel = current.into();
        if let Some(generation) = observed_generation {
            row.observed_generation = Set(generation);
        }
        let mut event = None;
        if status_changed {
            row.status = Set(report.status.as_str().to_owned());
            row.status_reason = Set(report.reason.clone());
            row.status_at = Set(Utc::now());
            let message = match &report.reason {
                Some(reason) => format!("{}: {reason}", report.status),
                None => report.status.to_string(),
            };
            event = Some(events::insert(&txn, id, None, EventKind::Status, &message).await?);
        }
        row.update(&txn).await?;
        txn.commit().await?;
        Ok(event)
    }
}

/// Inserts an instance record and its first event `message` inside the caller's transaction
/// (orders create their instance in the transaction that marks them provisioned). A taken
/// slug is refused on the field `slug`. Secrets are added by the caller.
/// Inserts a new instance and its encrypted secrets (within the caller's transaction).
pub(crate) async fn insert_with_secrets(
    txn: &DatabaseTransaction,
    new: &NewInstance,
    secrets: &BTreeMap<String, SecretValue>,
    key: &SecretKey,
    actor: Option<i64>,
    message: &str,
) -> Result<instance::Model, StoreError> {
    let model = insert_instance(txn, new, actor, message).await?;
    secrets::insert(txn, key, model.id, secrets).await?;
    Ok(model)
}

pub(crate) async fn insert_instance(
    txn: &DatabaseTransaction,
    new: &NewInstance,
    actor: Option<i64>,
    message: &str,
) -> Result<instance::Model, StoreError> {
    let now = Utc::now();
    let model = instance::ActiveModel {
        organisation_id: Set(new.organisation_id),
        name: Set(new.name.clone()),
        slug: Set(new.slug.as_str().to_owned()),
        template: Set(new.template.clone()),
        version: Set(new.version.clone()),
        lifecycle: Set(new.lifecycle.as_str().to_owned()),
        replicas: Set(records::replicas_json(&new.replicas)),
        limits: Set(records::limits_json(&new.limits)?),
        generation: Set(1),
        status: Set(Status::Provisioning.as_str().to_owned()),
        status_reason: Set(Some("waiting for the engine".to_owned())),
        observed_generation: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
        status_at: Set(now),
        removed_at: Set(None),
        phase: Set(None),
        phase_pin: Set(None),
        reservations: Set(None),
        last_used_at: Set(None),
        hibernate_allowed: Set(true),
        node_id: Set(None),
        moving_to: Set(None),
        restoring_from: Set(None),
        ..Default::default()
    }
    .insert(txn)
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            Invalid::new("slug", "This address is already taken.").into()
        } else {
            StoreError::from(e)
        }
    })?;
    events::insert(txn, model.id, actor, EventKind::Requested, message).await?;
    Ok(model)
}
