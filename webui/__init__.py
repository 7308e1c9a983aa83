"""PyRar webui."""
