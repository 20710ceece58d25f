//! Integration tests: the real application, over real TLS, on SQLite and PostgreSQL.
//!
//! One folder or file per capability; every fixture the stories share is in `helpers/`, and
//! no story file imports another.

mod helpers;

mod admin;
mod api_keys;
mod audit_filters;
mod auth;
mod brandings;
mod browser;
mod cli;
mod cluster;
mod connections;
mod contract;
mod device;
mod docs;
mod faults;
mod firmware;
mod firmware_vendors;
mod headers;
mod import;
mod import_choices;
mod invitations;
mod logging;
mod login_throttling;
mod matrix;
mod operations;
mod password_reset;
mod phones;
mod phones_plans;
mod phones_scale;
mod python_client;
mod references;
mod second_factor;
mod servers;
mod startup;
mod summary_audit;
mod users;
mod webhook_events;
mod webhook_events_boot;
mod webhook_receiver;
mod webhooks;
