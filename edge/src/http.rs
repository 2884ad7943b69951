//! The HTTP endpoints Plenum serves for the edge, as an axum router to merge into Plenum's:
//!
//! * `GET /edge/ask?domain=<name>`: Caddy's on-demand TLS question "may I get a certificate
//!   for this name?". 200 for host names of existing instances (and Plenum's own), 404
//!   otherwise. Requests that came through the edge's proxy (they carry
//!   `X-Forwarded-For`) are refused, so the answer is no oracle for the public.
//! * `/edge/status` (any method): the page for a host name that is not routed to a running
//!   instance; Caddy rewrites such requests here and keeps their `Host`. Unknown host → 404;
//!   stopped → "paused" (503); being prepared → "being prepared" (503, `Retry-After`,
//!   refreshes itself); failed or being removed → "unavailable" (503); running but not
//!   answering → "not answering" (503, refreshes itself, and asks the reconciler for a pass:
//!   a request here for a running instance means its route may not be loaded yet);
//!   hibernated → "waking up" (503), and the instance is woken. Every page's response
//!   carries [`EDGE_HEADER`], which the waiting pages watch for to open the instance.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use domain::dns::DnsName;
use serde::Deserialize;

use crate::config::{ASK_PATH, STATUS_PATH};
use crate::directory::{InstanceDirectory, InstanceState, Waker};
use crate::pages::{EDGE_HEADER, Page, render};
use crate::reconciler::EdgeHandle;
use crate::settings::EdgeSetup;

/// Seconds after which the "being prepared" and "not answering" pages reload themselves.
pub const REFRESH_SECONDS: u32 = 5;
/// `Retry-After` of the "unavailable" page.
const UNAVAILABLE_RETRY_SECONDS: u32 = 60;

#[derive(Debug)]
struct Pages<D, W> {
    setup: EdgeSetup,
    directory: D,
    waker: W,
    reconciler: EdgeHandle,
}

/// The router with `/edge/ask` and `/edge/status`, for any outer router state `S`:
/// `plenum_router.merge(edge::http::router(setup, directory, waker, handle))`; `handle` is
/// the running reconciler's.
pub fn router<D: InstanceDirectory, W: Waker, S: Clone + Send + Sync + 'static>(
    setup: EdgeSetup,
    directory: D,
    waker: W,
    reconciler: EdgeHandle,
) -> Router<S> {
    let state = Arc::new(Pages {
        setup,
        directory,
        waker,
        reconciler,
    });
    Router::new()
        .route(ASK_PATH, get(ask::<D, W>))
        .route(STATUS_PATH, any(status::<D, W>))
        .with_state(state)
}

#[derive(Debug, Deserialize)]
struct AskQuery {
    domain: Option<String>,
}

async fn ask<D: InstanceDirectory, W: Waker>(
    State(pages): State<Arc<Pages<D, W>>>,
    headers: HeaderMap,
    Query(query): Query<AskQuery>,
) -> Response {
    if headers.contains_key("x-forwarded-for") {
        return (StatusCode::NOT_FOUND, "not found\n").into_response();
    }
    let Some(raw) = query.domain else {
        return (StatusCode::BAD_REQUEST, "the domain parameter is missing\n").into_response();
    };
    let Ok(name) = DnsName::parse("domain", &raw) else {
        return (StatusCode::NOT_FOUND, "no\n").into_response();
    };
    if name == pages.setup.ui_hostname {
        return (StatusCode::OK, "yes\n").into_response();
    }
    let Some(slug) = pages.setup.slug_of(&name) else {
        return (StatusCode::NOT_FOUND, "no\n").into_response();
    };
    match pages.directory.instance(slug).await {
        Ok(Some(_)) => (StatusCode::OK, "yes\n").into_response(),
        Ok(None) => (StatusCode::NOT_FOUND, "no\n").into_response(),
        Err(error) => {
            tracing::warn!(%error, "edge ask: instance directory unavailable");
            (StatusCode::SERVICE_UNAVAILABLE, "try again later\n").into_response()
        }
    }
}

async fn status<D: InstanceDirectory, W: Waker>(
    State(pages): State<Arc<Pages<D, W>>>,
    headers: HeaderMap,
) -> Response {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(strip_port)
        .and_then(|h| DnsName::parse("host", h).ok());
    let slug = host.as_ref().and_then(|h| pages.setup.slug_of(h));
    let page = match slug {
        None => Page::Unknown,
        Some(slug) => match pages.directory.instance(slug).await {
            Ok(None) => Page::Unknown,
            Ok(Some(instance)) => match instance.state {
                InstanceState::Paused => Page::Paused,
                InstanceState::Preparing => Page::Preparing,
                InstanceState::Unavailable => Page::Unavailable,
                InstanceState::Running { .. } => {
                    pages.reconciler.reconcile_now();
                    Page::NotAnswering
                }
                InstanceState::Hibernated => match pages.waker.wake(slug).await {
                    Ok(()) => Page::Waking,
                    Err(error) => {
                        tracing::warn!(%error, instance = slug, "waking a hibernated instance failed");
                        Page::Unavailable
                    }
                },
            },
            Err(error) => {
                tracing::warn!(%error, "edge status page: instance directory unavailable");
                Page::Unavailable
            }
        },
    };
    let name = host.as_ref().map_or("", DnsName::as_str);
    respond(page, name)
}

fn respond(page: Page, host: &str) -> Response {
    let (status, retry_after) = match page {
        Page::Unknown => (StatusCode::NOT_FOUND, None),
        Page::Paused => (StatusCode::SERVICE_UNAVAILABLE, None),
        Page::Preparing | Page::NotAnswering | Page::Waking => {
            (StatusCode::SERVICE_UNAVAILABLE, Some(REFRESH_SECONDS))
        }
        Page::Unavailable => (
            StatusCode::SERVICE_UNAVAILABLE,
            Some(UNAVAILABLE_RETRY_SECONDS),
        ),
    };
    let mut response = (status, render(page, host, REFRESH_SECONDS)).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert("x-robots-tag", HeaderValue::from_static("noindex"));
    headers.insert(EDGE_HEADER, HeaderValue::from_static(page.kind()));
    if let Some(seconds) = retry_after {
        headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}

/// `host` without a trailing `:port`.
fn strip_port(host: &str) -> &str {
    match host.rsplit_once(':') {
        Some((name, port)) if !port.is_empty() && port.chars().all(|c| c.is_ascii_digit()) => name,
        _ => host,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_are_stripped() {
        assert_eq!(strip_port("a.example.org:18443"), "a.example.org");
        assert_eq!(strip_port("a.example.org"), "a.example.org");
        assert_eq!(strip_port("a.example.org:"), "a.example.org:");
    }
}
