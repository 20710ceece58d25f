//! Configuration server names and URLs (being built).
