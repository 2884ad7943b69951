//! Server functions: the app's whole server API. Each one is a thin adapter that checks who is
//! asking (on the server), calls a service or the store, and converts errors into words.
//!
//! Endpoints are explicit (`/api/<area>/<verb>`) so that tests and scripts can name them.

pub mod access;
pub mod audit;
pub mod auth;
pub mod backups;
pub mod edge;
pub mod incidents;
pub mod instances;
pub mod orders;
pub mod orgs;
pub mod staff;
pub mod staff_clients;
pub mod staff_instances;
pub mod staff_nodes;
pub mod staff_orders;
pub mod upstream;
pub mod usage;

/// The server functions that change nothing (they read). Every other one is recorded in the
/// audit trail; a new server function is recorded unless it is listed here.
pub const READ_ONLY: &[&str] = &[
    "access/list",
    "access/portal",
    "auth/me",
    "instances/backups",
    "instances/detail",
    "instances/incidents",
    "instances/list",
    "instances/usage",
    "orders/availability",
    "orders/list",
    "orders/options",
    "orders/slug",
    "orgs/audit",
    "orgs/detail",
    "orgs/mine",
    "staff/audit",
    "staff/catalog/available",
    "staff/catalog/list",
    "staff/clients/list",
    "staff/edge",
    "staff/incidents",
    "staff/instances/calendar",
    "staff/instances/capacity",
    "staff/instances/list",
    "staff/logs/search",
    "staff/nodes/list",
    "staff/orders/impacts",
    "staff/orders/queue",
    "staff/orgs",
    "staff/users",
    "upstream/list",
    "upstream/platform",
];

/// The request fields whose values the audit trail records (ids, names, choices); any other
/// field is recorded by name only, so that no password, token or secret is ever kept.
pub const RECORDED_FIELDS: &[&str] = &[
    "access_id",
    "allowed",
    "backup",
    "email",
    "event_days",
    "event_hours",
    "final_lead_hours",
    "id",
    "ids",
    "instance_id",
    "keep_event",
    "keep_manual",
    "keep_quiet",
    "name",
    "node",
    "order_id",
    "org_id",
    "phase",
    "plan",
    "quiet_hours",
    "reason",
    "rental_end",
    "rental_start",
    "replicas",
    "role",
    "service",
    "size",
    "slug",
    "template",
    "user_id",
    "version",
];
