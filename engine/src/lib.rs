//! The Swarm engine.

pub mod spec;
