"""``pyrar upstream``: definitions checked before they are stored, one-line errors, and the
password and key path never printed."""

from __future__ import annotations

import json

from tests.interconnect.instances import cli, ok
from tests.serve_stack import make_sandbox
from tests.zonegen.zonegen_helpers import free_port


def test_upstream_definitions(tmp_path):
    sandbox = make_sandbox(tmp_path, "--tld", "beta")
    cred = json.loads((sandbox / "credentials.json").read_text())["registrars"][0]
    port = free_port()  # nobody listens there
    base = ["upstream", "add", "alpha", "--host", "127.0.0.1", "--port", str(port),
            "--ca", cred["ca"], "--cert", cred["cert"], "--key", cred["key"],
            "--clid", "ourclid", "--password", "s3cret-pass"]

    def refused(*args: str) -> str:
        done = cli(sandbox, *args)
        assert done.returncode == 1 and done.stdout == "", (args, done.stdout, done.stderr)
        assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
        return done.stderr

    assert "the local registry runs beta" in refused(*base, "--tld", "beta")
    missing = [*base, "--tld", "alpha"]
    missing[missing.index("--ca") + 1] = str(tmp_path / "nope.pem")
    assert "--ca: no such file" in refused(*missing)
    assert "decimals" in refused(*base, "--tld", "alpha", "--price", "create=1.005")
    assert "invalid choice: 'some'" in refused(*base, "--tld", "alpha", "--contacts", "some")
    added = ok(sandbox, *base, "--tld", "alpha", "--tld", "Alpha2", "--markup", "15",
               "--price", "create=8.50", "--price", "renew=9", "--contacts", "all")
    listed = ok(sandbox, "upstream", "list")
    for shown in (added, listed):
        assert "s3cret-pass" not in shown and cred["key"] not in shown
    assert (f"alpha: 127.0.0.1:{port} as ourclid, TLDs alpha, alpha2, markup 15%, USD, "
            "2 sessions, idle timeout 600 s, contacts all, flat prices create 8.50, "
            "renew 9.00") in listed
    assert "sells alpha already" in refused(*[a if a != "alpha" else "other" for a in base],
                                           "--tld", "alpha")
    # nobody answers on that port: the test says so in one line
    assert "cannot log in to alpha" in refused("upstream", "test", "alpha")
    ok(sandbox, "upstream", "remove", "alpha")
    assert "no upstreams" in ok(sandbox, "upstream", "list")
