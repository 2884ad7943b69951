//! The one error type server functions return: it crosses to the browser as JSON and is shown
//! to people as words, next to the field it concerns where there is one.

use serde::{Deserialize, Serialize};
use server_fn::codec::JsonEncoding;
use server_fn::error::{FromServerFnError, ServerFnErrorErr};

/// Why a server function refused or failed, in words fit for the person who asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// Input broke a rule; `field` names the form field.
    #[error("{message}")]
    Invalid {
        /// The form field the message belongs to.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// The request needs a signed-in user.
    #[error("Please log in first.")]
    Unauthenticated,
    /// The email or password at login was wrong (one message for both: no account enumeration).
    #[error("Wrong email or password.")]
    BadCredentials,
    /// Too many sign-in attempts for this account or from this address (said the same way
    /// whether the account exists).
    #[error("Too many sign-in attempts. Please wait a few minutes and try again.")]
    TooManyAttempts,
    /// Nothing with this id exists for the caller — also said when it exists but belongs to
    /// someone else, so that its existence is not revealed.
    #[error("Not found, or you have no access to it.")]
    NotFound,
    /// The caller is known but their role does not allow this action on something they can see.
    #[error("Your role does not allow this.")]
    Forbidden,
    /// The request cannot be carried out now; the message says why (e.g. the instance is
    /// still carrying out the previous request).
    #[error("{0}")]
    Refused(String),
    /// The action needs the Swarm engine, which this Plenum does not run.
    #[error("The engine is not enabled on this Plenum; instances cannot be changed.")]
    EngineDisabled,
    /// The browser could not reach Plenum.
    #[error("Plenum could not be reached: {0}")]
    Unreachable(String),
    /// Something failed inside Plenum; the details are in the server log, not here.
    #[error("Something went wrong on our side. Please try again in a moment.")]
    Internal,
}

impl AppError {
    /// An input error for `field`.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }

    /// The message for `field`, if this error is about that field.
    pub fn for_field(&self, field: &str) -> Option<String> {
        match self {
            AppError::Invalid { field: f, message } if f == field => Some(message.clone()),
            _ => None,
        }
    }

    /// The HTTP status this error is answered with.
    pub fn status(&self) -> u16 {
        match self {
            AppError::Invalid { .. } => 400,
            AppError::Unauthenticated | AppError::BadCredentials => 401,
            AppError::Forbidden => 403,
            AppError::NotFound => 404,
            AppError::Refused(_) => 409,
            AppError::TooManyAttempts => 429,
            AppError::EngineDisabled => 503,
            AppError::Unreachable(_) => 502,
            AppError::Internal => 500,
        }
    }
}

impl From<domain::validation::Invalid> for AppError {
    fn from(e: domain::validation::Invalid) -> Self {
        AppError::Invalid {
            field: e.field,
            message: e.message,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        let error = match value {
            ServerFnErrorErr::Args(msg) | ServerFnErrorErr::MissingArg(msg) => AppError::Invalid {
                field: String::new(),
                message: format!("The request was incomplete or malformed: {msg}"),
            },
            ServerFnErrorErr::Request(msg) => AppError::Unreachable(msg),
            _ => AppError::Internal,
        };
        // On the server this runs before the function body (e.g. for malformed arguments):
        // answer with the error's status rather than the framework's blanket 500.
        #[cfg(feature = "ssr")]
        crate::server::respond::<()>(Err(error.clone())).ok();
        error
    }
}
