//! Contract for /api/v1/users (filled in by the service provider API work).
