//! Accounts: the rules for email addresses and passwords.

use crate::validation::{Invalid, check_max_len};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Longest accepted email address (RFC 5321's path limit).
pub const EMAIL_MAX_LEN: usize = 254;
/// Shortest accepted password.
pub const PASSWORD_MIN_LEN: usize = 10;
/// Longest accepted password (bounds the cost of hashing).
pub const PASSWORD_MAX_LEN: usize = 128;
/// The password rule, as shown to users.
pub const PASSWORD_RULE: &str =
    "Passwords need 10 to 128 characters, with at least one letter and one digit or symbol.";

/// A syntactically valid email address, trimmed and lower-cased, so that one mailbox is one account.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Email(String);

impl Email {
    /// Checks and normalises an address typed by a user; `field` names the input for the error.
    pub fn parse_field(field: &str, raw: &str) -> Result<Self, Invalid> {
        let value = raw.trim().to_lowercase();
        if value.is_empty() {
            return Err(Invalid::new(field, "Enter an email address."));
        }
        check_max_len(field, &value, EMAIL_MAX_LEN)?;
        let malformed = || {
            Invalid::new(
                field,
                "This is not a valid email address (name@example.org).",
            )
        };
        let (local, host) = value.split_once('@').ok_or_else(malformed)?;
        let host_ok = host.contains('.')
            && !host.starts_with('.')
            && !host.ends_with('.')
            && !host.contains("..")
            && host
                .chars()
                .all(|c| c.is_alphanumeric() || c == '.' || c == '-');
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || "<>()[]\\,;:@\"".contains(c));
        if !host_ok || !local_ok {
            return Err(malformed());
        }
        Ok(Self(value))
    }

    /// Checks an address given in the `email` field.
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        Self::parse_field("email", raw)
    }

    /// The normalised address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Checks a new password against [`PASSWORD_RULE`]; `field` names the input for the error.
pub fn check_new_password(field: &str, password: &str) -> Result<(), Invalid> {
    let len = password.chars().count();
    let has_letter = password.chars().any(char::is_alphabetic);
    let has_other = password
        .chars()
        .any(|c| !c.is_alphabetic() && !c.is_whitespace());
    if !(PASSWORD_MIN_LEN..=PASSWORD_MAX_LEN).contains(&len) || !has_letter || !has_other {
        return Err(Invalid::new(field, PASSWORD_RULE));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_is_trimmed_and_lowercased() {
        let email = Email::parse("  Ada@Example.ORG ").unwrap();
        assert_eq!(email.as_str(), "ada@example.org");
    }

    #[test]
    fn malformed_emails_are_refused_with_the_field_named() {
        for raw in [
            "",
            "ada",
            "ada@",
            "@example.org",
            "ada@example",
            "a b@example.org",
            "ada@exa..org",
            "ada@@example.org",
            "ada@.example.org",
        ] {
            let err = Email::parse(raw).unwrap_err();
            assert_eq!(err.field, "email", "{raw}");
        }
    }

    #[test]
    fn overlong_email_is_refused() {
        let raw = format!("{}@example.org", "a".repeat(250));
        let err = Email::parse(&raw).unwrap_err();
        assert!(err.message.contains("at most 254"), "{}", err.message);
    }

    #[test]
    fn password_rule_is_enforced() {
        assert!(check_new_password("password", "correct horse 1").is_ok());
        for weak in [
            "short1",
            "onlyletterslong",
            "1234567890123",
            &"a1".repeat(65),
        ] {
            let err = check_new_password("password", weak).unwrap_err();
            assert_eq!(err.message, PASSWORD_RULE, "{weak}");
        }
    }
}
