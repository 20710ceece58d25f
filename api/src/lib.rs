//! rcs: a self-hosted Redirection and Configuration Service for SIP desk phones.
//!
//! The `rcs` binary is a thin wrapper over [`cli::run`]. [`startup::Application`] is the
//! running service (API, device route, web UI); [`db`] is the one query layer over SQLite and
//! PostgreSQL and only stores; [`domain`] holds values that are valid by construction;
//! [`services`] holds the policy of each resource (who may do what, checks, one transaction
//! with its audit entry) for the routes and the CLI alike, among them [`services::phones`],
//! the write path for phones (lists, CSV files, bulk edits), where inputs are checked whole
//! before one transaction writes them, and [`services::firmware`], the firmware catalog.
#![forbid(unsafe_code)]

#[cfg(test)]
mod architecture;
pub mod auth;
pub mod cli;
pub mod config;
pub mod connection;
pub mod db;
pub mod device;
pub mod domain;
pub mod error;
pub mod mail;
pub mod metrics;
pub mod middleware;
pub mod openapi;
pub mod operations;
pub mod routes;
pub mod services;
pub mod startup;
pub mod state;
pub mod storage;
pub mod telemetry;
pub mod tls;
pub mod webhooks;
