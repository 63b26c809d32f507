"""The services announce what partners subscribe to: failed reports, requests Amazon ended
without a report, and feeds that finished, failed or were cancelled by Amazon."""

from __future__ import annotations

import pytest

from feeds import services as feed_services
from mwsclient.errors import ServerError
from mwsclient.results import (
    FeedSubmissionInfo,
    FeedSubmissionListResult,
    ReportRequestInfo,
    ReportRequestListResult,
)
from mwsportal.gateway.handlers import CallOutcome
from mwsportal.gateway.models import MWSCall
from partners import webhooks
from partners.models import WebhookDelivery
from reports import services as report_services
from tests.factories import FeedSubmissionFactory, ReportRequestFactory


@pytest.fixture
def subscribed(partner, grant):
    webhooks.register_endpoint(
        partner, url="https://hooks.example.com/", events=["report.failed", "feed.done"]
    )


def _failed_call(seller, handler: str, context: dict) -> MWSCall:
    call = MWSCall(seller=seller, operation="X", handler=handler, context=context)
    call.state = MWSCall.State.FAILED
    call.error_message = "InternalError"
    return call


def test_a_failed_request_report_is_announced(subscribed, seller):
    report_request = ReportRequestFactory(seller=seller, status="queued")
    call = _failed_call(seller, "reports.report_requested", {"report_request": report_request.pk})
    report_services.on_report_requested(CallOutcome(call=call))
    delivery = WebhookDelivery.objects.get()
    assert delivery.event == "report.failed"
    assert delivery.payload["data"]["report_request"] == report_request.pk
    assert delivery.payload["data"]["error"] == "InternalError"


def test_a_feed_whose_report_cannot_be_fetched_is_announced_once(subscribed, seller, media):
    feed = FeedSubmissionFactory(
        seller=seller,
        state="fetching",
        feed_submission_id="5000",
        fetch_attempts=feed_services.MAX_FETCH_ATTEMPTS - 1,
    )
    call = _failed_call(seller, "feeds.result", {"feed": feed.pk})
    outcome = CallOutcome(call=call, error=ServerError("down"))
    feed_services.on_result(outcome)
    feed_services.on_result(outcome)  # a late duplicate changes nothing
    delivery = WebhookDelivery.objects.get()
    assert delivery.event == "feed.done"
    assert delivery.payload["data"]["state"] == "failed"
    assert delivery.payload["data"]["feed"] == feed.pk


@pytest.mark.parametrize(
    ("mws_status", "status"), [("_DONE_NO_DATA_", "done_no_data"), ("_CANCELLED_", "cancelled")]
)
def test_a_request_amazon_ends_without_a_report_is_announced_once(
    subscribed, seller, mws_status, status
):
    report_request = ReportRequestFactory(seller=seller, status="in_progress")
    info = ReportRequestInfo(
        report_request_id=report_request.mws_request_id,
        report_type=report_request.report_type,
        report_processing_status=mws_status,
        submitted_date=None,
        start_date=None,
        end_date=None,
        scheduled=False,
    )
    call = MWSCall(seller=seller, operation="GetReportRequestList", state=MWSCall.State.SUCCEEDED)
    page = ReportRequestListResult(report_request_info=(info,), has_next=False, next_token=None)
    outcome = CallOutcome(call=call, result=page)
    report_services.on_requests_polled(outcome)
    report_services.on_requests_polled(outcome)  # a later poll that lists it again
    report_request.refresh_from_db()
    assert report_request.status == status
    delivery = WebhookDelivery.objects.get()
    assert delivery.event == "report.failed"
    assert delivery.payload["data"]["report_request"] == report_request.pk
    assert delivery.payload["data"]["report"] is None


def test_a_feed_amazon_refuses_is_announced(subscribed, seller, media):
    feed = FeedSubmissionFactory(seller=seller, state="sending")
    call = _failed_call(seller, "feeds.submitted", {"feed": feed.pk})
    feed_services.on_submitted(CallOutcome(call=call, error=ServerError("down")))
    delivery = WebhookDelivery.objects.get()
    assert delivery.event == "feed.done"
    assert delivery.payload["data"]["feed"] == feed.pk
    assert delivery.payload["data"]["state"] == "failed"


def test_a_feed_amazon_cancels_is_announced_once(subscribed, seller, media):
    feed = FeedSubmissionFactory(seller=seller, state="submitted", feed_submission_id="5001")
    info = FeedSubmissionInfo(
        feed_submission_id="5001",
        feed_type=feed.feed_type,
        feed_processing_status="_CANCELLED_",
        submitted_date=None,
    )
    call = MWSCall(seller=seller, operation="GetFeedSubmissionList", context={"seller": seller.pk})
    call.state = MWSCall.State.SUCCEEDED
    page = FeedSubmissionListResult(feed_submission_info=(info,), has_next=False, next_token=None)
    feed_services.on_polled(CallOutcome(call=call, result=page))
    feed_services.on_polled(CallOutcome(call=call, result=page))
    feed.refresh_from_db()
    assert feed.state == "cancelled"
    delivery = WebhookDelivery.objects.get()
    assert delivery.event == "feed.done"
    assert delivery.payload["data"]["state"] == "cancelled"
