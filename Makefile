# The commands README.md promises; they prepare the machine first (scripts/setup).
.PHONY: run test faults galera lint

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

# Every suite runs under scripts/loopback-audit: it fails when anything the tests start sends
# a packet off loopback. The few tests that run strace themselves run after it, untraced
# (ptrace does not nest).
AUDIT = ./scripts/loopback-audit --report test-results/off-loopback.txt

test:
	./scripts/setup
	.venv/bin/ruff check .
	.venv/bin/lint-imports
	mkdir -p test-results
	$(AUDIT) .venv/bin/pytest -n $(TEST_WORKERS) --dist loadfile --ignore=tests/faults \
		-m "not galera and not strace"
	.venv/bin/pytest -n 2 --dist loadfile --ignore=tests/faults -m "strace and not galera"

# The fault suite (docs/reliability.md): the whole stack under load on a MariaDB of its own,
# killed, restarted, frozen, cut off. Alone: its timings are the recovery times we quote.
faults:
	./scripts/setup
	mkdir -p test-results
	$(AUDIT) .venv/bin/pytest -p no:xdist tests/faults

# Scale-out (docs/scale-out.md): registries over MariaDB Galera clusters of the suite's own on
# loopback, a node killed under a lease; two 'pyrar serve' nodes with their PowerDNS behind
# HAProxy over three data nodes, a node killed under EPP load. Alone, like
# the fault suite: a cluster's SST and certification want the cores.
galera:
	./scripts/setup
	mkdir -p test-results
	$(AUDIT) .venv/bin/pytest -p no:xdist -m galera tests/scaleout

lint:
	.venv/bin/ruff check .
	.venv/bin/lint-imports
