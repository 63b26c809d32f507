"""The OpenAPI schema, the offline docs page, cursor pages and list filters."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.utils import timezone
from drf_spectacular.validation import validate_schema

from mwsportal.gateway.models import RequestLogEntry
from tests.factories import ReportFactory, ReportRequestFactory


def test_schema_is_valid_openapi_and_lists_every_route(client, db):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    validate_schema(schema)
    from tests.unit.api.test_tenancy import api_patterns

    routes = [route for route, _ in api_patterns() if route.startswith("v1/")]
    assert len(schema["paths"]) == len(routes)
    assert "/api/v1/sellers/{seller_pk}/feeds/{id}/result/download/" in schema["paths"]
    assert schema["components"]["securitySchemes"]["ApiKey"]["in"] == "header"


def test_schema_generation_has_no_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", tmp_path / "s.yaml")


def test_docs_page_loads_nothing_from_another_origin(client, db):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    urls = re.findall(r"""(?:src|href)=["']([^"']+)""", html)
    assert urls
    assert all(not u.startswith(("http:", "https:", "//")) for u in urls), urls
    # Every file it loads is one the portal serves itself.
    static = [
        u.removeprefix(settings.STATIC_URL) for u in urls if u.startswith(settings.STATIC_URL)
    ]
    assert len(static) >= 3
    assert all(finders.find(path) for path in static), static
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert not re.search(r"https?://", script.content.decode())


def test_cursor_pages_walk_the_whole_list_once(api, seller):
    made = [ReportRequestFactory(seller=seller).pk for _ in range(7)]
    seen, url = [], f"/api/v1/sellers/{seller.pk}/report-requests/?page_size=3"
    while url:
        page = api.get(url).json()
        seen += [row["id"] for row in page["results"]]
        url = page["next"]
    assert seen == sorted(made, reverse=True)


@pytest.mark.parametrize(
    ("query", "field"), [("cursor=%%%", "cursor"), ("page_size=0", "page_size")]
)
def test_bad_page_parameters_name_the_field(api, seller, query, field):
    response = api.get(f"/api/v1/sellers/{seller.pk}/report-requests/?{query}")
    assert response.status_code == 400
    assert response.json()["error"]["field"] == field


def test_filters_by_status_and_type(api, seller):
    done = ReportRequestFactory(seller=seller, status="done")
    ReportRequestFactory(seller=seller, status="submitted")
    response = api.get(f"/api/v1/sellers/{seller.pk}/report-requests/?status=done")
    assert [row["id"] for row in response.json()["results"]] == [done.pk]
    bad = api.get(f"/api/v1/sellers/{seller.pk}/report-requests/?status=nope")
    assert bad.json()["error"]["field"] == "status"


@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_an_unknown_route_is_a_json_404(api, method):
    response = getattr(api, method)("/api/v1/nowhere/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert "/api/v1/nowhere/" in response.json()["error"]["message"]


def test_a_route_without_its_final_slash_says_so(api, seller):
    response = api.get(f"/api/v1/sellers/{seller.pk}/reports")
    assert response.status_code == 404
    assert f"/api/v1/sellers/{seller.pk}/reports/." in response.json()["error"]["message"]


def test_reports_filter_by_state(api, seller, media):
    stored = ReportFactory(seller=seller, state="stored")
    ReportFactory(seller=seller, state="failed")
    response = api.get(f"/api/v1/sellers/{seller.pk}/reports/?state=stored")
    assert [row["id"] for row in response.json()["results"]] == [stored.pk]
    assert api.get(f"/api/v1/sellers/{seller.pk}/reports/?state=lost").status_code == 400


def test_request_log_filters_by_outcome_and_time(api, seller):
    now = timezone.now()

    def entry(error_code: str, minutes_ago: int) -> int:
        return RequestLogEntry.objects.create(
            seller=seller,
            mws_seller_id=seller.seller_id,
            operation="RequestReport",
            sent_at=now - timedelta(minutes=minutes_ago),
            timestamp="2026-01-01T00:00:00Z",
            duration_ms=5.0,
            error_code=error_code,
        ).pk

    old_ok, recent_throttled, recent_ok = entry("", 90), entry("RequestThrottled", 5), entry("", 1)
    url = f"/api/v1/sellers/{seller.pk}/request-log/"

    def ids(query: str) -> list[int]:
        response = api.get(f"{url}?{query}")
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert ids("failed=true") == [recent_throttled]
    assert ids("failed=false") == [recent_ok, old_ok]
    since = (now - timedelta(minutes=30)).isoformat().replace("+00:00", "Z")
    assert ids(f"since={since}") == [recent_ok, recent_throttled]
    assert ids(f"until={since}") == [old_ok]
    assert api.get(f"{url}?since=yesterday").json()["error"]["field"] == "since"


def test_schema_enumerates_every_report_and_feed_type(client, db):
    from mwsclient.operations import FEED_TYPES, REPORT_TYPES, REQUESTABLE_REPORT_TYPES

    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    schemas = response.json()["components"]["schemas"]
    assert set(schemas["ReportTypeEnum"]["enum"]) == set(REPORT_TYPES)
    assert set(schemas["RequestableReportTypeEnum"]["enum"]) == set(REQUESTABLE_REPORT_TYPES)
    feed_enums = [
        set(schema["enum"])
        for schema in schemas.values()
        if "enum" in schema and "_POST_PRODUCT_DATA_" in schema["enum"]
    ]
    assert feed_enums
    assert all(found == set(FEED_TYPES) for found in feed_enums)
