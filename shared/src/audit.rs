//! Contract for /api/v1/audit (filled in by the service provider API work).
