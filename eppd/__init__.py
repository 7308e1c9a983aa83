"""PyRar eppd."""
