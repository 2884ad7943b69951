//! The store's error: what went wrong, separated into the cases callers treat differently.

use domain::validation::Invalid;

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The row asked for does not exist.
    #[error("not found")]
    NotFound,
    /// The change breaks a rule that needs the stored data to check (e.g. a duplicate email,
    /// the last owner of an organisation).
    #[error(transparent)]
    Rejected(#[from] Invalid),
    /// The database could not be reached or failed.
    #[error("database error: {0}")]
    Database(#[from] sea_orm::DbErr),
}

impl StoreError {
    /// Whether the error means "the database is not reachable" rather than "the data says no".
    pub fn is_unavailable(&self) -> bool {
        matches!(self, StoreError::Database(_))
    }
}

/// Whether a database error is a violated unique constraint (the row already exists).
pub(crate) fn is_unique_violation(err: &sea_orm::DbErr) -> bool {
    matches!(
        err.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}
