"""A report is checked on soon after it is submitted, then less and less often, so it is
downloadable moments after Amazon finishes it, and the checks never overrun a bucket."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from mwsportal.gateway.buckets import bucket_backend
from mwsportal.gateway.models import MWSCall, RequestLogEntry
from mwssandbox.server import RunningSandbox, running_sandbox
from reports import services
from reports.models import Report, ReportRequest
from tests import sandbox_support
from tests.factories import SellerFactory
from tests.integration.reports.support import (
    DEVELOPER,
    TIME_SCALE,
    US_SELLER,
    US_TOKEN,
    pump_until,
    sandbox_config,
)

OPEN_LISTINGS = "_GET_FLAT_FILE_OPEN_LISTINGS_DATA_"
THROTTLED = ("RequestThrottled", "QuotaExceeded")

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def real_time_sandbox(settings, media) -> Iterator[RunningSandbox]:
    """A sandbox in real time, whose reports take 2 s to start and 3 s to prepare."""
    config = sandbox_config(delays={"report_submitted": 2.0, "report_in_progress": 3.0})
    with running_sandbox(config, time_scale=1.0) as running:
        sandbox_support.point_portal_at(settings, running.url, DEVELOPER, time_scale=1.0)
        # No periodic poll in this test: only the follow-up checks can find the report.
        settings.REPORTS_POLL_SECONDS = 600.0
        # The sandbox starts with full buckets; a fresh database would take them for empty.
        backend = bucket_backend()
        backend.set_epoch(backend.now() - 3600.0)
        yield running


def test_a_report_is_downloadable_within_ten_seconds_of_amazon_finishing_it(
    owner, real_time_sandbox
):
    seller = SellerFactory(owner=owner, seller_id=US_SELLER, auth_token=US_TOKEN, region="NA")
    report_request = services.request_report(seller, OPEN_LISTINGS)

    pump_until(
        lambda: Report.objects.filter(request=report_request, state="stored").exists(),
        poll=False,
        timeout=40.0,
    )

    report_request.refresh_from_db()
    report = Report.objects.get(request=report_request)
    # CompletedDate is the sandbox's own moment of finishing the report.
    assert report.stored_at - report_request.completed_at <= timedelta(seconds=10)
    checks = RequestLogEntry.objects.filter(operation="GetReportRequestList")
    assert 1 <= checks.count() <= 4, "a few checks backing off, not one per tick"
    assert not RequestLogEntry.objects.filter(error_code__in=THROTTLED).exists()


def test_the_follow_up_learns_from_the_sellers_own_reports(owner, real_time_sandbox):
    seller = SellerFactory(owner=owner, seller_id=US_SELLER, auth_token=US_TOKEN, region="NA")
    first = services.request_report(seller, OPEN_LISTINGS)
    pump_until(lambda: Report.objects.filter(request=first, state="stored").exists(), poll=False)
    typical = services.typical_report_duration(seller, OPEN_LISTINGS)
    assert timedelta(seconds=2) <= typical <= timedelta(seconds=8)

    second = services.request_report(seller, OPEN_LISTINGS)
    pump_until(
        lambda: ReportRequest.objects.get(pk=second.pk).status == ReportRequest.Status.SUBMITTED,
        poll=False,
    )
    second.refresh_from_db()
    follow_up = MWSCall.objects.get(
        dedupe_key__startswith="reports.follow-up:", state=MWSCall.State.QUEUED
    )
    # The first check waits for the time such a report took, not the first back-off step.
    assert follow_up.available_at >= second.submitted_at + typical - timedelta(seconds=1)
    assert follow_up.params["ReportRequestIdList"] == [second.mws_request_id]


@pytest.fixture
def fast_sandbox(settings, media) -> Iterator[RunningSandbox]:
    with running_sandbox(sandbox_config(), time_scale=TIME_SCALE) as running:
        sandbox_support.point_portal_at(settings, running.url, DEVELOPER, time_scale=TIME_SCALE)
        yield running


def test_many_reports_followed_up_at_once_never_get_a_throttled_answer(owner, fast_sandbox):
    seller = SellerFactory(owner=owner, seller_id=US_SELLER, auth_token=US_TOKEN, region="NA")
    # More than RequestReport's and GetReportRequestList's burst quotas.
    requests = [services.request_report(seller, OPEN_LISTINGS) for _ in range(25)]

    pump_until(
        lambda: Report.objects.filter(request__in=requests, state="stored").count() == 25,
        poll=False,
        timeout=90.0,
    )

    assert not RequestLogEntry.objects.filter(error_code__in=THROTTLED).exists()
    assert RequestLogEntry.objects.filter(operation="GetReportRequestList").count() < 25, (
        "one follow-up asks about every open request"
    )
