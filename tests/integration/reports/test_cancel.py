"""Cancelling a request MWS already has: CancelReportRequests with its explicit id."""

from __future__ import annotations

import pytest

from mwsportal.gateway.models import MWSCall
from reports import services
from reports.models import ReportRequest
from tests.integration.reports.support import pump_until, settled

pytestmark = pytest.mark.django_db(transaction=True)

OPEN_LISTINGS = "_GET_FLAT_FILE_OPEN_LISTINGS_DATA_"


@pytest.fixture
def sandbox_options():
    # Requests stay _SUBMITTED_ long enough (seconds, scaled) to be cancelled.
    return {"delays": {"report_submitted": 2000, "report_in_progress": 10}}


def test_cancelling_a_submitted_request_calls_cancel_report_requests(us_seller):
    report_request = services.request_report(us_seller, OPEN_LISTINGS)
    pump_until(lambda: ReportRequest.objects.get().status == "submitted", poll=False)
    report_request.refresh_from_db()

    services.cancel_report_request(report_request)
    pump_until(settled(report_request), poll=False)

    assert report_request.status == ReportRequest.Status.CANCELLED
    call = MWSCall.objects.get(operation="CancelReportRequests")
    assert call.params["ReportRequestIdList"] == [report_request.mws_request_id]
