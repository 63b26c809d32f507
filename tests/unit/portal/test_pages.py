"""The landing page and the health endpoint."""

from __future__ import annotations

import pytest
from django.test import Client

from mwsportal import health
from mwsportal.demo import DEMO_STAFF_USERNAME, DEMO_USERNAME, seed_demo


def test_landing_page_needs_a_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_landing_page_greets_the_user(owner_client):
    response = owner_client.get("/")
    assert response.status_code == 200
    assert b"Welcome" in response.content
    assert b"htmx-2.0.11.min.js" in response.content


def test_logout_is_a_post(owner_client):
    assert owner_client.post("/accounts/logout/").status_code == 302
    assert owner_client.get("/").status_code == 302


@pytest.mark.django_db
def test_healthz_reports_every_dependency(client, monkeypatch, settings):
    settings.HEALTHZ_TOKEN = "monitor-token-1234"
    monkeypatch.setattr(health, "check_broker", lambda: health.CheckResult(True, "sqla", 1.0))
    monkeypatch.setattr(
        health, "check_mws_endpoint", lambda: health.CheckResult(True, "HTTP 200", 1.0)
    )
    response = client.get("/healthz", HTTP_AUTHORIZATION="Bearer monitor-token-1234")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "broker", "mws_endpoint"}
    assert body["checks"]["database"]["ok"] is True


@pytest.mark.django_db
def test_healthz_is_503_when_the_endpoint_is_unreachable(client, settings, staff):
    settings.MWS_ENDPOINT = "http://127.0.0.1:9"  # discard port: nothing listens
    client.force_login(staff)
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["mws_endpoint"]["ok"] is False
    assert "ConnectionError" in body["checks"]["mws_endpoint"]["detail"]


@pytest.mark.django_db
def test_seed_demo_is_idempotent():
    first = seed_demo()
    second = seed_demo()
    assert [login.created for login in first] == [True, True]
    assert [login.created for login in second] == [False, False]
    assert Client().login(username=DEMO_USERNAME, password=first[0].password)
    assert Client().login(username=DEMO_STAFF_USERNAME, password=first[1].password)


def test_the_endpoint_is_shown_without_credentials(settings):
    settings.MWS_ENDPOINT = "https://user:hunter2@proxy.example.com:8443/mws"
    assert health.endpoint_for_display() == "https://proxy.example.com:8443"
