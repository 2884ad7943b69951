//! Tests of template loading and rendering.

mod builtin;
mod errors;
mod render;

use std::collections::BTreeMap;

use super::{EndpointMode, RenderContext, ResourceAmounts};

/// A minimal valid template; tests splice keys into it.
pub(super) const MINIMAL: &str = r#"
services:
  web:
    image: example/web:{{ tag }}
    networks: [backend]
networks:
  backend:
    internal: true
x-plenum:
  entry: { service: web, port: 8080, health_path: /healthz }
"#;

/// A render context for instance 42.
pub(super) fn context() -> RenderContext {
    RenderContext {
        instance_id: 42,
        slug: "acme".to_owned(),
        stack: "i42".to_owned(),
        hostname: "acme.example.org".to_owned(),
        public_url: "https://acme.example.org".to_owned(),
        oidc_issuer: "https://plenum.example.org".to_owned(),
        plenum_url: "http://plenum_server:3000".to_owned(),
        tag: "4.3.0".to_owned(),
        replicas: BTreeMap::new(),
        limits: BTreeMap::new(),
        default_limits: ResourceAmounts::default(),
        extra_constraints: Vec::new(),
        endpoint_mode: EndpointMode::Dnsrr,
        edge_network: "plenum_edge".to_owned(),
    }
}
