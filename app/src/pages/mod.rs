//! One module per page of the app.

pub mod account;
pub mod home;
pub mod incidents;
pub mod instance;
pub mod instance_backups;
pub mod instance_logs;
pub mod instance_usage;
pub mod instances;
pub mod invitation;
pub mod login;
pub mod not_found;
pub mod order;
pub mod orders;
pub mod org;
pub mod people;
pub mod portal;
pub mod signup;
pub mod staff;
pub mod staff_audit;
pub mod staff_clients;
pub mod staff_instances;
pub mod staff_nodes;
pub mod staff_orders;
pub mod upstream;
