"""``[payments]``: providers from their tables, secrets from the environment or a file (never
in the settings' repr), and a clear error for what is missing or wrong."""

from __future__ import annotations

import pytest

from registrar.payments.config import load
from registry.config import Config, ConfigError

TOML = """
[payments]
min_amount = 200
[payments.stripe]
tolerance_seconds = 120
[payments.paypal]
client_id = "client"
webhook_id = "WH-1"
client_secret_file = "paypal-secret"
cert_hosts = ["api.paypal.com"]
"""


def test_secrets_from_the_environment_and_files(tmp_path):
    (tmp_path / "paypal-secret").write_text("from-a-file\n")
    env = {"PYRAR_PAYMENTS_STRIPE_SECRET_KEY": "sk_live_env",
           "PYRAR_PAYMENTS_STRIPE_WEBHOOK_SECRET": "whsec_env"}
    settings = load(Config.from_text(TOML, tmp_path, env))
    assert settings.enabled == ("stripe", "paypal")
    assert settings.min_amount == 200 and settings.nowpayments is None
    assert settings.stripe.secret_key == "sk_live_env"
    assert settings.stripe.webhook_secret == "whsec_env"
    assert settings.paypal.client_secret == "from-a-file"
    assert settings.paypal.cert_hosts == ("api.paypal.com",)
    shown = repr(settings)
    assert "sk_live_env" not in shown and "whsec_env" not in shown
    assert "from-a-file" not in shown and "tolerance_seconds=120" in shown


def test_no_payments_table_offers_none(tmp_path):
    assert load(Config.from_text("", tmp_path, {})).enabled == ()


@pytest.mark.parametrize("toml, env, message", [
    ("[payments.stripe]\nsecret_key = 'sk'\n", {}, "needs webhook_secret"),
    ("[payments.nowpayments]\napi_key = 'k'\nipn_secret_file = 'absent'\n", {},
     "cannot read absent"),
    ("[payments.stripe]\nsecret_key = 'sk'\nwebhook_secret = 'w'\nbogus = 1\n", {},
     "unknown key"),
    ("[payments]\nmin_amount = 0\n", {}, "min_amount"),
    ("[payments]\nstripe = 3\n", {}, "must be a table"),
])
def test_bad_configuration_is_said(tmp_path, toml, env, message):
    with pytest.raises(ConfigError, match=message):
        load(Config.from_text(toml, tmp_path, env))


def test_a_paypal_cert_file_only_in_test_mode(tmp_path):
    text = """
[payments.paypal]
client_id = "c"
client_secret = "s"
webhook_id = "WH-1"
cert_file = "chain.pem"
"""
    with pytest.raises(ConfigError, match="cert_file is for test mode only"):
        load(Config.from_text(text, tmp_path, {}))
    settings = load(Config.from_text("[payments]\ntest_mode = true\n" + text, tmp_path, {}))
    assert settings.paypal.cert_file == str(tmp_path / "chain.pem")
