//! Engine tests against the real local Docker Swarm (one binary). Each test has its own
//! SQLite store, installation id and instance-id base, and removes what it created. They
//! fail — never skip — when Docker, Swarm or the images are missing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod faults;
mod harness;
mod isolation;
mod lifecycle;
mod orphans;
