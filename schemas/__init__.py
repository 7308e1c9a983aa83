"""PyRar schemas."""
