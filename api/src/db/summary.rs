//! Account statistics (being built).
