//! MAC addresses (being built).
