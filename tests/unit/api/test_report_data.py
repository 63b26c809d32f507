"""Report rows and settlements over the partner API."""

from __future__ import annotations

import pytest

from tests.unit.reports.report_data import (
    ORDERS,
    SETTLEMENT,
    ingested,
    orders_body,
    settlement_body,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def orders(media, seller):
    return ingested(ORDERS, orders_body(), seller=seller)


def rows_url(seller, report) -> str:
    return f"/api/v1/sellers/{seller.pk}/reports/{report.pk}/rows/"


def test_rows_are_typed_json(api, seller, orders):
    body = api.get(rows_url(seller, orders), {"page_size": 2}).json()
    assert {"name": "item-price", "type": "decimal"} in body["columns"]
    assert body["count"] == 12
    first = body["results"][0]
    assert first["line"] == 2
    assert first["values"]["item-price"] == "10.25"
    assert first["values"]["quantity"] == 1
    assert first["values"]["purchase-date"] == "2020-05-01T10:00:00+00:00"
    assert body["next"]


def test_rows_follow_the_cursor_with_filters_and_sort(api, seller, orders):
    url = rows_url(seller, orders)
    params = {"page_size": 2, "sort": "-item-price", "f.order-status": "shipped"}
    seen = []
    body = api.get(url, params).json()
    while True:
        seen += [row["values"]["item-price"] for row in body["results"]]
        if not body["next"]:
            break
        body = api.get(body["next"]).json()
    assert seen == [f"{p}.25" for p in range(20, 9, -1)]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"sort": "nope"}, "sort"),
        ({"f.quantity.min": "x"}, "f.quantity.min"),
        ({"page_size": "1000"}, "page_size"),
        ({"cursor": "garbage"}, "cursor"),
    ],
)
def test_bad_row_parameters_are_a_400_naming_the_field(api, seller, orders, params, field):
    response = api.get(rows_url(seller, orders), params)
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_rows_of_a_report_not_read_yet_are_a_409(api, seller, media):
    from tests.factories import ReportFactory

    report = ReportFactory(seller=seller, body=b"sku\tasin\tprice\tquantity\n")
    response = api.get(rows_url(seller, report))
    assert response.status_code == 409


def test_settlements_list_and_detail(api, seller, media):
    ingested(
        SETTLEMENT, settlement_body("1000", "50.00", "2020-04-17", "2020-05-01"), seller=seller
    )
    report = ingested(SETTLEMENT, settlement_body(total="80.00"), seller=seller)
    listed = api.get(f"/api/v1/sellers/{seller.pk}/settlements/").json()["results"]
    assert [s["settlement_id"] for s in listed] == ["1001", "1000"]
    assert listed[0]["reconciles"] is False
    assert listed[0]["difference"] == "7.00"
    detail = api.get(f"/api/v1/sellers/{seller.pk}/settlements/{report.settlement.pk}/").json()
    assert detail["total_amount"] == "80.00"
    assert detail["computed_total"] == "73.00"
    assert detail["by_amount_type"]["fee"]["Commission"] == "-15.00"
    assert detail["by_sku"]["SKU-1"] == "83.00"


def test_the_schema_documents_rows_and_settlements(api):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    rows = schema["paths"]["/api/v1/sellers/{seller_pk}/reports/{id}/rows/"]["get"]
    page = rows["responses"]["200"]["content"]["application/json"]["schema"]
    assert page["$ref"].endswith("/RowPage")
    assert "/api/v1/sellers/{seller_pk}/settlements/{id}/" in schema["paths"]


def test_a_large_report_refuses_a_sort_without_an_index_naming_the_field(
    api, seller, orders, monkeypatch
):
    monkeypatch.setattr("reports.rows.SCAN_LIMIT", 5)
    response = api.get(rows_url(seller, orders), {"sort": "item-price"})
    assert response.status_code == 400
    (message,) = response.json()["error"]["fields"]["sort"]
    assert "offered for reports of up to 5 rows" in message
    sorted_by_date = api.get(rows_url(seller, orders), {"sort": "purchase-date"})
    assert sorted_by_date.status_code == 200
