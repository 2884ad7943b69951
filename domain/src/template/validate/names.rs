//! Shape checks shared by the validators: names, paths, label keys.

use crate::template::error::Issue;

/// Longest short name of a service, network, volume or secret.
pub(crate) const MAX_NAME: usize = 63;

/// Label key prefixes Plenum sets itself.
const RESERVED_LABEL_PREFIXES: [&str; 2] = ["com.docker.stack.", "org.plenum."];

/// A short name: `[A-Za-z0-9][A-Za-z0-9_-]*`, at most [`MAX_NAME`] characters.
pub(crate) fn check_name(path: &str, kind: &str, name: &str) -> Result<(), Issue> {
    let mut chars = name.chars();
    let ok = name.len() <= MAX_NAME
        && chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if ok {
        Ok(())
    } else {
        Err(Issue::at(
            path,
            format!(
                "{kind} name \"{name}\" must be 1..={MAX_NAME} characters of A-Z, a-z, 0-9, '_' and '-', starting with a letter or digit"
            ),
        ))
    }
}

/// An absolute container path without placeholders or control characters.
pub(crate) fn check_path(path: &str, value: &str) -> Result<(), Issue> {
    if value.starts_with('/') && !value.contains('{') && !value.chars().any(char::is_control) {
        Ok(())
    } else {
        Err(Issue::at(
            path,
            format!("\"{value}\" must be an absolute path (placeholders are not allowed here)"),
        ))
    }
}

/// Label or environment keys: non-empty, no whitespace, `=` or placeholders; label keys
/// must also stay clear of the prefixes Plenum sets itself.
pub(crate) fn check_keys<'a>(
    path: &str,
    keys: impl IntoIterator<Item = &'a String>,
    labels: bool,
) -> Result<(), Issue> {
    for key in keys {
        if key.is_empty() || key.contains(['=', '{']) || key.chars().any(char::is_whitespace) {
            return Err(Issue::at(
                format!("{path}.{key}"),
                "keys must be non-empty without whitespace, '=' or placeholders",
            ));
        }
        if labels
            && let Some(prefix) = RESERVED_LABEL_PREFIXES
                .iter()
                .find(|prefix| key.starts_with(*prefix))
        {
            return Err(Issue::at(
                format!("{path}.{key}"),
                format!("label keys starting with \"{prefix}\" are reserved for Plenum"),
            ));
        }
    }
    Ok(())
}
