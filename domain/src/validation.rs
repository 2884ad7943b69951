//! The error every domain rule returns when input breaks it: which field, and why.

use serde::{Deserialize, Serialize};

/// A rule that input broke, named by the field it concerns so a form can show it in place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{field}: {message}")]
pub struct Invalid {
    /// The input field the message belongs to (as named in forms and server function arguments).
    pub field: String,
    /// What is wrong, in words a user understands.
    pub message: String,
}

impl Invalid {
    /// A broken rule for `field`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Refuses text longer than `max` characters (counted as Unicode scalar values).
pub fn check_max_len(field: &str, value: &str, max: usize) -> Result<(), Invalid> {
    if value.chars().count() > max {
        return Err(Invalid::new(
            field,
            format!("must be at most {max} characters long"),
        ));
    }
    Ok(())
}
