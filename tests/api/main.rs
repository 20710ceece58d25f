//! Integration tests: the real application, over real TLS, on SQLite and PostgreSQL.

mod helpers;

mod auth;
mod browser;
mod cli;
mod contract;
mod import;
mod phones;
mod servers;
mod startup;
mod summary_audit;
mod users;
