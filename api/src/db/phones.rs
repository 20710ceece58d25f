//! Phones (being built).
