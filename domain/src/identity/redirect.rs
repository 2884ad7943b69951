//! Where Plenum may send a browser: registered redirect URIs of relying parties, and the
//! local page a sign-in returns to. Nothing else, so no open redirect.

use url::Url;

use crate::validation::Invalid;

/// Checks a redirect or post-logout URI a client is registered with: an absolute `https`
/// URL without fragment, or `http` on a loopback host (RFC 8252, for development and tests).
pub fn check_redirect_uri(field: &str, raw: &str) -> Result<String, Invalid> {
    let raw = raw.trim();
    let url = Url::parse(raw).map_err(|_| {
        Invalid::new(
            field,
            format!("{raw:?} is not an absolute URL such as https://example.org/callback."),
        )
    })?;
    if url.fragment().is_some() {
        return Err(Invalid::new(
            field,
            "A redirect URI must not contain a fragment (#…).",
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Invalid::new(
            field,
            "A redirect URI must not contain a user name or password.",
        ));
    }
    let loopback = matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
    match url.scheme() {
        "https" => Ok(raw.to_owned()),
        "http" if loopback => Ok(raw.to_owned()),
        _ => Err(Invalid::new(
            field,
            "A redirect URI must use https (http only for localhost).",
        )),
    }
}

/// Whether `requested` equals one of the `registered` URIs exactly (no prefix or pattern
/// matching: OAuth 2.0 Security BCP, section 4.1).
pub fn matches_registered(requested: &str, registered: &[String]) -> bool {
    registered.iter().any(|uri| uri == requested)
}

/// The local path a sign-in may return to: it must start with a single `/` and hold only
/// printable ASCII (percent-encoded otherwise) and no backslash, so it can never name another
/// host (`//evil`, `/\evil`) and is always a valid `Location` header.
pub fn safe_local_path(next: &str) -> Option<&str> {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && next.bytes().all(|b| b.is_ascii_graphic())
        && next.len() <= 4096;
    ok.then_some(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_uris_must_be_https_or_loopback_http() {
        assert!(check_redirect_uri("r", "https://a.example.org/cb?x=1").is_ok());
        assert!(check_redirect_uri("r", "http://127.0.0.1:8080/cb").is_ok());
        assert!(check_redirect_uri("r", "http://localhost/cb").is_ok());
        for bad in [
            "http://a.example.org/cb",
            "https://a.example.org/cb#frag",
            "https://user:pw@a.example.org/cb",
            "/relative",
            "javascript:alert(1)",
        ] {
            let err = check_redirect_uri("redirect_uris", bad).unwrap_err();
            assert_eq!(err.field, "redirect_uris", "{bad}");
        }
    }

    #[test]
    fn redirect_uris_match_exactly() {
        let registered = vec!["https://a.example.org/cb".to_owned()];
        assert!(matches_registered("https://a.example.org/cb", &registered));
        for other in [
            "https://a.example.org/cb/",
            "https://a.example.org/cb?x",
            "https://a.example.org/CB",
            "https://a.example.org.evil.net/cb",
        ] {
            assert!(!matches_registered(other, &registered), "{other}");
        }
    }

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(
            safe_local_path("/oidc/authorize?x=1"),
            Some("/oidc/authorize?x=1")
        );
        for bad in [
            "//evil.example",
            "/\\evil.example",
            "https://evil.example",
            "evil",
            "/a\nb",
            "/a b",
            "/caf\u{e9}",
        ] {
            assert_eq!(safe_local_path(bad), None, "{bad}");
        }
    }
}
