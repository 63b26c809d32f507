"""Errors Django answers before or instead of a view (a body over its memory limit, a crash)
keep the API's JSON shape under /api/, and stay HTML pages everywhere else."""

from __future__ import annotations

import json
from unittest import mock

import pytest

from tests.unit.api.conftest import PartnerClient


def test_a_body_over_the_memory_limit_is_a_json_413(api, seller, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"report_type": "_GET_MERCHANT_LISTINGS_DATA_", "padding": "x" * 2000})
    response = api.post(
        f"/api/v1/sellers/{seller.pk}/report-requests/", body, content_type="application/json"
    )
    assert response.status_code == 413
    error = response.json()["error"]
    assert error["code"] == "request_too_large"
    assert "1000 bytes" in error["message"]


def test_the_same_refusal_outside_the_api_is_the_html_page(client, owner, seller, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client.force_login(owner)
    response = client.post(f"/reports/sellers/{seller.pk}/request/", {"padding": "x" * 2000})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")


@pytest.fixture
def crashing_api(partner_key, grant):
    client = PartnerClient(partner_key[1], raise_request_exception=False)
    with mock.patch("partners.seller_api.SellerViewSet.list", side_effect=RuntimeError("boom")):
        yield client


def test_a_crash_under_the_api_is_a_json_500_without_details(crashing_api, caplog):
    response = crashing_api.get("/api/v1/sellers/")
    assert response.status_code == 500
    error = response.json()["error"]
    assert error["code"] == "server_error"
    assert "boom" not in response.content.decode()
    # Still logged for the operator.
    assert any("boom" in str(record.exc_info) for record in caplog.records if record.exc_info)
