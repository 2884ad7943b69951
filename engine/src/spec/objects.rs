//! Create requests for a stack's networks and volumes, and specs for its secrets.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bollard::models::{NetworkCreateRequest, SecretSpec, VolumeCreateRequest};
use domain::template::RenderedStack;

use super::SpecError;
use super::labels::with_stack_labels;
use super::names::{network_name, secret_name, volume_name};

/// The request creating stack network `network`: an overlay network in Swarm scope.
pub fn network_create_request(
    stack: &RenderedStack,
    network: &str,
) -> Result<NetworkCreateRequest, SpecError> {
    let def = stack
        .networks
        .get(network)
        .ok_or_else(|| unknown(stack, "network", network))?;
    Ok(NetworkCreateRequest {
        name: network_name(&stack.stack, network),
        driver: Some("overlay".to_owned()),
        scope: Some("swarm".to_owned()),
        internal: Some(def.internal),
        attachable: Some(def.attachable),
        labels: Some(with_stack_labels(stack, &def.labels)),
        ..Default::default()
    })
}

/// The request creating stack volume `volume` with the local driver. Services also carry
/// these labels in their mounts, so a node that creates the volume on first use labels it
/// the same way.
pub fn volume_create_request(
    stack: &RenderedStack,
    volume: &str,
) -> Result<VolumeCreateRequest, SpecError> {
    let def = stack
        .volumes
        .get(volume)
        .ok_or_else(|| unknown(stack, "volume", volume))?;
    Ok(VolumeCreateRequest {
        name: Some(volume_name(&stack.stack, volume)),
        driver: Some("local".to_owned()),
        labels: Some(with_stack_labels(stack, &def.labels)),
        ..Default::default()
    })
}

/// The spec creating stack secret `secret` with `value`, named by [`secret_name`].
pub fn secret_spec(
    stack: &RenderedStack,
    secret: &str,
    value: &[u8],
) -> Result<SecretSpec, SpecError> {
    let def = stack
        .secrets
        .get(secret)
        .ok_or_else(|| unknown(stack, "secret", secret))?;
    Ok(SecretSpec {
        name: Some(secret_name(&stack.stack, secret, value)?),
        labels: Some(with_stack_labels(stack, &def.labels)),
        data: Some(STANDARD.encode(value)),
        ..Default::default()
    })
}

pub(crate) fn unknown(stack: &RenderedStack, kind: &'static str, name: &str) -> SpecError {
    SpecError::Unknown {
        stack: stack.stack.clone(),
        kind,
        name: name.to_owned(),
    }
}
