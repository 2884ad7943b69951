//! Plenum's integration tests, in one binary: the HTTP API against a real server, and the
//! `plenum` command line.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod access;
mod api;
mod audit;
mod backups;
mod capacity;
mod cli;
mod common;
mod console_swarm;
mod crashes;
mod edge;
#[path = "../../../edge/tests/support/mod.rs"]
mod edge_support;
mod hibernation;
mod incidents;
mod instances;
mod mail;
mod metrics;
mod oidc;
mod orders;
mod phases;
mod placement;
mod relying_party;
mod saml;
mod swarm;
mod upstream;
