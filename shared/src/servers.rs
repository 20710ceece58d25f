//! Contract for /api/v1/servers (filled in by the service provider API work).
