//! Cross-site request forgery protection for every state-changing request.
//!
//! Browsers mark each request with where it came from (`Sec-Fetch-Site`, and `Origin` on every
//! POST). A request with an unsafe method is refused when those headers say it came from another
//! site. Requests that carry neither header do not come from a browser, so they cannot ride on
//! a victim's cookies, and pass. Together with `SameSite=Lax` session cookies, this is the
//! defence recommended by OWASP ("verifying origin with standard headers") and the one Go's
//! `http.CrossOriginProtection` implements.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Refuses cross-site requests with unsafe methods.
pub async fn guard(request: Request<Body>, next: Next) -> Response {
    if is_safe(request.method())
        || is_same_origin(request.headers())
        || crate::oidc::CROSS_SITE_PATHS.contains(&request.uri().path())
    {
        return next.run(request).await;
    }
    tracing::warn!(path = %request.uri().path(), "cross-site request refused");
    (
        StatusCode::FORBIDDEN,
        "Cross-site request refused: this action must be started from Plenum's own pages.",
    )
        .into_response()
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Whether the browser's own headers say the request came from this site (or not from a browser).
fn is_same_origin(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        return matches!(site.as_bytes(), b"same-origin" | b"none");
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let origin_host = origin
        .to_str()
        .ok()
        .and_then(|o| o.split_once("://"))
        .map(|(_, rest)| rest);
    matches!((origin_host, host), (Some(o), Some(h)) if o.eq_ignore_ascii_case(h))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, HeaderValue::from_static(v));
        }
        map
    }

    #[test]
    fn fetch_metadata_decides_when_present() {
        assert!(is_same_origin(&headers(&[(
            "sec-fetch-site",
            "same-origin"
        )])));
        assert!(!is_same_origin(&headers(&[
            ("sec-fetch-site", "cross-site"),
            ("origin", "http://a"),
            ("host", "a")
        ])));
        assert!(!is_same_origin(&headers(&[(
            "sec-fetch-site",
            "same-site"
        )])));
    }

    #[test]
    fn origin_must_match_host() {
        assert!(is_same_origin(&headers(&[
            ("origin", "http://plenum.test:3000"),
            ("host", "plenum.test:3000")
        ])));
        assert!(!is_same_origin(&headers(&[
            ("origin", "http://evil.test"),
            ("host", "plenum.test")
        ])));
        assert!(!is_same_origin(&headers(&[
            ("origin", "null"),
            ("host", "plenum.test")
        ])));
    }

    #[test]
    fn requests_without_browser_headers_pass() {
        assert!(is_same_origin(&headers(&[("host", "plenum.test")])));
    }
}
