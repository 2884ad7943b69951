//! Asking for a backup or a restore of an instance: recorded in the database, then a pass
//! over the instance carries it out (see the reconciler's backup module).

use std::collections::BTreeMap;

use domain::backup::{BackupReason, BackupState, RestoreTestState};
use domain::instance::Slug;
use domain::template::builtin;
use domain::validation::Invalid;
use store::{BackupRecord, CopyPurpose, InstanceRecord};

use crate::lifecycle::prepare;
use crate::{Engine, EngineError, NewInstanceRequest};

impl Engine {
    /// Asks for a backup of instance `id` (refused while one is under way, or when its
    /// template declares none); it is taken once the instance runs.
    pub async fn back_up(
        &self,
        id: i64,
        reason: BackupReason,
        actor: Option<i64>,
    ) -> Result<BackupRecord, EngineError> {
        let db = &self.context().db;
        declares_backup(&db.instance(id).await?.template)?;
        let backup = db.request_backup(id, reason, actor).await?;
        self.reconcile_soon(id);
        Ok(backup)
    }

    /// Restores running instance `id` from its stored backup `backup`: it goes into
    /// maintenance, its data is replaced, and it starts again.
    pub async fn restore(
        &self,
        id: i64,
        backup: i64,
        actor: Option<i64>,
    ) -> Result<(), EngineError> {
        let db = &self.context().db;
        declares_backup(&db.instance(id).await?.template)?;
        db.start_restore(id, backup, actor).await?;
        self.reconcile_soon(id);
        Ok(())
    }
}

impl Engine {
    /// A new instance `name` at `slug`, in the organisation of backup `backup`'s instance,
    /// with its template and version, its own secrets, and the backup's data: it is
    /// restored before anything but its database starts (a rehearsal copy).
    pub async fn clone_backup(
        &self,
        backup: i64,
        name: &str,
        slug: Slug,
        actor: Option<i64>,
    ) -> Result<InstanceRecord, EngineError> {
        self.copy(backup, name, slug, actor, CopyPurpose::Rehearsal)
            .await
    }

    /// Starts a restore test of stored backup `backup`: a scratch copy (`rt-<backup>-<time>`)
    /// is restored from it; the web layer's tester judges it once it answers or fails,
    /// records the verdict and erases it.
    pub async fn test_restore(
        &self,
        backup: i64,
        actor: Option<i64>,
    ) -> Result<InstanceRecord, EngineError> {
        let stored = self.context().db.backup(backup).await?;
        if stored
            .test
            .is_some_and(|t| t.state == RestoreTestState::Running)
        {
            return Err(Invalid::new(
                "backup",
                format!("a restore test of backup {backup} is under way"),
            )
            .into());
        }
        let now = chrono::Utc::now().format("%Y%m%d%H%M%S%3f");
        let slug = Slug::parse(&format!("rt-{backup}-{now}"))?;
        let name = format!("Restore test of backup {backup}");
        self.copy(backup, &name, slug, actor, CopyPurpose::RestoreTest)
            .await
    }

    async fn copy(
        &self,
        backup: i64,
        name: &str,
        slug: Slug,
        actor: Option<i64>,
        purpose: CopyPurpose,
    ) -> Result<InstanceRecord, EngineError> {
        let ctx = self.context();
        let stored = ctx.db.backup(backup).await?;
        if stored.state != BackupState::Stored {
            return Err(Invalid::new("backup", format!("backup {backup} is not stored")).into());
        }
        let source = ctx.db.instance(stored.instance_id).await?;
        declares_backup(&source.template)?;
        let (new, secrets, message) = prepare(NewInstanceRequest {
            organisation_id: source.organisation_id,
            name: name.to_owned(),
            slug,
            template: source.template.clone(),
            version: source.version.clone(),
            replicas: BTreeMap::new(),
        })?;
        let copy = ctx
            .db
            .create_copy(&new, &secrets, &ctx.key, actor, &message, backup, purpose)
            .await?;
        self.reconcile_soon(copy.id);
        Ok(copy)
    }
}

fn declares_backup(template: &str) -> Result<(), EngineError> {
    if builtin(template)?.backup().is_none() {
        return Err(Invalid::new(
            "backup",
            format!("instances of template {template} cannot be backed up (it declares no backup)"),
        )
        .into());
    }
    Ok(())
}
