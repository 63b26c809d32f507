"""A partner's whole report round trip against the sandbox: request over the API, the gateway
does the MWS work, a signed ``report.done`` webhook arrives, the file downloads over the API."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest
from rest_framework.test import APIClient

from partners import services, webhooks
from partners.models import Partner, WebhookDelivery
from reports.models import ReportRequest
from tests.integration.reports.conftest import sandbox, sandbox_options, us_seller  # noqa: F401
from tests.integration.reports.support import pump_until, settled

pytestmark = pytest.mark.django_db(transaction=True)


def test_request_webhook_and_download(us_seller, monkeypatch):  # noqa: F811
    partner = Partner.objects.create(name="Acme")
    _, key = services.create_api_key(partner, name="it")
    services.grant_partner(us_seller, partner, scopes=["read_reports", "request_reports"])
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    hook = api.post(
        "/api/v1/webhooks/",
        {"url": "https://hooks.example.com/mws", "events": ["report.done"]},
        format="json",
    ).json()

    created = api.post(
        f"/api/v1/sellers/{us_seller.pk}/report-requests/",
        {"report_type": "_GET_FLAT_FILE_OPEN_LISTINGS_DATA_"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="round-trip",
    )
    assert created.status_code == 201
    report_request = ReportRequest.objects.get(pk=created.json()["id"])
    pump_until(settled(report_request))

    detail = api.get(f"/api/v1/sellers/{us_seller.pk}/report-requests/{report_request.pk}/")
    report_id = detail.json()["report"]
    assert detail.json()["status"] == "done"
    assert report_id

    # The partner's endpoint is not on loopback: catch the POST the worker would send.
    sent = []

    class Answer:
        ok, status_code = True, 204

        def close(self) -> None:
            pass

    def fake_post(target, body, headers):
        sent.append((target, body, headers))
        return Answer()

    monkeypatch.setattr(webhooks, "_post", fake_post)
    for delivery_id in webhooks.dispatch_due():
        webhooks.deliver(delivery_id)
    assert WebhookDelivery.objects.get().state == "delivered"
    ((target, body, headers),) = sent
    # Sent to the address the name resolved to (tests/conftest.py's fake DNS), for the name.
    assert target.pinned_url == "https://93.184.215.14:443/mws"
    assert target.host_header == "hooks.example.com"
    expected = hmac.new(
        hook["secret"].encode(),
        f"{headers['X-MWSPortal-Timestamp']}.".encode() + body,
        hashlib.sha256,
    ).hexdigest()
    assert headers["X-MWSPortal-Signature"] == f"sha256={expected}"
    payload = json.loads(body)
    assert payload["event"] == "report.done"
    assert payload["data"]["report"] == report_id
    assert payload["data"]["report_request"] == report_request.pk

    download = api.get(f"/api/v1/sellers/{us_seller.pk}/reports/{report_id}/download/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"sku\t")
