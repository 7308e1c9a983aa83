"""PyRar zonegen."""
