"""PyRar certs."""
