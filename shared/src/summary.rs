//! Contract for /api/v1/summary (filled in by the service provider API work).
