"""A service's row points at its pending call by a foreign key, also for rows made before the
upgrade that introduced the link."""

from importlib import import_module

import pytest
from django.apps import apps

from feeds.models import FeedSubmission
from mwsportal.gateway import services as gateway
from mwsportal.gateway.models import MWSCall
from reports import services as report_services
from reports.models import ReportRequest
from tests.factories import FeedSubmissionFactory, ReportRequestFactory, SellerFactory

pytestmark = pytest.mark.django_db


def test_a_report_request_points_at_its_request_report_call():
    seller = SellerFactory()
    report_request = report_services.request_report(seller, "_GET_FLAT_FILE_OPEN_LISTINGS_DATA_")
    report_request.refresh_from_db()
    call = report_request.request_call
    assert call is not None
    assert (call.operation, call.context) == (
        "RequestReport",
        {"report_request": report_request.pk},
    )
    report_services.cancel_report_request(report_request)
    call.refresh_from_db()
    assert call.state == MWSCall.State.CANCELLED


def _old_call(seller, handler: str, context: dict) -> MWSCall:
    """A call as the gateway stored it before the link: found only through its context."""
    call = gateway.request_call(seller, "GetReportCount", context=context)
    MWSCall.objects.filter(pk=call.pk).update(handler=handler)
    return call


def test_report_requests_made_before_the_upgrade_are_linked_to_their_calls():
    seller = SellerFactory()
    report_request = ReportRequestFactory(seller=seller, status="queued")
    call = _old_call(
        seller, "reports.services.on_report_requested", {"report_request": report_request.pk}
    )
    _old_call(seller, "reports.services.on_requests_polled", {"report_request": 0})
    import_module("reports.migrations.0011_request_call_link").link_existing_calls(apps, None)
    assert ReportRequest.objects.get(pk=report_request.pk).request_call_id == call.pk


def test_feeds_sent_before_the_upgrade_are_linked_to_their_latest_calls():
    seller = SellerFactory()
    feed = FeedSubmissionFactory(seller=seller, state="unknown_outcome")
    context = {"feed": feed.pk}
    _old_call(seller, "feeds.services.on_submitted", context)
    resent = _old_call(seller, "feeds.services.on_submitted", context)
    listing = _old_call(seller, "feeds.services.on_reconciled", context)
    import_module("feeds.migrations.0006_pending_call_links").link_existing_calls(apps, None)
    linked = FeedSubmission.objects.get(pk=feed.pk)
    assert (linked.submit_call_id, linked.reconcile_call_id) == (resent.pk, listing.pk)
