//! The templates shipped with Plenum, embedded at build time from `templates/`.

use super::error::TemplateError;
use super::load::Template;

/// Names and texts of the built-in templates.
const BUILTINS: [(&str, &str); 2] = [
    (
        "openslides-4",
        include_str!("../../../templates/openslides-4.yml"),
    ),
    ("demo", include_str!("../../../templates/demo.yml")),
];

/// Names of the built-in templates.
pub fn builtin_names() -> impl Iterator<Item = &'static str> {
    BUILTINS.iter().map(|(name, _)| *name)
}

/// The YAML text of a built-in template.
pub fn builtin_source(name: &str) -> Option<&'static str> {
    BUILTINS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, text)| *text)
}

/// Loads the built-in template `name` (`"openslides-4"` or `"demo"`).
pub fn builtin(name: &str) -> Result<Template, TemplateError> {
    let text = builtin_source(name).ok_or_else(|| TemplateError::UnknownBuiltin {
        name: name.to_owned(),
        known: builtin_names().collect::<Vec<_>>().join(", "),
    })?;
    Template::parse(name, text)
}
