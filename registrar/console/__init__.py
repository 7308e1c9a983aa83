"""The operators' console as its callers (the JSON API under /api/admin/, ``pyrar web
operator``) see it: one method per thing an operator reads or does, each running the core's
function for the job (registry/admin/, the registry's flows, the registrar's core) and
recording a change in the audit log with the object before and after."""

from __future__ import annotations

from .registry_side import RegistrySide
from .site_side import Hit, SiteSide


class OperatorConsole(RegistrySide, SiteSide):
    """Both sides of the console over one registry."""


__all__ = ["Hit", "OperatorConsole"]
