//! Rendering: a [`Template`] plus a [`RenderContext`] → a [`RenderedStack`].

use std::collections::BTreeMap;

use super::context::{MAX_SERVICE_NAME, RenderContext};
use super::error::{Issue, TemplateError};
use super::load::Template;
use super::placeholder::{Values, substitute};
use super::rendered::{NetworkAttachment, NetworkRef, RenderedService, RenderedStack};
use super::validate::service::ServiceTemplate;

/// Renders `template` for one instance.
///
/// Substitutes the placeholders, applies replica overrides (checked against the scaling
/// rules), limits (per field: the plan's, else the template's, else the defaults; reservations
/// stay the template's), extra placement constraints and
/// the endpoint mode (the template's if it sets one, else the context's), attaches the
/// entry service to the edge network and computes each service's content hash.
pub fn render(template: &Template, ctx: &RenderContext) -> Result<RenderedStack, TemplateError> {
    let name = template.name();
    ctx.validate(name)?;
    let replicas = ctx.replicas.keys().map(|s| ("replica", s));
    let limits = ctx.limits.keys().map(|s| ("limit", s));
    if let Some((setting, service)) = replicas
        .chain(limits)
        .find(|(_, s)| !template.services.contains_key(*s))
    {
        return Err(TemplateError::UnknownService {
            template: name.to_owned(),
            setting,
            service: service.clone(),
        });
    }
    let values = Values::of(ctx);
    let mut services = BTreeMap::new();
    for (service_name, service) in &template.services {
        let full_len = ctx.stack.len() + 1 + service_name.len();
        if full_len > MAX_SERVICE_NAME {
            return Err(TemplateError::Context {
                template: name.to_owned(),
                field: "stack",
                message: format!(
                    "\"{}_{service_name}\" would be {full_len} characters; Swarm service names have at most {MAX_SERVICE_NAME}",
                    ctx.stack
                ),
            });
        }
        let rendered = render_service(template, service, ctx, &values)?;
        services.insert(service_name.clone(), rendered);
    }
    let networks = template
        .networks
        .iter()
        .map(|(n, net)| {
            let mut net = net.clone();
            net.labels = substitute_map(&net.labels, &values, &format!("networks.{n}.labels"))?;
            Ok((n.clone(), net))
        })
        .collect::<Result<_, Issue>>()
        .map_err(|issue| issue.into_error(name))?;
    let volumes = template
        .volumes
        .iter()
        .map(|(n, vol)| {
            let mut vol = vol.clone();
            vol.labels = substitute_map(&vol.labels, &values, &format!("volumes.{n}.labels"))?;
            Ok((n.clone(), vol))
        })
        .collect::<Result<_, Issue>>()
        .map_err(|issue| issue.into_error(name))?;
    let secrets = template
        .secrets
        .iter()
        .map(|(n, secret)| {
            let mut secret = secret.clone();
            secret.labels =
                substitute_map(&secret.labels, &values, &format!("secrets.{n}.labels"))?;
            Ok((n.clone(), secret))
        })
        .collect::<Result<_, Issue>>()
        .map_err(|issue| issue.into_error(name))?;
    Ok(RenderedStack {
        template: name.to_owned(),
        instance_id: ctx.instance_id,
        stack: ctx.stack.clone(),
        services,
        networks,
        volumes,
        secrets,
        entry: template.entry.clone(),
        edge_network: ctx.edge_network.clone(),
        initial_admin: template.initial_admin.clone(),
    })
}

fn render_service(
    template: &Template,
    service: &ServiceTemplate,
    ctx: &RenderContext,
    values: &Values,
) -> Result<RenderedService, TemplateError> {
    let mut out = service.proto.clone();
    let name = out.name.clone();
    if let Some(&requested) = ctx.replicas.get(&name) {
        if !service.scaling.allows(requested) {
            return Err(TemplateError::ReplicasOutOfRange {
                template: template.name().to_owned(),
                service: name,
                requested,
                min: service.scaling.min,
                max: service.scaling.max,
            });
        }
        out.replicas = requested;
    }
    substitute_service(&mut out, values).map_err(|issue| issue.into_error(template.name()))?;
    let plan = ctx.limits.get(&name).copied().unwrap_or_default();
    out.limits = plan.or(out.limits).or(ctx.default_limits);
    for constraint in &ctx.extra_constraints {
        if !out.constraints.contains(constraint) {
            out.constraints.push(constraint.clone());
        }
    }
    out.endpoint_mode = service.endpoint_mode.unwrap_or(ctx.endpoint_mode);
    out.is_entry = template.entry.service == name;
    if out.is_entry {
        out.networks.push(NetworkAttachment {
            network: NetworkRef::Edge(ctx.edge_network.clone()),
            aliases: Vec::new(),
        });
    }
    out.spec_hash = out.compute_spec_hash();
    Ok(out)
}

/// Substitutes placeholders in every string of a service that may hold them.
fn substitute_service(out: &mut RenderedService, values: &Values) -> Result<(), Issue> {
    let service = out.name.clone();
    let at = |key: &str| format!("services.{service}.{key}");
    let one = |text: &str, path: String| substitute(text, values).map_err(|m| Issue::at(path, m));
    out.image = one(&out.image, at("image"))?;
    if let Some(words) = &out.entrypoint {
        out.entrypoint = Some(substitute_list(words, values, &at("entrypoint"))?);
    }
    if let Some(words) = &out.command {
        out.command = Some(substitute_list(words, values, &at("command"))?);
    }
    out.environment = substitute_map(&out.environment, values, &at("environment"))?;
    out.container_labels = substitute_map(&out.container_labels, values, &at("labels"))?;
    out.service_labels = substitute_map(&out.service_labels, values, &at("deploy.labels"))?;
    out.constraints = substitute_list(
        &out.constraints,
        values,
        &at("deploy.placement.constraints"),
    )?;
    if let Some(health) = &mut out.healthcheck {
        health.test = substitute_list(&health.test, values, &at("healthcheck.test"))?;
    }
    Ok(())
}

fn substitute_list(words: &[String], values: &Values, path: &str) -> Result<Vec<String>, Issue> {
    words
        .iter()
        .enumerate()
        .map(|(i, w)| substitute(w, values).map_err(|m| Issue::at(format!("{path}[{i}]"), m)))
        .collect()
}

fn substitute_map(
    map: &BTreeMap<String, String>,
    values: &Values,
    path: &str,
) -> Result<BTreeMap<String, String>, Issue> {
    map.iter()
        .map(|(k, v)| {
            substitute(v, values)
                .map(|v| (k.clone(), v))
                .map_err(|m| Issue::at(format!("{path}.{k}"), m))
        })
        .collect()
}
