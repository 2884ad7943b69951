//! Slugs: the DNS label an instance is reached under (`<slug>.<domain>`).

use std::fmt;

use crate::validation::Invalid;

/// Fewest characters of a slug.
pub const SLUG_MIN_LEN: usize = 3;
/// Most characters of a slug.
pub const SLUG_MAX_LEN: usize = 40;

/// Names kept for Plenum itself and common infrastructure host names.
pub const RESERVED_SLUGS: &[&str] = &[
    "admin",
    "api",
    "app",
    "assets",
    "auth",
    "cdn",
    "dashboard",
    "docs",
    "edge",
    "ftp",
    "help",
    "imap",
    "internal",
    "localhost",
    "login",
    "mail",
    "manage",
    "metrics",
    "ns1",
    "ns2",
    "plenum",
    "pop",
    "pop3",
    "proxy",
    "root",
    "smtp",
    "static",
    "status",
    "support",
    "swarm",
    "system",
    "test",
    "webmail",
    "www",
];

/// A checked slug: 3–40 lowercase ASCII letters, digits and hyphens, starting with a letter,
/// not ending with a hyphen, without two hyphens in a row, and not reserved.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Slug(String);

impl Slug {
    /// Checks `raw` (trimmed; upper case is refused rather than folded, so what the customer
    /// typed is what they get).
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let slug = raw.trim();
        let fail = |message: &str| Err(Invalid::new("slug", message));
        let len = slug.chars().count();
        if !(SLUG_MIN_LEN..=SLUG_MAX_LEN).contains(&len) {
            return fail("The address must be 3 to 40 characters long.");
        }
        if !slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return fail("Use only lowercase letters a–z, digits and hyphens.");
        }
        if !slug.starts_with(|c: char| c.is_ascii_lowercase()) {
            return fail("The address must start with a letter.");
        }
        if slug.ends_with('-') || slug.contains("--") {
            return fail("Hyphens may not end the address or stand twice in a row.");
        }
        if RESERVED_SLUGS.contains(&slug) {
            return fail("This address is reserved; choose another.");
        }
        Ok(Self(slug.to_owned()))
    }

    /// The slug as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn good_slugs_pass() {
        for ok in ["abc", "verein-42", "a1b", &"x".repeat(40)] {
            assert_eq!(Slug::parse(ok).unwrap().as_str(), ok);
        }
        assert_eq!(Slug::parse("  town ").unwrap().as_str(), "town");
    }

    #[test]
    fn bad_slugs_are_refused_with_the_field() {
        for bad in [
            "ab",
            &"x".repeat(41),
            "Town",
            "tö",
            "1abc",
            "-abc",
            "abc-",
            "a--b",
            "a_b",
            "a.b",
            "www",
            "admin",
            "api",
        ] {
            let err = Slug::parse(bad).unwrap_err();
            assert_eq!(err.field, "slug", "{bad}");
        }
    }
}
