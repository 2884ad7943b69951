//! Asking for a backup or a restore of an instance: recorded in the database, then a pass
//! over the instance carries it out (see the reconciler's backup module).

use domain::backup::BackupReason;
use domain::template::builtin;
use domain::validation::Invalid;
use store::BackupRecord;

use crate::{Engine, EngineError};

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
