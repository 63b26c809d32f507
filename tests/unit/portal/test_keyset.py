"""Keyset pages in any sort order: every row exactly once walking forwards, the same pages
walking back, NULL values after the others either way, and bad sorts or cursors refused with
a message rather than a crash."""

from __future__ import annotations

import random

import pytest

from mwsportal.keyset import Sort, SortError, keyset_page, parse_sort
from reports import services
from reports.models import Report
from tests.factories import ReportFactory, SellerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def seller(owner):
    return SellerFactory(owner=owner)


@pytest.fixture
def reports(seller):
    """Reports with repeated sizes (ties the pk must break) and some without one."""
    generator = random.Random(7)
    made = []
    for _ in range(23):
        size = generator.choice([None, 10, 20, 20, 30, 40])
        made.append(ReportFactory(seller=seller, size=size))
    return made


def walk(rows, sort: Sort, size: int) -> tuple[list[int], list[list[int]]]:
    """Every page forwards, then back again from the last one; the pks of each page."""
    forwards = [keyset_page(rows, sort, size)]
    while forwards[-1].next_cursor:
        parameter, cursor = forwards[-1].next_cursor
        forwards.append(keyset_page(rows, sort, size, **{parameter: cursor}))
    backwards = [forwards[-1]]
    while backwards[-1].previous_cursor:
        parameter, cursor = backwards[-1].previous_cursor
        backwards.append(keyset_page(rows, sort, size, **{parameter: cursor}))
    seen = [item.pk for page in forwards for item in page.items]
    back = [[item.pk for item in page.items] for page in reversed(backwards)]
    return seen, back


def expected(reports: list[Report], descending: bool) -> list[int]:
    valued = sorted((r for r in reports if r.size is not None), key=lambda r: (r.size, r.pk))
    nulls = sorted((r for r in reports if r.size is None), key=lambda r: r.pk)
    if descending:
        valued.reverse()
        nulls.reverse()
    return [r.pk for r in valued + nulls]


@pytest.mark.parametrize("descending", [True, False])
def test_a_nullable_column_pages_forwards_and_back(seller, reports, descending):
    sort = parse_sort("-size" if descending else "size", services.REPORT_SORTS, "-available")
    rows = Report.objects.filter(seller=seller)
    seen, back = walk(rows, sort, size=4)
    assert seen == expected(reports, descending)
    assert [pk for page in back for pk in page] == seen
    assert all(len(page) == 4 for page in back[:-1])


def test_another_sellers_rows_never_appear(seller, reports):
    stranger = SellerFactory()
    for _ in range(5):
        ReportFactory(seller=stranger, size=25)
    page = services.list_reports(seller, sort="size", size=100)
    assert {r.seller_id for r in page.items} == {seller.pk}
    assert len(page.items) == len(reports)


def test_sorted_pages_keep_their_filters(seller):
    for state in ["stored", "failed", "stored", "stored", "failed"]:
        ReportFactory(seller=seller, state=state)
    first = services.list_reports(seller, state="stored", sort="-type", size=2)
    second = services.list_reports(
        seller, state="stored", sort="-type", size=2, before=first.before
    )
    assert len(first.items) == 2
    assert len(second.items) == 1
    assert {r.state for r in first.items + second.items} == {"stored"}


def test_a_page_is_one_query_whatever_the_order(seller, django_assert_num_queries):
    for _ in range(5):
        ReportFactory(seller=seller, size=10)
    first = services.list_reports(seller, sort="-size", size=2)
    with django_assert_num_queries(1):
        services.list_reports(seller, sort="-size", size=2, before=first.before)


def test_a_bad_sort_names_the_columns():
    with pytest.raises(SortError, match="sort by one of: created, type, status"):
        parse_sort("-colour", services.REQUEST_SORTS, "-created")


@pytest.mark.parametrize(
    ("sort", "cursor"),
    [
        ("state", "x"),
        ("state", "-3"),
        ("size", "12:not a size"),
        ("-available", "12:yesterday"),
        # A pk alone stands for the NULL range, which the state column does not have.
        ("state", "12"),
    ],
)
def test_a_bad_cursor_is_refused(seller, sort, cursor):
    ReportFactory(seller=seller, size=10)
    with pytest.raises(SortError, match="page link is not valid"):
        services.list_reports(seller, sort=sort, before=cursor)


def test_the_page_names_a_bad_cursor_and_shows_the_first_page(owner_client, seller):
    ReportFactory(seller=seller, size=10)
    response = owner_client.get(
        f"/reports/sellers/{seller.pk}/", {"view": "reports", "sort": "size", "after": "7:big"}
    )
    assert response.status_code == 200
    assert "This page link is not valid for this list" in response.content.decode()
    assert len(response.context["page"].items) == 1


def test_sort_headers_carry_aria_sort_and_keep_filters(owner_client, seller):
    for _ in range(3):
        ReportFactory(seller=seller, size=10)
    page = owner_client.get(
        f"/reports/sellers/{seller.pk}/", {"view": "reports", "sort": "size", "q": "listings"}
    ).content.decode()
    assert 'aria-sort="ascending"><a href="?view=reports&amp;q=listings&amp;sort=-size"' in page
    assert page.count("aria-sort=") == 1
