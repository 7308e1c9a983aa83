"""The operators' console: its JSON API under /api/admin/ and its pages under /admin."""
