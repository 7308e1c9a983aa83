# The two commands README.md promises; both prepare the machine first (scripts/setup).
.PHONY: run test lint

SANDBOX ?= sandbox
# Debian installs pdns_server and named in /usr/sbin, outside an ordinary user's PATH (the tests
# find them on PATH, and skip without them)
export PATH := $(PATH):/usr/sbin:/sbin

run:
	./scripts/setup
	[ -f $(SANDBOX)/pyrar.toml ] || .venv/bin/pyrar init $(SANDBOX)
	.venv/bin/pyrar --config $(SANDBOX)/pyrar.toml serve

test:
	./scripts/setup
	.venv/bin/ruff check .
	.venv/bin/lint-imports
	.venv/bin/pytest

lint:
	.venv/bin/ruff check .
	.venv/bin/lint-imports
