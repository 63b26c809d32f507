"""Sorted "by report", the request and report lists follow the names a seller reads, not the
MWS codes, and still page through an index: each row keeps its type's catalog name
(``type_name``), written on every save and bulk insert and filled for older rows by a data
migration."""

from __future__ import annotations

import pytest
from django.db import connection

from mwsportal.keyset import SortError
from reports import services
from reports.models import Report, ReportRequest
from reports.type_names import refresh_type_names
from tests.factories import ReportFactory, ReportRequestFactory, SellerFactory

# In code order AFN < FLAT_FILE < MERCHANT; by name "Active listings report" <
# "FBA inventory report" < "Inventory report".
FBA_INVENTORY = "_GET_AFN_INVENTORY_DATA_"
INVENTORY = "_GET_FLAT_FILE_OPEN_LISTINGS_DATA_"
ACTIVE_LISTINGS = "_GET_MERCHANT_LISTINGS_DATA_"
BY_NAME = [ACTIVE_LISTINGS, FBA_INVENTORY, INVENTORY]

pytestmark = pytest.mark.django_db


@pytest.fixture
def seller(owner):
    return SellerFactory(owner=owner)


def types(page: services.Page) -> list[str]:
    return [item.report_type for item in page.items]


def test_every_write_stores_the_catalog_name(seller):
    made = ReportRequestFactory(seller=seller, report_type=FBA_INVENTORY)
    assert ReportRequest.objects.get(pk=made.pk).type_name == "FBA inventory report"
    made.report_type = ACTIVE_LISTINGS
    made.save()
    assert ReportRequest.objects.get(pk=made.pk).type_name == "Active listings report"
    Report.objects.bulk_create([Report(seller=seller, report_id="9001", report_type=INVENTORY)])
    assert Report.objects.get(report_id="9001").type_name == "Inventory report"
    unknown = ReportFactory(seller=seller, report_type="_GET_SOMETHING_NEW_")
    assert Report.objects.get(pk=unknown.pk).type_name == "_GET_SOMETHING_NEW_"


@pytest.mark.parametrize(
    ("list_rows", "factory"),
    [
        (services.list_report_requests, ReportRequestFactory),
        (services.list_reports, ReportFactory),
    ],
)
def test_sorted_by_report_follows_the_names_page_by_page(seller, list_rows, factory):
    for report_type in (INVENTORY, FBA_INVENTORY, ACTIVE_LISTINGS, FBA_INVENTORY):
        factory(seller=seller, report_type=report_type)
    factory(seller=SellerFactory(), report_type=ACTIVE_LISTINGS)
    expected = [ACTIVE_LISTINGS, FBA_INVENTORY, FBA_INVENTORY, INVENTORY]

    first = list_rows(seller, sort="type", size=2)
    assert types(first) == expected[:2]
    # The cursor carries a name with spaces; the page after it starts right past it.
    second = list_rows(seller, sort="type", size=2, after=first.after)
    assert types(second) == expected[2:]
    assert second.after is None
    back = list_rows(seller, sort="type", size=2, before=second.before)
    assert [item.pk for item in back.items] == [item.pk for item in first.items]
    z_to_a = list_rows(seller, sort="-type", size=10)
    assert types(z_to_a) == expected[::-1]
    # Within one name, the newest last ascending and first descending, like every sort.
    fba = [item.pk for item in z_to_a.items if item.report_type == FBA_INVENTORY]
    assert fba == sorted(fba, reverse=True)


def test_bad_sorts_and_cursors_are_named(seller):
    ReportRequestFactory(seller=seller)
    with pytest.raises(SortError, match="sort by one of: created, type, status"):
        services.list_report_requests(seller, sort="report_type")
    with pytest.raises(SortError, match="not valid for this list"):
        services.list_reports(seller, sort="type", after="12")
    with pytest.raises(SortError, match="not valid for this list"):
        services.list_reports(seller, sort="type", after="x:FBA inventory report")


def test_the_list_page_sorts_by_the_names(owner_client, seller):
    for report_type in (INVENTORY, ACTIVE_LISTINGS, FBA_INVENTORY):
        ReportRequestFactory(seller=seller, report_type=report_type)
    response = owner_client.get(f"/reports/sellers/{seller.pk}/", {"sort": "type"})
    assert [item.report_type for item in response.context["page"].items] == BY_NAME


def test_another_owners_sorted_list_is_not_found(stranger_client, seller):
    ReportRequestFactory(seller=seller)
    response = stranger_client.get(f"/reports/sellers/{seller.pk}/", {"sort": "type"})
    assert response.status_code == 404


def test_refresh_brings_stale_and_unknown_names_in_step(seller):
    stale = ReportRequestFactory(seller=seller, report_type=INVENTORY)
    odd = ReportRequestFactory(seller=seller, report_type="_GET_SOMETHING_NEW_")
    ReportRequest.objects.filter(pk__in=[stale.pk, odd.pk]).update(type_name="Old name")
    fresh = ReportRequestFactory(seller=seller, report_type=FBA_INVENTORY)
    assert refresh_type_names(ReportRequest) == 2
    names = dict(ReportRequest.objects.values_list("pk", "type_name"))
    assert names == {
        stale.pk: "Inventory report",
        odd.pk: "_GET_SOMETHING_NEW_",
        fresh.pk: "FBA inventory report",
    }
    assert refresh_type_names(ReportRequest) == 0


@pytest.mark.skipif(connection.vendor != "sqlite", reason="reads SQLite's EXPLAIN QUERY PLAN")
@pytest.mark.parametrize(
    ("list_rows", "table", "index"),
    [
        (services.list_report_requests, "reports_reportrequest", "reports_request_name"),
        (services.list_reports, "reports_report", "reports_report_name"),
    ],
)
@pytest.mark.parametrize("sort", ["type", "-type"])
def test_a_deep_page_by_name_is_an_index_range_scan(
    seller, list_rows, table, index, sort, django_assert_num_queries
):
    ReportRequestFactory(seller=seller)
    ReportFactory(seller=seller)
    cursor = {"after" if sort == "type" else "before": "100000:FBA inventory report"}
    with django_assert_num_queries(1) as captured:
        list_rows(seller, sort=sort, **cursor)
    sql = captured.captured_queries[0]["sql"]
    with connection.cursor() as db:
        db.execute(f"EXPLAIN QUERY PLAN {sql}")
        plan = " | ".join(str(row[-1]) for row in db.fetchall())
    main = next(step for step in plan.split(" | ") if f"{table} " in step)
    assert main.startswith(f"SEARCH {table} USING INDEX {index} (seller_id=?"), plan
    assert "TEMP B-TREE" not in plan, f"sorted instead of read in index order: {plan}"
