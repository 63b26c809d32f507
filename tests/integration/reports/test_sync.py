"""Reports nobody requested (settlements) are found by GetReportList and downloaded."""

from __future__ import annotations

import pytest

from mwsportal.gateway.models import MWSCall
from reports import services
from reports.models import Report, ReportRequest, SellerReportSettings
from reports.preview import preview_report
from tests.integration.reports.support import pump_until

pytestmark = pytest.mark.django_db(transaction=True)

SETTLEMENT = "_GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_"
SETTLEMENT_V2 = "_GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2_"
SETTLEMENT_XML = "_GET_V2_SETTLEMENT_REPORT_DATA_XML_"


@pytest.fixture
def sandbox_options():
    # A settlement every 14 (scaled) days: the last period's is there as the sandbox starts.
    return {"reports": {"settlement_interval_days": 14, "settlement_history": 1}}


def _idle() -> bool:
    return not MWSCall.objects.filter(state__in=MWSCall.PENDING_STATES).exists()


def test_settlement_reports_are_found_downloaded_and_acknowledged(us_seller):
    services.update_report_settings(us_seller, acknowledge_downloads=True)
    services.sync_report_list(us_seller)
    pump_until(_idle, poll=False)

    settlements = Report.objects.filter(seller=us_seller, report_type=SETTLEMENT)
    assert settlements.exists()
    for report in settlements:
        assert report.state == Report.State.STORED
        assert report.request is None
        assert report.acknowledged
        assert preview_report(report).headers[0] == "settlement-id"

    # Acknowledged reports are not listed again: a second sync finds nothing new.
    count = Report.objects.count()
    services.sync_report_list(us_seller)
    pump_until(_idle, poll=False)
    assert Report.objects.count() == count
    assert SellerReportSettings.objects.get(seller=us_seller).last_synced_at is not None


def test_a_requested_report_found_by_the_sync_is_linked_to_its_request(us_seller):
    report_request = services.request_report(us_seller, "_GET_FLAT_FILE_OPEN_LISTINGS_DATA_")
    pump_until(lambda: ReportRequest.objects.get().status != "queued", poll=False)
    pump_until(
        lambda: (
            services.sync_report_list(us_seller) is not None
            and Report.objects.filter(request=report_request).exists()
        ),
        poll=False,
    )
    report = Report.objects.get(request=report_request)
    pump_until(lambda: Report.objects.get(pk=report.pk).state == "stored", poll=False)
    assert Report.objects.filter(report_id=report.report_id).count() == 1


def test_settlements_in_every_format_are_stored_though_amazon_requested_them(jp_seller):
    # The sandbox lists each settlement with the ReportRequestId of a request Amazon made; the
    # portal never made it, so the report stands alone, and the flat ones declare no charset.
    services.sync_report_list(jp_seller)
    pump_until(_idle, poll=False)

    stored = {
        report.report_type: report
        for report in Report.objects.filter(seller=jp_seller, state=Report.State.STORED)
    }
    assert set(stored) == {SETTLEMENT, SETTLEMENT_V2, SETTLEMENT_XML}
    assert not ReportRequest.objects.filter(seller=jp_seller).exists()
    assert all(report.request is None for report in stored.values())
    assert (stored[SETTLEMENT].content_type, stored[SETTLEMENT].charset) == ("text/plain", "")
    assert stored[SETTLEMENT_V2].charset == ""
    assert stored[SETTLEMENT_XML].charset.lower() == "utf-8"
    assert preview_report(stored[SETTLEMENT_V2]).headers[0] == "settlement-id"
