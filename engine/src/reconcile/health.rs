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
/// [`EntryAccess::BridgeAddress`] each running task container's `docker_gwbridge` address;
/// with [`EntryAccess::NodePort`] each task's node address and the port published there.
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
        EntryAccess::NodePort => {
            let addresses = ctx.docker.node_addresses().await?;
            running
                .iter()
                .filter_map(|t| {
                    let address = addresses.get(t.node_id.as_ref()?)?;
                    let (_, published) = t.host_ports.iter().find(|(target, _)| *target == port)?;
                    Some(format!("http://{address}:{published}"))
                })
                .collect()
        }
    })
}

/// GET `base` + `path`: healthy on 2xx (a redirect is unhealthy). With several URLs (one per task), healthy when one
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    use super::*;

    /// A one-shot HTTP server answering `status_line`; its base URL.
    async fn answering(status_line: &'static str) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            while let Ok((mut conn, _)) = listener.accept().await {
                let mut buf = [0u8; 1024];
                let _ = conn.read(&mut buf).await;
                let answer = format!(
                    "HTTP/1.1 {status_line}\r\nLocation: http://127.0.0.1:1/\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                );
                let _ = conn.write_all(answer.as_bytes()).await;
            }
        });
        base
    }

    #[tokio::test]
    async fn only_2xx_is_healthy_and_redirects_are_not_followed() {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .build()
            .unwrap();
        let ok = answering("200 OK").await;
        assert_eq!(check(&http, &[ok], "/healthz").await, EntryHealth::Healthy);
        let down = answering("503 Service Unavailable").await;
        assert_eq!(
            check(&http, std::slice::from_ref(&down), "/healthz").await,
            EntryHealth::Unhealthy("HTTP 503".to_owned())
        );
        let moved = answering("302 Found").await;
        assert_eq!(
            check(&http, &[moved], "/healthz").await,
            EntryHealth::Unhealthy("HTTP 302".to_owned())
        );
        assert_eq!(check(&http, &[], "/healthz").await, EntryHealth::NotChecked);
        // One healthy task is enough.
        let ok = answering("204 No Content").await;
        assert_eq!(
            check(&http, &[down, ok], "/healthz").await,
            EntryHealth::Healthy
        );
    }
}
