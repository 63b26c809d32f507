"""A seller's MWS request history: searched by operation, request id or error code, filtered
by outcome, operation and date, paged latest first; another owner's seller is a 404 and its
requests never show."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
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
    with pytest.raises(SortError, match="sort by one of: sent"):
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
