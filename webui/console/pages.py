"""The console's pages: one shell (webui/static/admin/index.html) for /admin and every path
under it, served by the pages' infrastructure (webui/pages.py) with the site's headers."""

from __future__ import annotations

from ..pages import Area

CONSOLE = Area("/admin", "admin")
