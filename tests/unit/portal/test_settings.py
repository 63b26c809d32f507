"""Settings start with nothing configured, and production refuses to start without its secrets."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from mwsportal.env import Env

ROOT = Path(__file__).resolve().parents[3]

PRODUCTION_SECRETS = {
    "SECRET_KEY": "x" * 60,
    "FIELD_ENCRYPTION_KEYS": "UWx7uXb8QHqWjNwB1o0y3d4pTGm7sY0oXGQ1bqTgIQk=",
    "MWS_ACCESS_KEY_ID": "AKIAPRODUCTION00001",
    "MWS_SECRET_KEY": "production-secret",
    "MWS_DEVELOPER_ID": "1111-2222-3333",
}


def load_settings(environ: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """Import the settings in a fresh interpreter with exactly ``environ`` (plus PATH)."""
    code = (
        "import django, json\n"
        "from django.conf import settings\n"
        "django.setup()\n"
        "print(json.dumps({'debug': settings.DEBUG, 'db': settings.DATABASES['default']['ENGINE'],"
        " 'broker': settings.CELERY_BROKER_URL, 'endpoint': settings.MWS_ENDPOINT,"
        " 'keys': len(settings.FIELD_ENCRYPTION_KEYS)}))\n"
    )
    env = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "mwsportal.settings",
        "MWSPORTAL_DATA_DIR": str(tmp_path / "data"),
        **environ,
    }
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def test_empty_environment_runs_on_sqlite_with_the_sandbox(tmp_path):
    result = load_settings({}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert '"debug": true' in result.stdout
    assert '"db": "django.db.backends.sqlite3"' in result.stdout
    assert "sqla+sqlite:///" in result.stdout
    assert '"endpoint": "http://127.0.0.1:8765"' in result.stdout
    # The development keys were created once and are kept for the next start.
    assert (tmp_path / "data" / "dev-secret-key").exists()
    key_file = tmp_path / "data" / "dev-field-encryption-key"
    first_key = key_file.read_text()
    assert load_settings({}, tmp_path).returncode == 0
    assert key_file.read_text() == first_key


@pytest.mark.parametrize("missing", sorted(PRODUCTION_SECRETS))
def test_production_without_a_secret_fails_naming_the_variable(tmp_path, missing):
    environ = {k: v for k, v in PRODUCTION_SECRETS.items() if k != missing}
    result = load_settings({"DEBUG": "false", **environ}, tmp_path)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"{missing} (or {missing}_FILE) must be set when DEBUG is off" in result.stderr
    assert HOW_TO_GET_ONE[missing] in result.stderr


# What the error adds after naming the variable: how to make the secret, or where it comes from.
HOW_TO_GET_ONE = {
    "SECRET_KEY": "Make one with: python -c",
    "FIELD_ENCRYPTION_KEYS": "Fernet.generate_key()",
    "MWS_ACCESS_KEY_ID": "AWS access key id of your MWS developer account",
    "MWS_SECRET_KEY": "secret key that belongs to MWS_ACCESS_KEY_ID",
    "MWS_DEVELOPER_ID": "MWS developer account number",
}


@pytest.mark.parametrize("value", ["0", "-1", str(2**31), str(5 * 2**30)])
def test_a_feed_size_limit_outside_what_mws_takes_is_refused(tmp_path, value):
    result = load_settings({"FEED_UPLOAD_MAX_BYTES": value}, tmp_path)
    assert result.returncode != 0
    assert "FEED_UPLOAD_MAX_BYTES must be above 0 and below 2 GiB" in result.stderr


def test_the_largest_feed_mws_takes_is_allowed(tmp_path):
    result = load_settings({"FEED_UPLOAD_MAX_BYTES": str(2**31 - 1)}, tmp_path)
    assert result.returncode == 0, result.stderr


def test_production_with_all_secrets_starts(tmp_path):
    result = load_settings({"DEBUG": "false", **PRODUCTION_SECRETS}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert '"debug": false' in result.stdout
    assert '"endpoint": ""' in result.stdout, "production talks to the real MWS hosts by default"


def test_secret_read_from_file_variant(tmp_path):
    secret_file = tmp_path / "secret"
    secret_file.write_text("from-a-file\n")
    assert Env({"MWS_SECRET_KEY_FILE": str(secret_file)}).secret("MWS_SECRET_KEY") == "from-a-file"


def test_secret_file_that_cannot_be_read_is_named(tmp_path):
    with pytest.raises(ImproperlyConfigured, match="MWS_SECRET_KEY_FILE points at"):
        Env({"MWS_SECRET_KEY_FILE": str(tmp_path / "nope")}).secret("MWS_SECRET_KEY")


def test_secret_and_file_variant_together_are_refused(tmp_path):
    with pytest.raises(ImproperlyConfigured, match="either SECRET_KEY or SECRET_KEY_FILE"):
        Env({"SECRET_KEY": "a", "SECRET_KEY_FILE": "/etc/hostname"}).secret("SECRET_KEY")


@pytest.mark.parametrize(("raw", "expected"), [("1", True), ("Yes", True), ("off", False)])
def test_booleans(raw, expected):
    assert Env({"FLAG": raw}).bool("FLAG") is expected


def test_a_word_that_is_not_a_boolean_is_refused():
    with pytest.raises(ImproperlyConfigured, match="DEBUG must be true or false"):
        Env({"DEBUG": "maybe"}).bool("DEBUG")


def test_a_number_that_is_not_a_number_is_refused():
    with pytest.raises(ImproperlyConfigured, match="MWS_REQUEST_TIMEOUT must be a whole number"):
        Env({"MWS_REQUEST_TIMEOUT": "soon"}).int("MWS_REQUEST_TIMEOUT", 60)


def test_database_url_selects_postgresql(tmp_path):
    result = load_settings({"DATABASE_URL": "postgres://u@127.0.0.1:5432/test"}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert '"db": "django.db.backends.postgresql"' in result.stdout


def test_unknown_storage_backend_is_refused(tmp_path):
    result = load_settings({"STORAGE_BACKEND": "ftp"}, tmp_path)
    assert result.returncode != 0
    assert "STORAGE_BACKEND must be local or s3" in result.stderr


def test_s3_storage_without_a_bucket_is_refused(tmp_path):
    result = load_settings({"STORAGE_BACKEND": "s3"}, tmp_path)
    assert result.returncode != 0
    assert "S3_BUCKET must name the bucket" in result.stderr


def test_developer_account_ids_can_come_from_files(tmp_path):
    key_file = tmp_path / "key-id"
    key_file.write_text("AKIAFROMAFILE0000001\n")
    code = "from django.conf import settings; print(settings.MWS_ACCESS_KEY_ID)"
    env = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "mwsportal.settings",
        "MWSPORTAL_DATA_DIR": str(tmp_path / "data"),
        "MWS_ACCESS_KEY_ID_FILE": str(key_file),
    }
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "AKIAFROMAFILE0000001"


@pytest.mark.parametrize("value", ["600", "600/minutes", "0/minute", "ten/minute", "600/week"])
def test_a_malformed_api_rate_limit_stops_start_up(tmp_path, value):
    result = load_settings({"API_RATE_LIMIT": value}, tmp_path)
    assert result.returncode != 0
    assert "API_RATE_LIMIT must look like 600/minute" in result.stderr


def test_every_documented_api_rate_period_starts(tmp_path):
    for value in ["5/second", "600/minute", "10000/hour", "100000/day"]:
        result = load_settings({"API_RATE_LIMIT": value}, tmp_path)
        assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("environ", "setting"),
    [
        ({"MWS_APP_NAME": "Портал"}, "MWS_APP_NAME"),
        ({"MWS_APP_VERSION": "1.0-β"}, "MWS_APP_VERSION"),
    ],
)
def test_a_user_agent_that_cannot_be_sent_stops_start_up(tmp_path, environ, setting):
    result = load_settings(environ, tmp_path)
    assert result.returncode != 0
    assert f"{setting} cannot go into the MWS User-Agent header" in result.stderr
    assert "is not Latin-1" in result.stderr
    assert "UnicodeEncodeError" not in result.stderr


def test_a_latin_1_application_name_starts(tmp_path):
    result = load_settings({"MWS_APP_NAME": "Café Portal"}, tmp_path)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("value", ["29", "0", "-5"])
def test_request_log_retention_below_the_guides_minimum_stops_start_up(tmp_path, value):
    result = load_settings({"MWS_REQUEST_LOG_RETENTION_DAYS": value}, tmp_path)
    assert result.returncode != 0
    assert "MWS_REQUEST_LOG_RETENTION_DAYS must be at least 30" in result.stderr


def test_request_log_retention_of_thirty_days_or_more_starts(tmp_path):
    for value in ["30", "365"]:
        result = load_settings({"MWS_REQUEST_LOG_RETENTION_DAYS": value}, tmp_path)
        assert result.returncode == 0, result.stderr
