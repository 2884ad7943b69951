//! Server functions: the app's whole server API. Each one is a thin adapter that checks who is
//! asking (on the server), calls a service or the store, and converts errors into words.
//!
//! Endpoints are explicit (`/api/<area>/<verb>`) so that tests and scripts can name them.

pub mod access;
pub mod auth;
pub mod backups;
pub mod edge;
pub mod instances;
pub mod orders;
pub mod orgs;
pub mod staff;
pub mod staff_clients;
pub mod staff_instances;
pub mod staff_nodes;
pub mod staff_orders;
pub mod upstream;
