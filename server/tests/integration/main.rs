//! Plenum's integration tests, in one binary: the HTTP API against a real server, and the
//! `plenum` command line.

mod api;
mod cli;
mod common;
