"""The reports lists: newest first, walkable both ways page by page in either order, searchable
by what a report is about, with every filter kept on each link."""

from __future__ import annotations

import pytest
from lxml import html

from reports import services
from tests.factories import ReportRequestFactory, SellerFactory

RETURNS = "_GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE_"
LISTINGS = "_GET_FLAT_FILE_OPEN_LISTINGS_DATA_"

pytestmark = pytest.mark.django_db


@pytest.fixture
def seller(owner):
    return SellerFactory(owner=owner)


def pks(page: services.Page) -> list[int]:
    return [item.pk for item in page.items]


def test_pages_walk_older_and_back_newer(seller):
    made = [ReportRequestFactory(seller=seller).pk for _ in range(7)]
    newest_first = made[::-1]

    first = services.list_report_requests(seller, size=3)
    assert pks(first) == newest_first[:3]
    assert first.after is None
    second = services.list_report_requests(seller, before=first.before, size=3)
    assert pks(second) == newest_first[3:6]
    back = services.list_report_requests(seller, after=second.after, size=3)
    assert pks(back) == newest_first[:3]
    assert back.after is None
    last = services.list_report_requests(seller, before=second.before, size=3)
    assert pks(last) == newest_first[6:]
    assert last.before is None


def test_oldest_first_starts_at_the_oldest_and_walks_up(seller):
    made = [ReportRequestFactory(seller=seller).pk for _ in range(5)]
    first = services.list_report_requests(seller, sort="created", size=2)
    assert pks(first) == made[:2]
    assert first.before is None
    second = services.list_report_requests(seller, sort="created", after=first.after, size=2)
    assert pks(second) == made[2:4]
    back = services.list_report_requests(seller, sort="created", before=second.before, size=2)
    assert pks(back) == made[:2]


def test_search_matches_human_names_not_raw_ones(seller):
    returns = ReportRequestFactory(seller=seller, report_type=RETURNS)
    ReportRequestFactory(seller=seller, report_type=LISTINGS)
    assert pks(services.list_report_requests(seller, search="Return DATE")) == [returns.pk]
    assert pks(services.list_report_requests(seller, search="_GET_FLAT_FILE")) == []
    assert pks(services.list_reports(seller, search="returns")) == []


def test_page_sorts_by_the_requested_column_and_keeps_filters(owner_client, seller):
    made = [ReportRequestFactory(seller=seller, report_type=RETURNS).pk for _ in range(30)]
    url = f"/reports/sellers/{seller.pk}/"
    page = html.fromstring(owner_client.get(url, {"q": "returns"}).content)
    header = page.xpath("//table[@class='requests']//th[@aria-sort]")[0]
    assert header.get("aria-sort") == "descending"
    sort_link = header.find("a").get("href")
    assert "q=returns" in sort_link
    assert "sort=created" in sort_link
    older = page.xpath("//nav[@class='pager']//a[@class='next']")[0].get("href")
    assert "q=returns" in older
    assert "before=" in older
    assert "25 shown" in page.xpath("string(//nav[@class='pager'])")

    oldest = html.fromstring(owner_client.get(url + sort_link).content)
    assert oldest.xpath("//th[@aria-sort]")[0].get("aria-sort") == "ascending"
    first_link = oldest.xpath("//table[@class='requests']//tbody/tr[1]//a")[0].get("href")
    assert first_link == f"/reports/requests/{made[0]}/"


def test_bad_list_parameters_are_named_and_ignored(owner_client, seller):
    ReportRequestFactory(seller=seller)
    response = owner_client.get(f"/reports/sellers/{seller.pk}/", {"sort": "sideways"})
    assert response.status_code == 200
    assert "Sort: “sideways” is not a column of this list" in response.content.decode()
