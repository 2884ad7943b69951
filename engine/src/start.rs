//! Starting the engine inside Plenum: key, Docker client, context, controller, handle.

use std::sync::Arc;

use store::Db;
use thiserror::Error;

use crate::controller::{Controller, ControllerHandle};
use crate::docker::{Docker, DockerError};
use crate::lifecycle::Engine;
use crate::reconcile::Context;
use crate::settings::{EngineSettings, SettingsError};

/// Why the engine could not start.
#[derive(Debug, Error)]
pub enum StartError {
    /// A setting (or the key file) is unusable.
    #[error(transparent)]
    Settings(#[from] SettingsError),
    /// The Docker client could not be set up.
    #[error(transparent)]
    Docker(#[from] DockerError),
}

/// The running engine: the handle for the web layer and the controller (aborted when
/// dropped).
pub struct RunningEngine {
    /// Lifecycle operations.
    pub engine: Engine,
    /// The controller loop.
    pub controller: ControllerHandle,
    /// The loop sampling what instances use.
    pub sampler: crate::usage::SamplerHandle,
}

/// Starts the engine when `settings.enabled`. The Docker engine need not answer yet: the
/// client connects lazily and instances show `engine unreachable` until it does.
pub fn start(db: Db, settings: &EngineSettings) -> Result<Option<RunningEngine>, StartError> {
    if !settings.enabled {
        return Ok(None);
    }
    settings.validate()?;
    let key = settings.secret_key()?;
    let docker = Docker::connect(settings)?;
    let ctx = Arc::new(Context::new(db, docker, settings.clone(), key)?);
    let controller = Controller::spawn(ctx.clone());
    let sampler = crate::usage::spawn_sampler(Arc::downgrade(&ctx));
    let engine = Engine::new(ctx, controller.trigger());
    Ok(Some(RunningEngine {
        engine,
        controller,
        sampler,
    }))
}
