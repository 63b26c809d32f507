"""The partner API's own guarantees beyond tenancy: an ``Idempotency-Key`` replays an answer
only to the same request of a partner that may still make it, and the request log shows a
grant only the calls its scopes cover."""

from __future__ import annotations

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from mwsportal.gateway.models import RequestLogEntry
from partners import services
from partners.models import Grant, Partner
from reports.models import ReportRequest
from sellers.models import Seller
from tests.factories import FEED_BODY, SellerFactory, SellerMarketplaceFactory

LISTINGS = "_GET_FLAT_FILE_OPEN_LISTINGS_DATA_"


@pytest.fixture
def seller(owner) -> Seller:
    seller = SellerFactory(owner=owner)
    SellerMarketplaceFactory(seller=seller)
    return seller


@pytest.fixture
def partner_client(db) -> tuple[Partner, APIClient]:
    partner = Partner.objects.create(name="Acme Integrations")
    _, key = services.create_api_key(partner, name="tests")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    return partner, client


def _grant(seller: Seller, partner: Partner, *scopes: str) -> Grant:
    return services.grant_partner(seller, partner, scopes=scopes)


# ---- Idempotency-Key ------------------------------------------------------------------------


def test_a_replay_after_the_grant_was_revoked_is_a_404(seller, partner_client):
    partner, client = partner_client
    grant = _grant(seller, partner, *Grant.Scope.values)
    url = f"/api/v1/sellers/{seller.pk}/report-requests/"
    first = client.post(url, {"report_type": LISTINGS}, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert first.status_code == 201
    services.revoke_grant(grant)

    again = client.post(url, {"report_type": LISTINGS}, format="json", HTTP_IDEMPOTENCY_KEY="k")

    assert again.status_code == 404
    assert again.json()["error"]["code"] == "not_found"
    assert str(first.json()["id"]) not in again.content.decode()
    assert "Idempotent-Replay" not in again


def test_a_replay_after_the_grant_lost_the_scope_is_a_403(seller, partner_client):
    partner, client = partner_client
    _grant(seller, partner, *Grant.Scope.values)
    url = f"/api/v1/sellers/{seller.pk}/report-requests/"
    first = client.post(url, {"report_type": LISTINGS}, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert first.status_code == 201
    _grant(seller, partner, "read_reports")

    again = client.post(url, {"report_type": LISTINGS}, format="json", HTTP_IDEMPOTENCY_KEY="k")

    assert again.status_code == 403
    assert again.json()["error"]["scope"] == "request_reports"
    assert "Idempotent-Replay" not in again


@pytest.mark.parametrize(
    "second",
    [
        {"report_type": "_GET_MERCHANT_LISTINGS_DATA_"},
        {"report_type": LISTINGS, "report_options": "custom=true"},
    ],
)
def test_a_key_reused_with_another_body_is_a_422(seller, partner_client, second):
    partner, client = partner_client
    _grant(seller, partner, *Grant.Scope.values)
    url = f"/api/v1/sellers/{seller.pk}/report-requests/"
    first = client.post(url, {"report_type": LISTINGS}, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert first.status_code == 201

    reused = client.post(url, second, format="json", HTTP_IDEMPOTENCY_KEY="k")

    assert reused.status_code == 422
    error = reused.json()["error"]
    assert (error["code"], error["field"]) == ("idempotency_key_reused", "Idempotency-Key")
    assert ReportRequest.objects.count() == 1


def test_the_same_body_in_another_key_order_or_encoding_is_a_replay(seller, partner_client):
    partner, client = partner_client
    _grant(seller, partner, *Grant.Scope.values)
    url = f"/api/v1/sellers/{seller.pk}/report-requests/"
    first = client.generic(
        "POST",
        url,
        f'{{"report_type": "{LISTINGS}", "marketplace_ids": ["ATVPDKIKX0DER"]}}',
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k",
    )
    again = client.generic(
        "POST",
        url,
        f'{{"marketplace_ids":["ATVPDKIKX0DER"],"report_type":"{LISTINGS}"}}',
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k",
    )
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replay"] == "true"
    assert ReportRequest.objects.count() == 1


def test_a_raw_feed_retried_with_another_file_is_a_422(seller, partner_client, media):
    partner, client = partner_client
    _grant(seller, partner, *Grant.Scope.values)
    url = f"/api/v1/sellers/{seller.pk}/feeds/?feed_type=_POST_INVENTORY_AVAILABILITY_DATA_"
    first = client.generic(
        "POST", url, FEED_BODY, content_type="text/xml", HTTP_IDEMPOTENCY_KEY="feed"
    )
    assert first.status_code == 201, first.content
    changed = FEED_BODY.replace(b"<Quantity>3<", b"<Quantity>4<")
    other = client.generic(
        "POST", url, changed, content_type="text/xml", HTTP_IDEMPOTENCY_KEY="feed"
    )
    assert other.status_code == 422
    assert other.json()["error"]["code"] == "idempotency_key_reused"


# ---- request log ----------------------------------------------------------------------------


def _log(seller: Seller, operation: str) -> int:
    return RequestLogEntry.objects.create(
        seller=seller,
        mws_seller_id=seller.seller_id,
        operation=operation,
        sent_at=timezone.now(),
        timestamp="2026-01-01T00:00:00Z",
        duration_ms=5.0,
    ).pk


@pytest.mark.parametrize(
    ("scopes", "visible"),
    [
        (["read_reports"], {"GetReportList", "ListMarketplaceParticipations"}),
        (["request_reports"], {"GetReportList", "ListMarketplaceParticipations"}),
        (["submit_feeds"], {"SubmitFeed", "ListMarketplaceParticipations"}),
        (
            ["read_reports", "submit_feeds"],
            {"GetReportList", "SubmitFeed", "ListMarketplaceParticipations"},
        ),
    ],
)
def test_the_request_log_shows_only_the_calls_a_scope_covers(
    seller, partner_client, scopes, visible
):
    partner, client = partner_client
    _grant(seller, partner, *scopes)
    for operation in ("GetReportList", "SubmitFeed", "ListMarketplaceParticipations", "Unknown"):
        _log(seller, operation)
    url = f"/api/v1/sellers/{seller.pk}/request-log/"

    listed = client.get(url)
    asked_for_feeds = client.get(f"{url}?operation=SubmitFeed")

    assert listed.status_code == 200
    assert {row["operation"] for row in listed.json()["results"]} == visible
    assert bool(asked_for_feeds.json()["results"]) == ("SubmitFeed" in visible)
