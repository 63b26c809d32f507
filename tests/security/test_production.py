"""Production settings (DEBUG off): ``check --deploy`` is clean, and what a browser receives
carries secure cookies, HSTS, the anti-framing, sniffing and referrer headers, and HTTPS only.

Settings are read once per process, so production is loaded in a fresh interpreter with the
environment an operator would set, as tests/unit/portal/test_settings.py does.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from tests.unit.portal.test_settings import PRODUCTION_SECRETS, ROOT

HOST = "portal.example.com"

# Runs in the fresh interpreter: makes a user, logs in over HTTPS and prints what came back.
# Static files are served by the plain storage here: the manifest a production deployment
# builds with collectstatic is not what is under test.
PROBE = """
import json, django
from django.test.utils import override_settings
django.setup()
from django.conf import settings
from django.core.management import call_command
from django.contrib.auth import get_user_model
from django.test import Client

call_command("migrate", verbosity=0)
get_user_model().objects.create_user("owner@example.com", "owner@example.com", "pw-x9!kq2")
plain = {**settings.STORAGES, "staticfiles": {
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}

def cookie(response, name):
    morsel = response.cookies[name]
    return {key: morsel[key] for key in ("secure", "httponly", "samesite")}

def headers(response):
    return {key.lower(): value for key, value in response.headers.items()}

with override_settings(STORAGES=plain):
    client = Client(HTTP_HOST="%(host)s")
    insecure = client.get("/accounts/login/")
    page = client.get("/accounts/login/", secure=True)
    login = client.post("/accounts/login/", {"username": "owner@example.com",
                        "password": "pw-x9!kq2"}, secure=True)
    missing = client.get("/no-such-page/", secure=True)
print(json.dumps({
    "insecure": [insecure.status_code, insecure.get("Location", "")],
    "page": [page.status_code, headers(page), cookie(page, "csrftoken")],
    "login": [login.status_code, cookie(login, "sessionid")],
    "missing": [missing.status_code, headers(missing), missing.content.decode()],
}))
"""


def _production(tmp_path: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "mwsportal.settings",
        "MWSPORTAL_DATA_DIR": str(tmp_path / "data"),
        **PRODUCTION_SECRETS,
        # check --deploy wants a long random key, as the README tells operators to make.
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DEBUG": "false",
        "ALLOWED_HOSTS": HOST,
        # Notice e-mails link here; check --deploy warns while it is this machine.
        "PORTAL_URL": f"https://{HOST}",
    }
    return subprocess.run(
        [sys.executable, *argv], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_is_clean(tmp_path):
    result = _production(tmp_path, "manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.fixture(scope="module")
def production(tmp_path_factory) -> dict:
    result = _production(tmp_path_factory.mktemp("production"), "-c", PROBE % {"host": HOST})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_plain_http_is_sent_to_https(production):
    status, location = production["insecure"]
    assert status == 301
    assert location == f"https://{HOST}/accounts/login/"


def test_hsts_for_a_year_with_subdomains(production):
    status, headers, _ = production["page"]
    assert status == 200
    assert headers["strict-transport-security"] == "max-age=31536000; includeSubDomains; preload"


def test_clickjacking_sniffing_and_referrer_headers(production):
    _, headers, _ = production["page"]
    assert headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["cross-origin-opener-policy"] == "same-origin"


def test_cookies_are_secure(production):
    _, _, csrf = production["page"]
    assert csrf["secure"] is True
    assert csrf["samesite"] == "Lax"
    status, session = production["login"]
    assert status == 302, "the login went through"
    assert session == {"secure": True, "httponly": True, "samesite": "Lax"}


def test_error_pages_tell_nothing_and_carry_the_headers(production):
    status, headers, body = production["missing"]
    assert status == 404
    assert "strict-transport-security" in headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "Traceback" not in body, "no debug page in production"
    assert "urlpatterns" not in body
