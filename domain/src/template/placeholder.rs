//! `{{ name }}` placeholders in template strings: the known variables, checking at load
//! time and substitution at render time.

use std::fmt;

use serde_norway::Value;

use super::error::Issue;

/// A variable a template may use as `{{ name }}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variable {
    /// `{{ stack }}`: the Swarm stack name.
    Stack,
    /// `{{ slug }}`: the instance's slug.
    Slug,
    /// `{{ hostname }}`: the public host name the instance is served under.
    Hostname,
    /// `{{ tag }}`: the image tag (application version) to deploy.
    Tag,
    /// `{{ instance_id }}`: the instance's numeric id.
    InstanceId,
    /// `{{ public_url }}`: the instance's own address as people reach it
    /// (`https://<hostname>`, with the port when it is not 443).
    PublicUrl,
    /// `{{ oidc_issuer }}`: Plenum's OpenID Connect issuer (its public URL).
    OidcIssuer,
    /// `{{ oidc_client_id }}`: the instance's client id at Plenum's provider.
    OidcClientId,
    /// `{{ plenum_url }}`: how the instance's services reach Plenum inside the Swarm
    /// (server-to-server calls such as the token endpoint).
    PlenumUrl,
}

impl Variable {
    /// Every variable, in documentation order.
    pub const ALL: [Variable; 9] = [
        Variable::Stack,
        Variable::Slug,
        Variable::Hostname,
        Variable::Tag,
        Variable::InstanceId,
        Variable::PublicUrl,
        Variable::OidcIssuer,
        Variable::OidcClientId,
        Variable::PlenumUrl,
    ];

    /// The name written between the braces.
    pub fn name(self) -> &'static str {
        match self {
            Variable::Stack => "stack",
            Variable::Slug => "slug",
            Variable::Hostname => "hostname",
            Variable::Tag => "tag",
            Variable::InstanceId => "instance_id",
            Variable::PublicUrl => "public_url",
            Variable::OidcIssuer => "oidc_issuer",
            Variable::OidcClientId => "oidc_client_id",
            Variable::PlenumUrl => "plenum_url",
        }
    }

    fn from_name(name: &str) -> Option<Variable> {
        Variable::ALL.into_iter().find(|v| v.name() == name)
    }
}

impl fmt::Display for Variable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{{{{ {} }}}}", self.name())
    }
}

/// The values substituted for the variables.
#[derive(Debug, Clone)]
pub(crate) struct Values {
    pub(crate) stack: String,
    pub(crate) slug: String,
    pub(crate) hostname: String,
    pub(crate) tag: String,
    pub(crate) instance_id: String,
    pub(crate) public_url: String,
    pub(crate) oidc_issuer: String,
    pub(crate) oidc_client_id: String,
    pub(crate) plenum_url: String,
}

impl Values {
    fn get(&self, variable: Variable) -> &str {
        match variable {
            Variable::Stack => &self.stack,
            Variable::Slug => &self.slug,
            Variable::Hostname => &self.hostname,
            Variable::Tag => &self.tag,
            Variable::InstanceId => &self.instance_id,
            Variable::PublicUrl => &self.public_url,
            Variable::OidcIssuer => &self.oidc_issuer,
            Variable::OidcClientId => &self.oidc_client_id,
            Variable::PlenumUrl => &self.plenum_url,
        }
    }

    /// The values for rendering with `ctx`.
    pub(crate) fn of(ctx: &super::RenderContext) -> Self {
        Self {
            stack: ctx.stack.clone(),
            slug: ctx.slug.clone(),
            hostname: ctx.hostname.clone(),
            tag: ctx.tag.clone(),
            instance_id: ctx.instance_id.to_string(),
            public_url: ctx.public_url.clone(),
            oidc_issuer: ctx.oidc_issuer.clone(),
            oidc_client_id: crate::identity::instance_client_id(ctx.instance_id),
            plenum_url: ctx.plenum_url.clone(),
        }
    }

    /// `x` for every variable.
    fn probe() -> Self {
        let x = || "x".to_owned();
        Self {
            stack: x(),
            slug: x(),
            hostname: x(),
            tag: x(),
            instance_id: x(),
            public_url: x(),
            oidc_issuer: x(),
            oidc_client_id: x(),
            plenum_url: x(),
        }
    }
}

/// Replaces every placeholder in `text`; the error describes a malformed or unknown one.
pub(crate) fn substitute(text: &str, values: &Values) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after
            .find("}}")
            .ok_or_else(|| format!("unterminated placeholder in {text:?}"))?;
        let name = after[..end].trim();
        let variable = Variable::from_name(name).ok_or_else(|| {
            let known: Vec<String> = Variable::ALL.iter().map(|v| v.to_string()).collect();
            format!(
                "unknown placeholder \"{{{{ {name} }}}}\" (known: {})",
                known.join(", ")
            )
        })?;
        out.push_str(values.get(variable));
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Substitutes `x` for every placeholder, to check the shape of a templated string.
pub(crate) fn probe(text: &str) -> Result<String, String> {
    substitute(text, &Values::probe())
}

/// Checks every placeholder in a string without substituting.
pub(crate) fn check(text: &str) -> Result<(), String> {
    probe(text).map(drop)
}

/// Checks the placeholders in every string of a YAML tree; keys may hold none.
pub(crate) fn check_tree(value: &Value, path: &str) -> Result<(), Issue> {
    match value {
        Value::String(s) => check(s).map_err(|message| Issue::at(path, message)),
        Value::Sequence(items) => items
            .iter()
            .enumerate()
            .try_for_each(|(i, item)| check_tree(item, &format!("{path}[{i}]"))),
        Value::Mapping(entries) => entries.iter().try_for_each(|(key, item)| {
            let key_text = match key {
                Value::String(s) => s.clone(),
                other => format!("{other:?}"),
            };
            let child = if path.is_empty() {
                key_text.clone()
            } else {
                format!("{path}.{key_text}")
            };
            if key_text.contains("{{") {
                return Err(Issue::at(child, "placeholders are not allowed in keys"));
            }
            check_tree(item, &child)
        }),
        Value::Tagged(tagged) => check_tree(&tagged.value, path),
        Value::Null | Value::Bool(_) | Value::Number(..) => Ok(()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn values() -> Values {
        Values {
            stack: "i42".into(),
            slug: "acme".into(),
            hostname: "acme.example.org".into(),
            tag: "4.3.0".into(),
            instance_id: "42".into(),
            public_url: "https://acme.example.org".into(),
            oidc_issuer: "https://plenum.example.org".into(),
            oidc_client_id: "instance-42".into(),
            plenum_url: "http://plenum_server:3000".into(),
        }
    }

    #[test]
    fn substitutes_all_variables() {
        assert_eq!(
            substitute(
                "{{stack}}/{{ slug }}/{{  hostname }}/{{tag }}/{{ instance_id }}",
                &values()
            ),
            Ok("i42/acme/acme.example.org/4.3.0/42".to_owned())
        );
        assert_eq!(
            substitute("no braces }}", &values()),
            Ok("no braces }}".into())
        );
    }

    #[test]
    fn rejects_unknown_and_unterminated() {
        assert_eq!(
            check("x {{ version }}"),
            Err("unknown placeholder \"{{ version }}\" (known: {{ stack }}, {{ slug }}, {{ hostname }}, {{ tag }}, {{ instance_id }}, {{ public_url }}, {{ oidc_issuer }}, {{ oidc_client_id }}, {{ plenum_url }})".to_owned())
        );
        assert!(check("x {{ tag").is_err());
    }
}
