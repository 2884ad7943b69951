//! Errors raised while loading or rendering a stack template.

use thiserror::Error;

/// Why a template could not be loaded or rendered.
///
/// Every variant names the template; load-time problems also carry the full key path of
/// the offending value (for example `services.web.deploy.mode`).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TemplateError {
    /// The text is not well-formed YAML.
    #[error("template \"{template}\": invalid YAML: {message}")]
    Syntax {
        /// Template name.
        template: String,
        /// What the YAML parser reported, with line and column.
        message: String,
    },
    /// A key or value is not accepted.
    #[error("template \"{template}\": {path}: {message}")]
    Invalid {
        /// Template name.
        template: String,
        /// Full key path, dot-separated, with `[i]` for list items.
        path: String,
        /// What is wrong there.
        message: String,
    },
    /// No built-in template has this name.
    #[error("there is no built-in template \"{name}\" (known: {known})")]
    UnknownBuiltin {
        /// The requested name.
        name: String,
        /// The names that exist, comma-separated.
        known: String,
    },
    /// A render setting is not usable.
    #[error("template \"{template}\": render setting {field}: {message}")]
    Context {
        /// Template name.
        template: String,
        /// The [`RenderContext`](super::RenderContext) field.
        field: &'static str,
        /// What is wrong with it.
        message: String,
    },
    /// A replica or limit override names a service the template does not have.
    #[error("template \"{template}\": {setting} override for unknown service \"{service}\"")]
    UnknownService {
        /// Template name.
        template: String,
        /// What the override sets (`replica` or `limit`).
        setting: &'static str,
        /// The service named by the override.
        service: String,
    },
    /// A replica count outside the service's scaling rule.
    #[error(
        "template \"{template}\": service \"{service}\": {requested} replicas requested, allowed range is {min}..={max}"
    )]
    ReplicasOutOfRange {
        /// Template name.
        template: String,
        /// The service.
        service: String,
        /// The requested replica count.
        requested: u64,
        /// Smallest allowed count.
        min: u64,
        /// Largest allowed count.
        max: u64,
    },
}

/// A problem at one key path, before the template name is attached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Issue {
    pub(crate) path: String,
    pub(crate) message: String,
}

impl Issue {
    /// An issue at `path` (dot-separated key path).
    pub(crate) fn at(path: impl Into<String>, message: impl Into<String>) -> Self {
        Issue {
            path: path.into(),
            message: message.into(),
        }
    }

    /// Attaches the template name.
    pub(crate) fn into_error(self, template: &str) -> TemplateError {
        TemplateError::Invalid {
            template: template.to_owned(),
            path: self.path,
            message: self.message,
        }
    }
}
