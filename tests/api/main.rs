//! Integration tests: the real application, over real TLS, on SQLite and PostgreSQL.

mod helpers;
mod smtp;

mod auth;
mod brandings;
mod browser;
mod cli;
mod cluster;
mod contract;
mod device;
mod faults;
mod firmware;
mod import;
mod logging;
mod matrix;
mod operations;
mod password_reset;
mod phones;
mod servers;
mod startup;
mod summary_audit;
mod users;
