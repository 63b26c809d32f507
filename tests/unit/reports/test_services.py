"""Report services whose effect is the gateway calls they queue."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from mwsclient.errors import InvalidParameterError, NextTokenCorruptedError, TransportError
from mwsclient.operations import REPORT_OPTIONS, REQUESTABLE_REPORT_TYPES
from mwsclient.results import ReportListResult, ReportRequestListResult
from mwsportal.gateway.handlers import MAX_PAGING_RESTARTS, CallOutcome
from mwsportal.gateway.models import MWSCall
from reports import services
from reports.models import ReportRequest, SellerReportSettings
from tests.factories import ReportRequestFactory, SellerFactory

pytestmark = pytest.mark.django_db


def test_poll_asks_about_at_most_100_ids_per_call(settings):
    seller = SellerFactory()
    ReportRequestFactory.create_batch(150, seller=seller, status="submitted")
    ReportRequestFactory.create_batch(5, seller=seller, status="done")
    ReportRequestFactory(seller=seller, status="queued", mws_request_id="")

    assert services.poll_open_requests(seller) == 2

    calls = list(MWSCall.objects.filter(operation="GetReportRequestList").order_by("pk"))
    assert [len(c.params["ReportRequestIdList"]) for c in calls] == [100, 50]
    assert all(c.params["MaxCount"] == 100 for c in calls)
    polled = {i for c in calls for i in c.params["ReportRequestIdList"]}
    open_ids = set(
        ReportRequest.objects.filter(status="submitted").values_list("mws_request_id", flat=True)
    )
    assert polled == open_ids


def test_a_poll_still_queued_is_not_queued_twice():
    seller = SellerFactory()
    ReportRequestFactory.create_batch(3, seller=seller, status="in_progress")
    services.poll_open_requests(seller)
    services.poll_open_requests(seller)
    assert MWSCall.objects.filter(operation="GetReportRequestList").count() == 1


def test_poll_all_sellers_skips_sellers_without_open_requests_and_on_hold():
    busy, idle, suspended = SellerFactory(), SellerFactory(), SellerFactory(status="suspended")
    ReportRequestFactory(seller=busy, status="submitted")
    ReportRequestFactory(seller=idle, status="done")
    ReportRequestFactory(seller=suspended, status="submitted")

    assert services.poll_all_sellers() == 1
    assert list(MWSCall.objects.values_list("seller", flat=True)) == [busy.pk]


def test_sync_asks_for_unacknowledged_reports_spread_over_the_interval(settings):
    settings.REPORTS_SYNC_MINUTES = 30
    sellers = SellerFactory.create_batch(3)
    before = timezone.now()
    assert services.sync_all_sellers() == 3
    calls = MWSCall.objects.filter(operation="GetReportList")
    assert calls.count() == 3
    for call in calls:
        assert call.params == {"Acknowledged": False, "MaxCount": 100}
        assert before <= call.available_at <= before + timedelta(minutes=30, seconds=5)
    assert {c.seller_id for c in calls} == {s.pk for s in sellers}


def test_requests_open_too_long_are_flagged_once(settings):
    settings.REPORTS_STUCK_AFTER_MINUTES = 60
    old = ReportRequestFactory(status="submitted")
    recent = ReportRequestFactory(status="in_progress")
    finished = ReportRequestFactory(status="done")
    ReportRequest.objects.filter(pk__in=[old.pk, finished.pk]).update(
        created_at=timezone.now() - timedelta(hours=2)
    )

    assert services.flag_stuck_requests() == 1
    assert services.flag_stuck_requests() == 0, "safe to run twice"
    for row in (old, recent, finished):
        row.refresh_from_db()
    assert old.stuck_since is not None
    assert recent.stuck_since is None
    assert finished.stuck_since is None


def test_deleting_a_schedule_sends_never():
    seller = SellerFactory()
    schedule = services.save_schedule(seller, "_GET_FLAT_FILE_ORDERS_DATA_", "_1_WEEK_")
    services.delete_schedule(schedule)
    last = MWSCall.objects.filter(operation="ManageReportSchedule").latest("pk")
    assert last.params["Schedule"] == "_NEVER_"
    with pytest.raises(ValueError, match="not a report schedule"):
        services.save_schedule(seller, "_GET_FLAT_FILE_ORDERS_DATA_", "_7_DAYS_")


def test_periodic_polls_of_many_sellers_are_spread_over_the_poll_period(settings):
    settings.REPORTS_POLL_SECONDS = 600
    for seller in SellerFactory.create_batch(10):
        ReportRequestFactory(seller=seller, status="submitted")
    before = timezone.now()

    assert services.poll_all_sellers() == 10

    starts = sorted(MWSCall.objects.values_list("available_at", flat=True))
    assert before <= starts[0]
    assert starts[-1] <= before + timedelta(seconds=605)
    # Ten sellers in their own slots cover most of the period instead of one moment.
    assert starts[-1] - starts[0] > timedelta(seconds=300)


def _finish(call: MWSCall, **fields) -> CallOutcome:
    """The outcome the gateway hands the handler once ``call`` ended."""
    call.state = MWSCall.State.FAILED if "error" in fields else MWSCall.State.SUCCEEDED
    call.save()
    return CallOutcome(call, **fields)


def _corrupted() -> NextTokenCorruptedError:
    return NextTokenCorruptedError(
        "The NextToken provided is invalid or corrupted.", code="NextTokenCorrupted"
    )


def test_a_corrupted_next_token_restarts_the_report_list_sync_at_once():
    seller = SellerFactory()
    first = services.sync_report_list(seller)
    services.on_report_list_synced(
        _finish(first, result=ReportListResult((), has_next=True, next_token="t-2"))
    )
    (page,) = MWSCall.objects.filter(operation="GetReportListByNextToken")
    assert page.params == {"NextToken": "t-2"}

    before = timezone.now()
    services.on_report_list_synced(_finish(page, error=_corrupted()))
    restarted = MWSCall.objects.filter(operation="GetReportList").exclude(pk=first.pk).get()
    # The original operation again, not its ByNextToken twin, and at once, not next sync.
    assert restarted.params == first.params
    assert restarted.available_at <= before + timedelta(seconds=1)
    assert restarted.context == {"paging_restarts": 1}
    assert not SellerReportSettings.objects.filter(seller=seller).exists()


def test_a_token_corrupted_every_time_stops_restarting_until_the_next_sync():
    seller = SellerFactory()
    call = services.sync_report_list(seller)
    for _ in range(MAX_PAGING_RESTARTS + 1):
        services.on_report_list_synced(
            _finish(call, result=ReportListResult((), has_next=True, next_token="t"))
        )
        page = MWSCall.objects.filter(operation="GetReportListByNextToken").latest("pk")
        services.on_report_list_synced(_finish(page, error=_corrupted()))
        restarted = MWSCall.objects.filter(operation="GetReportList").latest("pk")
        if restarted.pk == call.pk:
            break
        call = restarted
    assert MWSCall.objects.filter(operation="GetReportList").count() == 1 + MAX_PAGING_RESTARTS
    # Other failures of a page are left to the next sync, as before.
    services.on_report_list_synced(_finish(page, error=TransportError("reset")))
    assert MWSCall.objects.filter(operation="GetReportList").count() == 1 + MAX_PAGING_RESTARTS


def test_a_corrupted_next_token_restarts_the_request_poll_at_once():
    seller = SellerFactory()
    ReportRequestFactory.create_batch(2, seller=seller, status="submitted")
    services.poll_open_requests(seller)
    first = MWSCall.objects.get(operation="GetReportRequestList")
    services.on_requests_polled(
        _finish(first, result=ReportRequestListResult((), has_next=True, next_token="p-2"))
    )
    page = MWSCall.objects.get(operation="GetReportRequestListByNextToken")
    services.on_requests_polled(_finish(page, error=_corrupted()))
    restarted = MWSCall.objects.filter(operation="GetReportRequestList").exclude(pk=first.pk).get()
    assert restarted.params == first.params
    assert restarted.context == {"paging_restarts": 1}
    assert restarted.state == MWSCall.State.QUEUED


def test_request_report_refuses_options_the_report_does_not_take():
    seller = SellerFactory()
    with pytest.raises(InvalidParameterError) as caught:
        services.request_report(
            seller, "_GET_AFN_INVENTORY_DATA_", report_options="ShowSalesChannel=true"
        )
    assert caught.value.parameter == "ReportOptions"
    assert "takes no options" in caught.value.rule
    assert not ReportRequest.objects.exists()
    assert not MWSCall.objects.exists()


@pytest.mark.parametrize(
    ("raw", "cleaned"),
    [
        ("", ""),
        ("  ", ""),
        ("custom=True", "custom=true"),
        ("custom = false", "custom=false"),
    ],
)
def test_clean_report_options_normalises_what_it_accepts(raw, cleaned):
    assert services.clean_report_options("_GET_MERCHANT_LISTINGS_ALL_DATA_", raw) == cleaned


@pytest.mark.parametrize(
    ("raw", "rule"),
    [
        ("custom=true;", "empty entry"),
        ("=true", "is not key=value"),
        ("Custom=true", "“Custom” is not an option of this report"),
    ],
)
def test_clean_report_options_names_what_is_wrong(raw, rule):
    with pytest.raises(InvalidParameterError, match=rule):
        services.clean_report_options("_GET_MERCHANT_LISTINGS_ALL_DATA_", raw)


def test_every_report_type_with_options_is_in_the_catalog():
    assert set(REPORT_OPTIONS) <= set(REQUESTABLE_REPORT_TYPES)
