"""Runs eppd with the toy backend: ``python run_toy_server.py CONFIG [WORKERS]``."""

from __future__ import annotations

import sys

from eppd_toy_backend import make_backend

from eppd.server import run
from registry.config import Config

if __name__ == "__main__":
    workers = int(sys.argv[2]) if len(sys.argv) > 2 else None
    sys.exit(run(Config.load(sys.argv[1]), make_backend, workers))
