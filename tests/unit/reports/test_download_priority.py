"""A report the seller asked for is downloaded before the reports a sync found: a new
account's backlog must not keep the seller waiting at the GetReport bucket."""

from __future__ import annotations

import pytest

from mwsportal.gateway.models import MWSCall
from reports import services
from reports.models import Report
from tests.factories import ReportRequestFactory, SellerFactory

OPEN_LISTINGS = "_GET_FLAT_FILE_OPEN_LISTINGS_DATA_"

pytestmark = pytest.mark.django_db


def download_priority(report: Report) -> int:
    call = MWSCall.objects.get(operation="GetReport", params__ReportId=report.report_id)
    return call.priority


def track(seller, report_id: str, request=None) -> Report:
    return services._track_report(
        seller, report_id=report_id, report_type=OPEN_LISTINGS, available_at=None, request=request
    )


def test_requested_reports_go_before_found_ones():
    seller = SellerFactory()
    found = track(seller, "91001")
    requested = track(seller, "91002", ReportRequestFactory(seller=seller))
    scheduled = track(seller, "91003", ReportRequestFactory(seller=seller, scheduled=True))
    assert download_priority(requested) == services.SELLER_PRIORITY
    assert download_priority(found) == 0
    assert download_priority(scheduled) == 0


def test_a_download_the_seller_retries_is_theirs():
    seller = SellerFactory()
    report = track(seller, "91004")
    Report.objects.filter(pk=report.pk).update(state=Report.State.FAILED)
    MWSCall.objects.all().delete()
    report.refresh_from_db()
    services.redownload_report(report)
    assert download_priority(report) == services.SELLER_PRIORITY
