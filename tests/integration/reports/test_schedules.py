"""Report schedules round trip through ManageReportSchedule and GetReportScheduleList."""

from __future__ import annotations

import pytest

from mwsportal.gateway.models import MWSCall
from reports import services
from reports.models import ReportSchedule
from tests.integration.reports.support import pump_until

pytestmark = pytest.mark.django_db(transaction=True)

ORDERS = "_GET_FLAT_FILE_ORDERS_DATA_"


def _idle() -> bool:
    return not MWSCall.objects.filter(state__in=MWSCall.PENDING_STATES).exists()


def test_create_change_list_and_delete_a_schedule(us_seller):
    services.save_schedule(us_seller, ORDERS, "_1_DAY_")
    pump_until(_idle, poll=False)
    schedule = ReportSchedule.objects.get(seller=us_seller)
    assert (schedule.schedule, schedule.pending_schedule) == ("_1_DAY_", "")
    assert schedule.scheduled_date is not None, "MWS says when the next report comes"

    services.save_schedule(us_seller, ORDERS, "_1_WEEK_")
    pump_until(_idle, poll=False)
    assert ReportSchedule.objects.get(seller=us_seller).schedule == "_1_WEEK_"

    # What MWS holds is what the list shows, even after the portal's rows were lost.
    ReportSchedule.objects.all().delete()
    services.refresh_schedules(us_seller)
    pump_until(_idle, poll=False)
    assert list(ReportSchedule.objects.values_list("report_type", "schedule")) == [
        (ORDERS, "_1_WEEK_")
    ]

    services.delete_schedule(ReportSchedule.objects.get())
    pump_until(_idle, poll=False)
    assert not ReportSchedule.objects.exists()
    services.refresh_schedules(us_seller)
    pump_until(_idle, poll=False)
    assert not ReportSchedule.objects.exists(), "deleted in MWS too"


def test_a_schedule_mws_refuses_shows_the_error(us_seller, faults):
    faults(kind="internal_error", actions=["ManageReportSchedule"])
    services.save_schedule(us_seller, ORDERS, "_1_DAY_")
    pump_until(_idle, timeout=30, poll=False)
    schedule = ReportSchedule.objects.get()
    assert schedule.pending_schedule == ""
    assert "InternalError" in schedule.error_message
