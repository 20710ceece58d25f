//! The operator console (`/api/v1/admin/...`): operators, and what staff may not do there.

pub mod accounts;
pub mod firmware_upload;
pub mod operators;
pub mod platform;
