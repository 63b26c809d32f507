"""The developer account comes from settings, with per-region overrides."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from mwsportal.developer import build_client, developer_account

ROOT = Path(__file__).resolve().parents[3]
EU_ACCOUNT = {
    "access_key_id": "AKIAEUROPE000000001",
    "secret_key": "europe-secret-key-value",
    "developer_id": "9999-8888-7777",
    "developer_name": "MWS Portal Europe",
}


def test_every_region_uses_the_main_account_by_default(settings):
    settings.MWS_REGION_ACCOUNTS = {}
    account = developer_account("FE")
    assert account.access_key_id == settings.MWS_ACCESS_KEY_ID
    assert account.secret_key == settings.MWS_SECRET_KEY
    assert account.developer_id == settings.MWS_DEVELOPER_ID
    assert account.developer_name == settings.MWS_DEVELOPER_NAME


def test_a_region_override_applies_to_that_region_only(settings):
    settings.MWS_REGION_ACCOUNTS = {"EU": EU_ACCOUNT}
    assert developer_account("EU").developer_id == "9999-8888-7777"
    assert developer_account("EU").secret_key == "europe-secret-key-value"
    assert developer_account("NA").developer_id == settings.MWS_DEVELOPER_ID


def test_the_secret_key_never_shows_in_a_repr(settings):
    settings.MWS_REGION_ACCOUNTS = {"EU": EU_ACCOUNT}
    shown = repr(developer_account("EU"))
    assert "europe-secret-key-value" not in shown
    assert "9999-8888-7777" in shown


def test_an_unknown_region_is_refused():
    with pytest.raises(ValueError, match="unknown MWS region"):
        developer_account("XX")


def test_build_client_is_configured_from_settings(settings):
    settings.MWS_ENDPOINT = "http://127.0.0.1:9"
    settings.MWS_APP_NAME, settings.MWS_APP_VERSION = "PortalUnderTest", "9.9"
    client = build_client("NA")
    assert client.user_agent.startswith("PortalUnderTest/9.9 ")
    assert "http://127.0.0.1:9" in repr(client)
    assert settings.MWS_SECRET_KEY not in repr(client)


def test_client_options_win_over_settings(settings):
    settings.MWS_ENDPOINT = "http://127.0.0.1:9"
    assert "http://127.0.0.1:8" in repr(build_client("NA", endpoint="http://127.0.0.1:8"))


def _settings_in(environ: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    code = (
        "import django, json\nfrom django.conf import settings\ndjango.setup()\n"
        "print(json.dumps({k: v['developer_id'] for k, v in settings.MWS_REGION_ACCOUNTS.items()}))"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={
            "PATH": os.environ["PATH"],
            "DJANGO_SETTINGS_MODULE": "mwsportal.settings",
            "MWSPORTAL_DATA_DIR": str(tmp_path),
            **environ,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_region_accounts_are_read_from_the_environment(tmp_path):
    result = _settings_in(
        {
            "MWS_EU_ACCESS_KEY_ID": "AKIAEUROPE000000001",
            "MWS_EU_SECRET_KEY": "europe-secret",
            "MWS_EU_DEVELOPER_ID": "9999-8888-7777",
        },
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == '{"EU": "9999-8888-7777"}'


def test_an_incomplete_region_account_names_what_is_missing(tmp_path):
    result = _settings_in({"MWS_FE_ACCESS_KEY_ID": "AKIAJAPAN0000000001"}, tmp_path)
    assert result.returncode != 0
    assert "MWS_FE_SECRET_KEY, MWS_FE_DEVELOPER_ID must be set too" in result.stderr
