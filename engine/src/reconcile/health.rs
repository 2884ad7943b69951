//! The entry service's HTTP health check, and where Plenum reaches the entry service.

use std::time::Duration;

use domain::instance::EntryHealth;

use super::{Context, ReconcileError};
use crate::docker::TaskInfo;
use crate::settings::EntryAccess;

/// How long the health check waits for an answer.
pub const HEALTH_TIMEOUT: Duration = Duration::from_secs(3);

/// The base URLs (`http://host:port`) at which the entry service's running tasks answer.
/// With [`EntryAccess::ServiceName`] that is the service's name on the edge network; with
/// [`EntryAccess::BridgeAddress`] each running task container's `docker_gwbridge` address.
pub async fn entry_urls(
    ctx: &Context,
    service: &str,
    port: u16,
    running: &[&TaskInfo],
) -> Result<Vec<String>, ReconcileError> {
    if running.is_empty() {
        return Ok(Vec::new());
    }
    Ok(match ctx.settings.entry_access {
        EntryAccess::ServiceName => vec![format!("http://{service}:{port}")],
        EntryAccess::BridgeAddress => {
            let addresses = ctx.docker.bridge_addresses().await?;
            running
                .iter()
                .filter_map(|t| addresses.get(t.container_id.as_ref()?))
                .map(|ip| format!("http://{ip}:{port}"))
                .collect()
        }
    })
}

/// GET `base` + `path`: healthy on 2xx. With several URLs (one per task), healthy when one
/// answers.
pub async fn check(http: &reqwest::Client, bases: &[String], path: &str) -> EntryHealth {
    let Some(first) = bases.first() else {
        return EntryHealth::NotChecked;
    };
    let mut problem = String::new();
    for base in bases {
        match http.get(format!("{base}{path}")).send().await {
            Ok(answer) if answer.status().is_success() => return EntryHealth::Healthy,
            Ok(answer) => problem = format!("HTTP {}", answer.status().as_u16()),
            Err(e) if e.is_timeout() => problem = "no answer in time".to_owned(),
            Err(e) if e.is_connect() => problem = "connection refused".to_owned(),
            Err(_) => problem = format!("no answer from {first}"),
        }
    }
    EntryHealth::Unhealthy(problem)
}
