//! The provider's errors: OAuth errors for clients, and failures of Plenum itself.

use serde::Serialize;

/// An OAuth 2.0 error response (RFC 6749 5.2): a code and a description for the client's
/// developer. Never carries a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{error}: {error_description}")]
pub struct OAuthError {
    /// The error code (`invalid_grant`, `invalid_client`, …).
    pub error: &'static str,
    /// What was wrong.
    pub error_description: String,
}

impl OAuthError {
    /// An error with code `error`.
    pub fn new(error: &'static str, description: impl Into<String>) -> Self {
        Self {
            error,
            error_description: description.into(),
        }
    }

    /// `invalid_request`.
    pub fn invalid_request(description: impl Into<String>) -> Self {
        Self::new("invalid_request", description)
    }

    /// `invalid_grant`: the code or refresh token is not (or no longer) usable.
    pub fn invalid_grant(description: impl Into<String>) -> Self {
        Self::new("invalid_grant", description)
    }

    /// `invalid_client`: the client is unknown or did not authenticate.
    pub fn invalid_client() -> Self {
        Self::new("invalid_client", "client authentication failed")
    }

    /// The HTTP status the error is answered with.
    pub fn status(&self) -> u16 {
        match self.error {
            "invalid_client" | "invalid_token" => 401,
            "server_error" => 500,
            _ => 400,
        }
    }
}

/// Why the provider could not do its work (not the client's fault).
#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    /// The database failed.
    #[error(transparent)]
    Store(#[from] store::StoreError),
    /// A signing key could not be made, read or used.
    #[error("signing key: {0}")]
    Key(String),
    /// A blocking task (key generation) did not finish.
    #[error("background task failed: {0}")]
    Task(String),
}

impl From<IdentityError> for OAuthError {
    fn from(e: IdentityError) -> Self {
        tracing::error!(error = %e, "identity provider failed");
        OAuthError::new("server_error", "Plenum could not complete the request")
    }
}
