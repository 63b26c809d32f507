"""Small leaks: the development server's access log is masked like every other log line, the
mask knows the portal's own API keys, ``/healthz`` tells the public only its status, and the
admin neither fabricates reports nor saves an expired API key without saying so."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from mwsclient.redaction import MASK
from mwsportal import health
from mwsportal.logredaction import redact
from partners.models import ApiKey, Partner

API_KEY = "mwsp_0123456789ab_Zx9-Qw_ErTyUiOpAsDfGhJkLzXcVbNm1234567890"
AUTH_TOKEN = "amzn.mws.4ea38b7b-f563-7709-4bae-87aeaEXAMPLE"


def test_the_redaction_masks_the_portals_api_keys():
    line = f"GET /api/v1/reports/?key={API_KEY} Authorization: Api-Key {API_KEY}"
    redacted = redact(line)
    assert "mwsp_" not in redacted
    assert redacted.count(MASK) == 2


def test_the_development_servers_access_log_is_masked():
    # What runserver's request handler logs for each request line (WSGIRequestHandler).
    record = logging.LogRecord(
        "django.server",
        logging.INFO,
        __file__,
        1,
        '"%s" %s %s',
        (f"GET /reports/?token={AUTH_TOKEN}&key={API_KEY} HTTP/1.1", "200", "512"),
        None,
    )
    handlers = logging.getLogger("django.server").handlers
    assert handlers
    for handler in handlers:
        assert handler.filter(record)
        message = record.getMessage()
        assert AUTH_TOKEN not in message
        assert API_KEY not in message


@pytest.fixture
def checks_failing(monkeypatch):
    """A broker check failing with a text that names an internal host, as drivers do."""
    failing = health.CheckResult(False, "OperationalError: redis-internal.svc:6379 refused", 1.0)
    monkeypatch.setattr(health, "check_broker", lambda: failing)
    monkeypatch.setattr(
        health, "check_mws_endpoint", lambda: health.CheckResult(True, "HTTP 200 from x", 1.0)
    )


@pytest.mark.django_db
def test_healthz_tells_the_public_only_its_status(client, checks_failing):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "degraded"}
    assert b"redis-internal" not in response.content


@pytest.mark.django_db
@pytest.mark.parametrize("header", ["Bearer wrong-token-000", "monitor-token-1234", "Basic x"])
def test_healthz_detail_needs_the_right_token(client, checks_failing, settings, header):
    settings.HEALTHZ_TOKEN = "monitor-token-1234"
    response = client.get("/healthz", HTTP_AUTHORIZATION=header)
    assert response.json() == {"status": "degraded"}


@pytest.mark.django_db
def test_healthz_without_a_configured_token_shows_no_detail_to_an_empty_bearer(
    client, checks_failing, settings
):
    settings.HEALTHZ_TOKEN = ""
    assert client.get("/healthz", HTTP_AUTHORIZATION="Bearer ").json() == {"status": "degraded"}


@pytest.mark.django_db
def test_healthz_detail_for_staff_and_the_monitor_token(
    client, checks_failing, settings, staff, owner_client
):
    settings.HEALTHZ_TOKEN = "monitor-token-1234"
    assert "checks" not in owner_client.get("/healthz").json()  # a seller is not staff
    monitored = client.get("/healthz", HTTP_AUTHORIZATION="Bearer monitor-token-1234").json()
    assert monitored["checks"]["broker"]["detail"].startswith("OperationalError")
    client.force_login(staff)
    assert set(client.get("/healthz").json()["checks"]) == {"database", "broker", "mws_endpoint"}


@pytest.mark.django_db
@pytest.mark.parametrize("model", ["reportrequest", "report"])
def test_the_admin_cannot_add_reports_or_report_requests(admin_client, model):
    url = reverse(f"admin:reports_{model}_add")
    assert admin_client.get(url).status_code == 403
    assert admin_client.post(url, {}).status_code == 403
    changelist = admin_client.get(reverse(f"admin:reports_{model}_changelist")).content.decode()
    assert url not in changelist


def _save_key(admin_client, url: str, partner: Partner, expires: str):
    day, time = expires.split(" ") if expires else ("", "")
    return admin_client.post(
        url,
        {"partner": partner.pk, "name": "ci", "expires_at_0": day, "expires_at_1": time},
        follow=True,
    )


def _messages(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


@pytest.mark.django_db
def test_saving_an_api_key_that_already_expired_warns(admin_client):
    partner = Partner.objects.create(name="Admin Partner")
    past = (timezone.now() - timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S")
    added = _save_key(admin_client, reverse("admin:partners_apikey_add"), partner, past)
    assert added.status_code == 200
    assert "expired on" in _messages(added)

    api_key = ApiKey.objects.get()
    future = (timezone.now() + timedelta(days=30)).strftime("%Y-%m-%d %H:%M:%S")
    change = reverse("admin:partners_apikey_change", args=[api_key.pk])
    changed = admin_client.post(
        change,
        {"name": "ci", "expires_at_0": future.split(" ")[0], "expires_at_1": future.split(" ")[1]},
        follow=True,
    )
    assert changed.status_code == 200
    assert "expired on" not in _messages(changed)
    api_key.refresh_from_db()
    assert api_key.expires_at > timezone.now()


@pytest.mark.django_db
def test_saving_a_key_without_expiry_does_not_warn(admin_client):
    partner = Partner.objects.create(name="Admin Partner")
    added = _save_key(admin_client, reverse("admin:partners_apikey_add"), partner, "")
    assert "expired on" not in _messages(added)
