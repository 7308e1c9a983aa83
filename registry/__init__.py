"""PyRar registry."""
