//! The operator console (`/api/v1/admin/...`): operators, and what staff may not do there.

pub mod operators;
