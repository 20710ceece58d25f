//! Two-factor login (TOTP, RFC 6238): setting it up and logging in with it, and requiring and
//! resetting it. The browser story is in `browser/second_factor.rs`.

mod login;
mod requirement;
