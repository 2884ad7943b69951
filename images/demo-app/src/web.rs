//! The HTTP surface of the demo app, without any I/O: routing, HTML escaping
//! and the rendering of the answers.
//!
//! | Request          | Answer                                                        |
//! |------------------|---------------------------------------------------------------|
//! | `GET /`          | HTML page: instance name, version, visit counter (incremented) |
//! | `GET /healthz`   | 200 `ok` when the database answers `SELECT 1`, else 503       |
//! | `GET /version`   | the version, plain text                                       |
//! | `GET /counter`   | the current count, plain text (not incremented)               |
//! | anything else    | 404 (unknown path) or 405 (known path, other method)          |
//!
//! `HEAD` is accepted wherever `GET` is, except on `/` (which has a side effect).

/// What a request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// `GET /`: the page; counts a visit.
    Index,
    /// `GET /healthz`: database health.
    Healthz,
    /// `GET /version`: the version.
    Version,
    /// `GET /counter`: the current count.
    Counter,
    /// `GET /migrations`: the versions the database was migrated to.
    Migrations,
    /// A known path with a method it does not support.
    MethodNotAllowed {
        /// Value for the `Allow` header.
        allow: &'static str,
    },
    /// An unknown path.
    NotFound,
}

/// Maps a method and a request target (path plus optional query) to a route.
pub fn route(method: &str, target: &str) -> Route {
    let path = target.split(['?', '#']).next().unwrap_or_default();
    let (route, allow) = match path {
        "/" => (Route::Index, "GET"),
        "/healthz" => (Route::Healthz, "GET, HEAD"),
        "/version" => (Route::Version, "GET, HEAD"),
        "/counter" => (Route::Counter, "GET, HEAD"),
        "/migrations" => (Route::Migrations, "GET, HEAD"),
        _ => return Route::NotFound,
    };
    let allowed = method == "GET" || (method == "HEAD" && allow.contains("HEAD"));
    if allowed {
        route
    } else {
        Route::MethodNotAllowed { allow }
    }
}

/// An answer, ready to be written by the HTTP server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// HTTP status code.
    pub status: u16,
    /// Value of the `Content-Type` header.
    pub content_type: &'static str,
    /// Extra headers (name, value).
    pub headers: Vec<(&'static str, String)>,
    /// The body.
    pub body: String,
}

impl Reply {
    /// A plain-text answer; a line break is appended to the body.
    pub fn text(status: u16, body: impl Into<String>) -> Reply {
        let mut body = body.into();
        body.push('\n');
        Reply {
            status,
            content_type: "text/plain; charset=utf-8",
            headers: Vec::new(),
            body,
        }
    }

    /// An HTML answer.
    pub fn html(status: u16, body: String) -> Reply {
        Reply {
            status,
            content_type: "text/html; charset=utf-8",
            headers: Vec::new(),
            body,
        }
    }
}

/// Escapes text for use in HTML element content and quoted attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

/// The page shown at `GET /`.
pub fn index_page(instance_name: &str, version: &str, visits: i64) -> String {
    let name = escape_html(instance_name);
    let version = escape_html(version);
    format!(
        "<!doctype html>\n\
         <html lang=\"en\">\n\
         <head><meta charset=\"utf-8\"><title>{name}</title></head>\n\
         <body>\n\
         <h1 id=\"instance\">{name}</h1>\n\
         <p>Version: <span id=\"version\">{version}</span></p>\n\
         <p>Visits: <span id=\"counter\">{visits}</span></p>\n\
         </body>\n\
         </html>\n"
    )
}

/// The answer for routes that need no database.
pub fn static_reply(route: Route, version: &str) -> Option<Reply> {
    match route {
        Route::Version => Some(Reply::text(200, version)),
        Route::NotFound => Some(Reply::text(404, "not found")),
        Route::MethodNotAllowed { allow } => {
            let mut reply = Reply::text(405, "method not allowed");
            reply.headers.push(("Allow", allow.to_owned()));
            Some(reply)
        }
        Route::Index | Route::Healthz | Route::Counter | Route::Migrations => None,
    }
}

/// The answer when the database cannot be used; `reason` must hold no secret.
pub fn unavailable(reason: &str) -> Reply {
    Reply::text(503, format!("database unavailable: {reason}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_known_paths() {
        assert_eq!(route("GET", "/"), Route::Index);
        assert_eq!(route("GET", "/?utm=1"), Route::Index);
        assert_eq!(route("GET", "/healthz"), Route::Healthz);
        assert_eq!(route("HEAD", "/healthz"), Route::Healthz);
        assert_eq!(route("GET", "/version"), Route::Version);
        assert_eq!(route("GET", "/counter?x=y"), Route::Counter);
        assert_eq!(route("GET", "/migrations"), Route::Migrations);
    }

    #[test]
    fn unknown_paths_are_not_found() {
        for target in ["/x", "/healthz/", "//", "", "/counter/1", "/index.html"] {
            assert_eq!(route("GET", target), Route::NotFound, "{target}");
        }
        assert_eq!(route("POST", "/nope"), Route::NotFound);
    }

    #[test]
    fn other_methods_are_not_allowed() {
        assert_eq!(route("POST", "/"), Route::MethodNotAllowed { allow: "GET" });
        assert_eq!(route("HEAD", "/"), Route::MethodNotAllowed { allow: "GET" });
        assert_eq!(
            route("DELETE", "/counter"),
            Route::MethodNotAllowed { allow: "GET, HEAD" }
        );
    }

    #[test]
    fn escapes_html_special_characters() {
        assert_eq!(
            escape_html(r#"<script>alert("x&y")</script> 'q'"#),
            "&lt;script&gt;alert(&quot;x&amp;y&quot;)&lt;/script&gt; &#39;q&#39;"
        );
        assert_eq!(escape_html("Städtetag Nord"), "Städtetag Nord");
    }

    #[test]
    fn page_shows_escaped_name_version_and_counter() {
        let page = index_page("<b>Rat</b>", "1.1", 42);
        assert!(page.contains("<h1 id=\"instance\">&lt;b&gt;Rat&lt;/b&gt;</h1>"));
        assert!(page.contains("<span id=\"version\">1.1</span>"));
        assert!(page.contains("<span id=\"counter\">42</span>"));
        assert!(!page.contains("<b>Rat"));
    }

    #[test]
    fn static_replies() {
        let version = static_reply(Route::Version, "1.0").expect("static");
        assert_eq!((version.status, version.body.as_str()), (200, "1.0\n"));
        assert_eq!(
            static_reply(Route::NotFound, "1.0").map(|r| r.status),
            Some(404)
        );
        let not_allowed =
            static_reply(Route::MethodNotAllowed { allow: "GET" }, "1.0").expect("static");
        assert_eq!(not_allowed.status, 405);
        assert_eq!(not_allowed.headers, vec![("Allow", "GET".to_owned())]);
        assert_eq!(static_reply(Route::Index, "1.0"), None);
        assert_eq!(static_reply(Route::Healthz, "1.0"), None);
        assert_eq!(static_reply(Route::Counter, "1.0"), None);
    }

    #[test]
    fn unavailable_is_503() {
        let reply = unavailable("connection refused");
        assert_eq!(reply.status, 503);
        assert_eq!(reply.body, "database unavailable: connection refused\n");
    }
}
