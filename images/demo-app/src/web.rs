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

use crate::oidc::User;

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
    /// `GET /oidc/login`: start a sign-in.
    Login,
    /// `GET /oidc/callback`: the provider's authorization response.
    Callback,
    /// `GET /oidc/logout`: sign out.
    Logout,
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
        "/oidc/login" => (Route::Login, "GET"),
        "/oidc/callback" => (Route::Callback, "GET"),
        "/oidc/logout" => (Route::Logout, "GET"),
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

    /// A `302 Found` to `location` (which must be ASCII: percent-encode it).
    pub fn redirect(location: impl Into<String>) -> Reply {
        let mut reply = Reply::text(302, "redirecting");
        reply.headers.push(("Location", location.into()));
        reply
    }

    /// The same answer, also setting a cookie (a `Set-Cookie` value).
    pub fn with_cookie(mut self, set_cookie: String) -> Reply {
        self.headers.push(("Set-Cookie", set_cookie));
        self
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

/// Who is signed in, as far as the page is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignIn<'a> {
    /// OpenID Connect is not configured: no sign-in on the page.
    Off,
    /// Nobody is signed in: the page offers "Sign in".
    SignedOut,
    /// This person is signed in.
    SignedIn(&'a User),
}

/// The page shown at `GET /`.
pub fn index_page(instance_name: &str, version: &str, visits: i64, sign_in: SignIn<'_>) -> String {
    let name = escape_html(instance_name);
    let version = escape_html(version);
    let account = account_section(sign_in);
    format!(
        "<!doctype html>\n\
         <html lang=\"en\">\n\
         <head><meta charset=\"utf-8\"><title>{name}</title></head>\n\
         <body>\n\
         <h1 id=\"instance\">{name}</h1>\n\
         <p>Version: <span id=\"version\">{version}</span></p>\n\
         <p>Visits: <span id=\"counter\">{visits}</span></p>\n\
         {account}\
         </body>\n\
         </html>\n"
    )
}

/// The page's part about signing in (empty when sign-in is off).
fn account_section(sign_in: SignIn<'_>) -> String {
    match sign_in {
        SignIn::Off => String::new(),
        SignIn::SignedOut => {
            "<p><a id=\"sign-in\" href=\"/oidc/login\">Sign in</a></p>\n".to_owned()
        }
        SignIn::SignedIn(user) => {
            let shown = escape_html(user.display_name());
            let email = match &user.email {
                Some(email) => format!(" ({})", escape_html(email)),
                None => String::new(),
            };
            let role = escape_html(user.role.as_deref().unwrap_or_default());
            format!(
                "<p id=\"signed-in\">Signed in as {shown}{email}</p>\n\
                 <p>Role: <span id=\"role\">{role}</span></p>\n\
                 <p><a id=\"sign-out\" href=\"/oidc/logout\">Sign out</a></p>\n"
            )
        }
    }
}

/// An error page of the sign-in: `heading`, then `message` (both escaped)
/// and a link back to the start page.
pub fn failure_page(status: u16, heading: &str, message: &str) -> Reply {
    let heading = escape_html(heading);
    let message = escape_html(message);
    Reply::html(
        status,
        format!(
            "<!doctype html>\n\
             <html lang=\"en\">\n\
             <head><meta charset=\"utf-8\"><title>{heading}</title></head>\n\
             <body>\n\
             <h1>{heading}</h1>\n\
             <p id=\"error\">{message}</p>\n\
             <p><a href=\"/\">Back to the start page</a></p>\n\
             </body>\n\
             </html>\n"
        ),
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
        Route::Index
        | Route::Healthz
        | Route::Counter
        | Route::Migrations
        | Route::Login
        | Route::Callback
        | Route::Logout => None,
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
        assert_eq!(route("GET", "/oidc/login"), Route::Login);
        assert_eq!(
            route("GET", "/oidc/callback?code=c&state=s"),
            Route::Callback
        );
        assert_eq!(route("GET", "/oidc/logout"), Route::Logout);
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
        assert_eq!(
            route("POST", "/oidc/callback"),
            Route::MethodNotAllowed { allow: "GET" }
        );
        assert_eq!(
            route("HEAD", "/oidc/login"),
            Route::MethodNotAllowed { allow: "GET" }
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
        let page = index_page("<b>Rat</b>", "1.1", 42, SignIn::Off);
        assert!(page.contains("<h1 id=\"instance\">&lt;b&gt;Rat&lt;/b&gt;</h1>"));
        assert!(page.contains("<span id=\"version\">1.1</span>"));
        assert!(page.contains("<span id=\"counter\">42</span>"));
        assert!(!page.contains("<b>Rat"));
        assert!(!page.contains("sign-in"), "no sign-in without OIDC");
        assert!(!page.contains("/oidc/"));
    }

    #[test]
    fn signed_out_page_offers_sign_in() {
        let page = index_page("Rat", "1.1", 1, SignIn::SignedOut);
        assert!(page.contains("<a id=\"sign-in\" href=\"/oidc/login\">Sign in</a>"));
        assert!(!page.contains("signed-in"));
    }

    #[test]
    fn signed_in_page_shows_escaped_name_email_and_role() {
        let user = User {
            sub: "7".to_owned(),
            name: Some("Ann <script>\"O'Neil\"</script>".to_owned()),
            email: Some("ann&bob@example.org".to_owned()),
            role: Some("participant".to_owned()),
        };
        let page = index_page("Rat", "1.1", 1, SignIn::SignedIn(&user));
        assert!(page.contains(
            "<p id=\"signed-in\">Signed in as Ann &lt;script&gt;&quot;O&#39;Neil&quot;&lt;/script&gt; \
             (ann&amp;bob@example.org)</p>"
        ));
        assert!(page.contains("<span id=\"role\">participant</span>"));
        assert!(page.contains("<a id=\"sign-out\" href=\"/oidc/logout\">Sign out</a>"));
        assert!(!page.contains("<script>"));
        assert!(!page.contains("id=\"sign-in\""));

        let no_name = User {
            name: None,
            role: Some("admin".to_owned()),
            ..user
        };
        let page = index_page("Rat", "1.1", 1, SignIn::SignedIn(&no_name));
        assert!(page.contains("Signed in as ann&amp;bob@example.org (ann&amp;bob@example.org)"));
        assert!(page.contains("<span id=\"role\">admin</span>"));
    }

    #[test]
    fn failure_pages_are_escaped() {
        let reply = failure_page(403, "Sign-in refused", "access_denied: <no> access");
        assert_eq!(reply.status, 403);
        assert!(
            reply
                .body
                .contains("<p id=\"error\">access_denied: &lt;no&gt; access</p>")
        );
        assert!(reply.content_type.starts_with("text/html"));
    }

    #[test]
    fn redirects_and_cookies() {
        let reply = Reply::redirect("/").with_cookie("a=b".to_owned());
        assert_eq!(reply.status, 302);
        assert_eq!(
            reply.headers,
            vec![
                ("Location", "/".to_owned()),
                ("Set-Cookie", "a=b".to_owned())
            ]
        );
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
        assert_eq!(static_reply(Route::Callback, "1.0"), None);
    }

    #[test]
    fn unavailable_is_503() {
        let reply = unavailable("connection refused");
        assert_eq!(reply.status, 503);
        assert_eq!(reply.body, "database unavailable: connection refused\n");
    }
}
