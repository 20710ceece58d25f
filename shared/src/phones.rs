//! Contract for /api/v1/phones (filled in by the service provider API work).
