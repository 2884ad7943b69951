//! What an instance uses (CPU and working-set memory, sampled by the engine), for its
//! members. Another organisation's instance is not found, like an unknown id.

use crate::dto::UsageView;
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::server::{respond, state};

/// Instance `id`'s samples of the last hour (members); empty without the engine.
#[server(name = InstanceUsage, prefix = "/api", endpoint = "instances/usage")]
pub async fn instance_usage(id: i64) -> Result<UsageView, AppError> {
    respond(
        async {
            let state = state()?;
            crate::server::instances::authorize_viewer(&state, id).await?;
            Ok(state
                .engine
                .as_ref()
                .map(|engine| engine.usage(id).into())
                .unwrap_or_default())
        }
        .await,
    )
}
