//! DNS host names: what Plenum accepts as a base domain, a public host name or a label in one.
//!
//! The rules are those of host names on the public web (RFC 1123 labels, as certificate
//! authorities and browsers accept them), case-folded to lower case:
//!
//! * one or more labels separated by `.`, at most 253 characters in all;
//! * each label 1 to 63 characters of `a-z`, `0-9` and `-`, not starting or ending with `-`;
//! * the last label is not all digits (so `10.0.0.1` is an address, not a name).
//!
//! Internationalised names are accepted in their ASCII (`xn--…`) form only; wildcards,
//! underscores, ports, schemes and trailing dots are refused.

use std::fmt;

use crate::validation::Invalid;

/// Longest DNS name in its text form.
pub const MAX_NAME_LEN: usize = 253;
/// Longest label.
pub const MAX_LABEL_LEN: usize = 63;

/// A valid DNS host name, in lower case.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DnsName(String);

impl DnsName {
    /// Parses `text` (surrounding white space ignored, case-folded) or says why it is not a
    /// DNS name, naming `field`.
    pub fn parse(field: &str, text: &str) -> Result<Self, Invalid> {
        let name = text.trim().to_ascii_lowercase();
        check_name(&name).map_err(|why| {
            Invalid::new(
                field,
                format!("\"{}\" is not a valid DNS name: {why}", text.trim()),
            )
        })?;
        Ok(Self(name))
    }

    /// `<label>.<self>`, e.g. an instance's host name under the base domain.
    pub fn child(&self, field: &str, label: &str) -> Result<Self, Invalid> {
        Self::parse(field, &format!("{label}.{}", self.0))
    }

    /// The label in front of `base` when `self` is exactly one label below it
    /// (`a.example.org` under `example.org` gives `a`; deeper names give nothing).
    pub fn label_under(&self, base: &DnsName) -> Option<&str> {
        let label = self.0.strip_suffix(base.as_str())?.strip_suffix('.')?;
        (!label.is_empty() && !label.contains('.')).then_some(label)
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DnsName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for DnsName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// Whether `label` is one valid DNS label (already in lower case).
pub fn is_label(label: &str) -> bool {
    check_label(label).is_ok()
}

fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("it is empty".to_owned());
    }
    if name.len() > MAX_NAME_LEN {
        return Err(format!(
            "it is {} characters long, at most {MAX_NAME_LEN} are allowed",
            name.len()
        ));
    }
    for label in name.split('.') {
        check_label(label)?;
    }
    if name
        .rsplit('.')
        .next()
        .is_some_and(|last| last.chars().all(|c| c.is_ascii_digit()))
    {
        return Err(
            "the last label must not be all digits (IP addresses are not names)".to_owned(),
        );
    }
    Ok(())
}

fn check_label(label: &str) -> Result<(), String> {
    if label.is_empty() {
        return Err(
            "it has an empty label (two dots in a row, or a leading or trailing dot)".to_owned(),
        );
    }
    if label.len() > MAX_LABEL_LEN {
        return Err(format!(
            "the label \"{label}\" is longer than {MAX_LABEL_LEN} characters"
        ));
    }
    if let Some(bad) = label
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
    {
        return Err(format!(
            "{bad:?} is not allowed; use letters a-z, digits 0-9, '-' and '.' between labels"
        ));
    }
    if label.starts_with('-') || label.ends_with('-') {
        return Err(format!(
            "the label \"{label}\" must not start or end with '-'"
        ));
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn accepts_host_names_and_folds_case() {
        for ok in [
            "example.org",
            "a.b.example.org",
            "localhost",
            "xn--bcher-kva.example",
            "a1-b2.test",
        ] {
            assert_eq!(DnsName::parse("f", ok).unwrap().as_str(), ok);
        }
        assert_eq!(
            DnsName::parse("f", "  Plenum.Example.ORG ")
                .unwrap()
                .as_str(),
            "plenum.example.org"
        );
    }

    #[test]
    fn refuses_what_is_not_a_dns_name_naming_the_field() {
        for bad in [
            "",
            "exa mple.org",
            "example..org",
            ".example.org",
            "example.org.",
            "-a.example.org",
            "a-.example.org",
            "*.example.org",
            "under_score.org",
            "https://example.org",
            "example.org:443",
            "10.0.0.1",
            "bücher.example",
        ] {
            let err = DnsName::parse("base_domain", bad).unwrap_err();
            assert_eq!(err.field, "base_domain", "{bad}");
            assert!(err.message.contains("not a valid DNS name"), "{bad}: {err}");
        }
        let long_label = format!("{}.org", "a".repeat(64));
        assert!(
            DnsName::parse("f", &long_label)
                .unwrap_err()
                .message
                .contains("longer than 63")
        );
        let long_name = vec!["a".repeat(63); 4].join(".") + ".org";
        assert!(
            DnsName::parse("f", &long_name)
                .unwrap_err()
                .message
                .contains("at most 253")
        );
    }

    #[test]
    fn children_and_labels() {
        let base = DnsName::parse("f", "example.org").unwrap();
        let child = base.child("slug", "Demo-1").unwrap();
        assert_eq!(child.as_str(), "demo-1.example.org");
        assert_eq!(child.label_under(&base), Some("demo-1"));
        assert_eq!(base.label_under(&base), None);
        let deep = DnsName::parse("f", "a.b.example.org").unwrap();
        assert_eq!(deep.label_under(&base), None);
        let other = DnsName::parse("f", "aexample.org").unwrap();
        assert_eq!(other.label_under(&base), None);
        assert!(base.child("slug", "no_underscores").is_err());
        assert!(is_label("abc-1"));
        assert!(!is_label("-abc"));
    }
}
