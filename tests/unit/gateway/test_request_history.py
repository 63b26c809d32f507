"""A seller's MWS request history: searched by operation, request id or error code, filtered
by outcome, operation and date, paged latest first; another owner's seller is a 404 and its
requests never show."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from lxml import html

from mwsportal.gateway.models import RequestLogEntry
from mwsportal.keyset import SortError
from sellers import services
from tests.factories import SellerFactory

pytestmark = pytest.mark.django_db
START = datetime(2026, 11, 14, 22, 0, tzinfo=UTC)


@pytest.fixture
def seller(owner):
    return SellerFactory(owner=owner)


def sent(seller, n: int, **fields) -> RequestLogEntry:
    values = {
        "seller": seller,
        "mws_seller_id": seller.seller_id,
        "operation": "GetReportRequestList",
        "sent_at": START + timedelta(hours=n),
        "timestamp": "2026-11-14T22:00:00.000Z",
        "request_id": f"req-{seller.pk}-{n:04d}",
        "http_status": 200,
        "duration_ms": 40.0,
        **fields,
    }
    return RequestLogEntry.objects.create(**values)


def pks(page) -> list[int]:
    return [entry.pk for entry in page.items]


def test_latest_first_and_paged_both_ways(seller):
    made = [sent(seller, n).pk for n in range(7)]
    first = services.list_request_history(seller, size=3)
    assert pks(first) == made[:-4:-1]
    second = services.list_request_history(seller, size=3, before=first.before)
    assert pks(second) == made[3:0:-1]
    back = services.list_request_history(seller, size=3, after=second.after)
    assert pks(back) == pks(first)
    oldest = services.list_request_history(seller, size=3, sort="sent")
    assert pks(oldest) == made[:3]


def test_search_matches_operation_request_id_or_error_code(seller):
    report = sent(seller, 1, operation="RequestReport")
    throttled = sent(seller, 2, error_code="RequestThrottled", http_status=503)
    other = sent(seller, 3)
    assert pks(services.list_request_history(seller, search="requestreport")) == [report.pk]
    assert pks(services.list_request_history(seller, search="throttled")) == [throttled.pk]
    assert pks(services.list_request_history(seller, search=other.request_id)) == [other.pk]


def test_filters_by_outcome_operation_and_date(seller):
    answered = sent(seller, 1)
    throttled = sent(seller, 2, error_code="QuotaExceeded", http_status=503)
    refused = sent(seller, 3, error_code="InvalidParameterValue", http_status=400)
    lost = sent(seller, 4, error_family="ConnectionError", http_status=None)
    submitted = sent(seller, 30, operation="SubmitFeed")

    def outcome(name: str) -> list[int]:
        return sorted(pks(services.list_request_history(seller, outcome=name)))

    assert outcome("ok") == [answered.pk, submitted.pk]
    assert outcome("throttled") == [throttled.pk]
    assert outcome("failed") == [refused.pk, lost.pk]
    assert pks(services.list_request_history(seller, operation="SubmitFeed")) == [submitted.pk]
    one_day = services.list_request_history(seller, until=START + timedelta(hours=5))
    assert submitted.pk not in pks(one_day)
    with pytest.raises(ValueError, match="not an outcome"):
        services.list_request_history(seller, outcome="sideways")
    with pytest.raises(SortError, match="sort by one of: sent, operation, answer"):
        services.list_request_history(seller, sort="took")


def test_another_sellers_requests_never_appear(seller):
    mine = sent(seller, 1)
    sent(SellerFactory(), 2, request_id="theirs")
    assert pks(services.list_request_history(seller)) == [mine.pk]
    assert pks(services.list_request_history(seller, search="theirs")) == []


def test_page_filters_and_keeps_them_on_every_link(owner_client, seller):
    for n in range(30):
        sent(seller, n, operation="GetReportList")
    sent(seller, 40, operation="SubmitFeed")
    url = f"/sellers/{seller.pk}/requests/"
    page = html.fromstring(owner_client.get(url, {"operation": "GetReportList"}).content)
    assert len(page.xpath("//table[@class='request-log']/tbody/tr")) == 25
    assert page.xpath("//th[@aria-sort]")[0].get("aria-sort") == "descending"
    next_link = page.xpath("//nav[@class='pager']/a[@class='next']")[0].get("href")
    assert "operation=GetReportList" in next_link
    assert "before=" in next_link
    assert "operation=GetReportList" in page.xpath("//th[@aria-sort]/a")[0].get("href")
    rest = html.fromstring(owner_client.get(url + next_link).content)
    assert len(rest.xpath("//table[@class='request-log']/tbody/tr")) == 5
    assert rest.xpath("//nav[@class='pager']/a[@class='previous']")


def test_bad_filters_are_named_and_nothing_breaks(owner_client, seller):
    sent(seller, 1)
    url = f"/sellers/{seller.pk}/requests/"
    refused = owner_client.get(url, {"outcome": "sideways", "since": "2026-12-01"})
    assert refused.status_code == 200
    assert "Outcome: Select a valid choice" in refused.content.decode()
    backwards = owner_client.get(url, {"since": "2026-12-02", "until": "2026-12-01"})
    assert "“Until” must not be before “from”." in backwards.content.decode()
    bad_link = owner_client.get(url, {"after": "5:yesterday"})
    assert bad_link.status_code == 200
    assert "This page link is not valid for this list" in bad_link.content.decode()
    assert len(bad_link.context["page"].items) == 1


def test_another_owners_history_is_not_found(stranger_client, seller):
    sent(seller, 1)
    response = stranger_client.get(f"/sellers/{seller.pk}/requests/")
    assert response.status_code == 404


def test_the_former_address_under_gateway_redirects_with_its_filters(owner_client, seller):
    response = owner_client.get(f"/gateway/sellers/{seller.pk}/requests/", {"q": "Throttled"})
    assert response.status_code == 301
    assert response["Location"] == f"/sellers/{seller.pk}/requests/?q=Throttled"
    bare = owner_client.get(f"/gateway/sellers/{seller.pk}/requests/")
    assert bare["Location"] == f"/sellers/{seller.pk}/requests/"


def test_the_former_address_of_another_owners_history_is_not_found(stranger_client, seller):
    response = stranger_client.get(f"/gateway/sellers/{seller.pk}/requests/")
    assert response.status_code == 404


def test_sorts_by_request_and_by_answer_page_by_page(seller):
    feeds = [sent(seller, n, operation="SubmitFeed").pk for n in range(3)]
    polls = [sent(seller, 10 + n).pk for n in range(2)]
    reports = [sent(seller, 20 + n, operation="GetReport").pk for n in range(2)]
    # Operations A to Z, each one's requests in the order they were sent.
    by_operation = reports + polls + feeds
    first = services.list_request_history(seller, sort="operation", size=3)
    assert pks(first) == by_operation[:3]
    rest = services.list_request_history(seller, sort="operation", size=3, after=first.after)
    assert pks(rest) == by_operation[3:6]
    back = services.list_request_history(seller, sort="operation", size=3, before=rest.before)
    assert pks(back) == by_operation[:3]
    z_to_a = services.list_request_history(seller, sort="-operation", size=7)
    assert pks(z_to_a) == by_operation[::-1]

    throttled = sent(seller, 30, error_code="RequestThrottled", http_status=503).pk
    refused = sent(seller, 31, error_code="InvalidParameterValue", http_status=400).pk
    answered = by_operation
    by_answer = services.list_request_history(seller, sort="answer", size=10)
    assert pks(by_answer) == [*sorted(answered), refused, throttled]
    worst_first = services.list_request_history(seller, sort="-answer", size=2)
    assert pks(worst_first) == [throttled, refused]


def test_sorted_history_leaves_out_another_sellers_requests(seller):
    mine = sent(seller, 1, operation="SubmitFeed")
    sent(SellerFactory(), 2, operation="GetReport")
    sent(SellerFactory(), 3, error_code="AccessDenied", http_status=401)
    assert pks(services.list_request_history(seller, sort="operation")) == [mine.pk]
    assert pks(services.list_request_history(seller, sort="-answer")) == [mine.pk]


def test_a_cursor_from_another_sort_is_refused(seller):
    sent(seller, 1)
    with pytest.raises(SortError, match="not valid for this list"):
        services.list_request_history(seller, sort="operation", after="12")
    with pytest.raises(SortError, match="sort by one of"):
        services.list_request_history(seller, sort="-error_code")


@pytest.mark.skipif(connection.vendor != "sqlite", reason="reads SQLite's EXPLAIN QUERY PLAN")
@pytest.mark.parametrize("sort", ["operation", "-operation", "answer", "-answer"])
def test_a_deep_sorted_page_is_an_index_range_scan(seller, sort, django_assert_num_queries):
    sent(seller, 1)
    with django_assert_num_queries(1) as captured:
        services.list_request_history(seller, sort=sort, before="100000:GetReportList")
    sql = captured.captured_queries[0]["sql"]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
        plan = " | ".join(str(row[-1]) for row in cursor.fetchall())
    assert plan.startswith("SEARCH gateway_requestlogentry USING"), plan
    assert "seller_id=?" in plan, plan
    assert "TEMP B-TREE" not in plan, f"sorted instead of read in index order: {plan}"


def test_page_sorts_by_a_column_header_and_keeps_the_filters(owner_client, seller):
    sent(seller, 1, operation="SubmitFeed")
    sent(seller, 2)
    url = f"/sellers/{seller.pk}/requests/"
    page = html.fromstring(owner_client.get(url, {"outcome": "ok"}).content)
    headers = {th.text_content().split(" (")[0]: th for th in page.xpath("//thead//th")}
    link = headers["Request"].find("a").get("href")
    assert "sort=-operation" in link
    assert "outcome=ok" in link
    sorted_page = html.fromstring(owner_client.get(url + link).content)
    rows = sorted_page.xpath("//table[@class='request-log']/tbody/tr")
    operations = [row.xpath("string(td[2])").strip() for row in rows]
    assert operations == ["SubmitFeed", "GetReportRequestList"]
    assert sorted_page.xpath("//th[@aria-sort]")[0].text_content().startswith("Request")
    bad = owner_client.get(url, {"sort": "took"})
    assert "sort by one of: sent, operation, answer" in bad.content.decode()
    assert len(bad.context["page"].items) == 2
