# The two commands README.md promises; both prepare the machine first (scripts/setup).
.PHONY: run test lint

SANDBOX ?= sandbox
# The suite waits mostly on MariaDB, PowerDNS and server subprocesses, so more pytest-xdist
# workers than cores pay (each has its own databases, PowerDNS and ports); a file's tests
# stay on one worker, where its module-scoped servers are started once.
TEST_WORKERS ?= 4
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
	.venv/bin/pytest -n $(TEST_WORKERS) --dist loadfile

lint:
	.venv/bin/ruff check .
	.venv/bin/lint-imports
