"""The OpenAPI schema says what the API does, so a generated client works: pages as
``{"results", "next"}``, nullable fields marked, page-size limits, every error answer an
operation can give, downloads with the content types they are served with, a summary and a
description for each operation. And a filter given empty is refused, not ignored."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from tests.factories import FeedSubmissionFactory, ReportFactory, ReportRequestFactory

OPERATIONS = ("get", "post", "put", "patch", "delete")


@pytest.fixture
def schema(client, db) -> dict[str, Any]:
    return client.get("/api/schema/?format=json").json()


def operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method in OPERATIONS
    ]


def resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def test_every_operation_has_a_summary_and_a_description(schema):
    missing = [
        f"{method.upper()} {path}"
        for path, method, operation in operations(schema)
        if not operation.get("summary") or not operation.get("description")
    ]
    assert not missing, missing


def test_lists_are_documented_as_pages(schema):
    lists = [
        (path, operation)
        for path, method, operation in operations(schema)
        if method == "get" and any(p["name"] == "cursor" for p in operation.get("parameters", []))
    ]
    assert len(lists) >= 7
    for path, operation in lists:
        body = operation["responses"]["200"]["content"]["application/json"]["schema"]
        page = resolve(schema, body)
        assert page["type"] == "object", path
        assert {"results", "next"} <= set(page["properties"]), path
        assert page["properties"]["results"]["type"] == "array", path
        assert page["properties"]["next"]["nullable"] is True, path


def test_page_size_limits_are_documented(schema):
    for path, _method, operation in operations(schema):
        for parameter in operation.get("parameters", []):
            if parameter["name"] == "page_size":
                assert parameter["schema"] == {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": 100,
                    "default": 25,
                }, path


def test_fields_that_can_be_null_are_documented_nullable(schema):
    components = schema["components"]["schemas"]
    assert components["ReportRequest"]["properties"]["report"]["nullable"] is True
    assert components["Report"]["properties"]["request"]["nullable"] is True


def test_every_error_answer_is_documented(schema):
    for path, method, operation in operations(schema):
        codes = set(operation["responses"])
        assert {"401", "429"} <= codes, (method, path)
        if "{" in path:
            assert "404" in codes, (method, path)
        if method == "post":
            assert {"400", "409", "413", "422"} <= codes, (method, path)
        if "{seller_pk}" in path and "/request-log/" not in path and path.count("/") > 5:
            assert "403" in codes, (method, path)
        for code, answer in operation["responses"].items():
            if code.startswith(("4", "5")):
                error = resolve(schema, answer["content"]["application/json"]["schema"])
                assert set(error["properties"]) == {"error"}, (method, path, code)


def test_posts_document_the_idempotency_key(schema):
    for path, method, operation in operations(schema):
        headers = [p["name"] for p in operation.get("parameters", []) if p["in"] == "header"]
        assert ("Idempotency-Key" in headers) == (method == "post"), (method, path)


def _documented_types(schema: dict[str, Any], path: str) -> set[str]:
    return set(schema["paths"][path]["get"]["responses"]["200"]["content"])


def test_downloads_document_the_content_type_they_are_served_with(schema, api, seller, media):
    feed = FeedSubmissionFactory(seller=seller, state="complete", report_content_type="text/xml")
    feed.report_file = default_storage.save(
        f"feeds/{seller.pk}/processing-report.xml", ContentFile(b"<ProcessingReport/>")
    )
    feed.save()
    report = ReportFactory(seller=seller, body=b"sku\tqty\n")
    base = "/api/v1/sellers/{seller_pk}"

    processing = api.get(f"/api/v1/sellers/{seller.pk}/feeds/{feed.pk}/result/download/")
    stored = api.get(f"/api/v1/sellers/{seller.pk}/reports/{report.pk}/download/")

    served = processing["Content-Type"].split(";")[0]
    assert served in _documented_types(schema, f"{base}/feeds/{{id}}/result/download/")
    assert stored["Content-Type"].split(";")[0] in _documented_types(
        schema, f"{base}/reports/{{id}}/download/"
    )
    assert "text/xml" in _documented_types(schema, f"{base}/feeds/{{id}}/result/download/")


@pytest.mark.parametrize(
    ("route", "field"),
    [
        ("report-requests", "since"),
        ("report-requests", "until"),
        ("reports", "since"),
        ("feeds", "since"),
        ("request-log", "since"),
        ("request-log", "failed"),
    ],
)
def test_a_filter_given_empty_is_refused_naming_it(api, seller, route, field):
    ReportRequestFactory(seller=seller)
    response = api.get(f"/api/v1/sellers/{seller.pk}/{route}/?{field}=")
    assert response.status_code == 400
    assert response.json()["error"]["field"] == field
