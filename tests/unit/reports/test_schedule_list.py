"""A seller's schedules: searchable by what the report is about, sortable by each column."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from lxml import html

from mwsclient.operations import REQUESTABLE_REPORT_TYPES
from reports import services
from reports.models import ReportSchedule
from tests.factories import SellerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def schedules(owner):
    seller = SellerFactory(owner=owner)
    make = ReportSchedule.objects.create
    listings = make(
        seller=seller,
        report_type="_GET_FLAT_FILE_OPEN_LISTINGS_DATA_",
        schedule="_1_DAY_",
        scheduled_date=datetime(2026, 3, 2, tzinfo=UTC),
    )
    orders = make(
        seller=seller,
        report_type="_GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_",
        schedule="_15_MINUTES_",
        scheduled_date=datetime(2026, 3, 1, tzinfo=UTC),
    )
    returns = make(
        seller=seller,
        report_type="_GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE_",
        schedule="_1_WEEK_",
    )
    return seller, listings, orders, returns


def test_sorted_by_each_column_either_way(schedules):
    seller, listings, orders, returns = schedules
    assert services.list_schedules(seller) == [orders, listings, returns]
    assert services.list_schedules(seller, sort="-next") == [listings, orders, returns]
    assert services.list_schedules(seller, sort="every") == [orders, listings, returns]
    assert services.list_schedules(seller, sort="-every") == [returns, listings, orders]
    names = [s.report_type_name for s in services.list_schedules(seller, sort="report")]
    assert names == sorted(names, key=str.lower)


def test_search_by_what_the_report_is_about(schedules):
    seller, _listings, _orders, returns = schedules
    assert services.list_schedules(seller, search="return") == [returns]
    assert services.list_schedules(seller, search="_GET_") == []


def test_page_links_toggle_the_sort_and_name_a_bad_one(owner_client, schedules):
    seller, listings, orders, _returns = schedules
    url = f"/reports/sellers/{seller.pk}/schedules/"
    page = html.fromstring(owner_client.get(url, {"q": "data"}).content)
    next_run = page.xpath("//th[@aria-sort]")[0]
    assert next_run.get("aria-sort") == "ascending"
    assert "sort=-next" in next_run.find("a").get("href")
    assert "q=data" in next_run.find("a").get("href")

    descending = html.fromstring(owner_client.get(url, {"sort": "-next"}).content)
    first = descending.xpath("//table[@class='schedules']/tbody/tr[1]/td[1]")[0].text_content()
    assert first == listings.report_type_name
    assert descending.xpath("//th[@aria-sort]")[0].get("aria-sort") == "descending"

    bad = owner_client.get(url, {"sort": "colour", "q": "orders"}).content.decode()
    assert "Select a valid choice" in bad
    assert orders.report_type_name in bad
    assert (
        "No schedule matches this search." in owner_client.get(url, {"q": "zzz"}).content.decode()
    )


def test_another_owners_schedules_are_not_found(stranger_client, schedules):
    seller = schedules[0]
    response = stranger_client.get(f"/reports/sellers/{seller.pk}/schedules/", {"sort": "every"})
    assert response.status_code == 404


def test_filter_by_how_often(schedules):
    seller, listings, _orders, returns = schedules
    assert services.list_schedules(seller, every="_1_WEEK_") == [returns]
    assert services.list_schedules(seller, every="_1_DAY_") == [listings]
    assert services.list_schedules(seller, every="_1_DAY_", search="orders") == []


def test_schedules_page_by_number_keeping_search_sort_and_filter(owner_client, owner):
    seller = SellerFactory(owner=owner)
    for report_type in list(REQUESTABLE_REPORT_TYPES)[:27]:
        ReportSchedule.objects.create(seller=seller, report_type=report_type, schedule="_1_DAY_")
    ReportSchedule.objects.create(
        seller=SellerFactory(), report_type=report_type, schedule="_1_DAY_"
    )
    url = f"/reports/sellers/{seller.pk}/schedules/"
    page = html.fromstring(owner_client.get(url, {"every": "_1_DAY_", "sort": "-report"}).content)
    assert len(page.xpath("//table[@class='schedules']/tbody/tr")) == 25
    next_link = page.xpath("//nav[@class='pager']/a[@class='next']")[0].get("href")
    assert "every=_1_DAY_" in next_link
    assert "sort=-report" in next_link
    assert "page=2" in next_link
    rest = html.fromstring(owner_client.get(url + next_link).content)
    assert len(rest.xpath("//table[@class='schedules']/tbody/tr")) == 2
    sort_link = rest.xpath("//th[@aria-sort]/a")[0].get("href")
    assert "page=" not in sort_link


def test_bad_schedule_list_values_are_named(owner_client, schedules):
    seller = schedules[0]
    response = owner_client.get(
        f"/reports/sellers/{seller.pk}/schedules/", {"every": "_SOMETIMES_", "page": "0"}
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "Every: Select a valid choice" in text
    assert len(html.fromstring(text).xpath("//table[@class='schedules']/tbody/tr")) == 3
