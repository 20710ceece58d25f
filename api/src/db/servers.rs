//! Configuration servers (being built).
