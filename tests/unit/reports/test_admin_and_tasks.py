"""Staff pages of reports, and the periodic tasks beat runs."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from mwsportal.celery import app
from mwsportal.gateway.models import MWSCall
from reports import tasks
from tests.factories import ReportFactory, ReportRequestFactory, SellerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(staff) -> Client:
    staff.is_superuser = True
    staff.save(update_fields=["is_superuser"])
    client = Client()
    client.force_login(staff)
    return client


def test_admin_lists_and_shows_reports_with_md5_read_only(staff_client):
    report = ReportFactory(body=b"sku\tasin\n", md5="1B2M2Y8AsgTpgAmY7PhCfg==")
    ReportRequestFactory(seller=report.seller)
    for model in ("reportrequest", "report", "reportschedule", "sellerreportsettings"):
        assert staff_client.get(reverse(f"admin:reports_{model}_changelist")).status_code == 200
    page = staff_client.get(reverse("admin:reports_report_change", args=[report.pk]))
    assert page.status_code == 200
    assert "1B2M2Y8AsgTpgAmY7PhCfg==" in page.content.decode()
    assert 'name="md5"' not in page.content.decode(), "MD5 is not editable"


def test_admin_action_queues_a_fresh_download(staff_client):
    report = ReportFactory(state="failed", downloads=4, error_message="Content-MD5 mismatch")
    staff_client.post(
        reverse("admin:reports_report_changelist"),
        {"action": "download_again", "_selected_action": [report.pk]},
    )
    report.refresh_from_db()
    assert (report.state, report.downloads, report.error_message) == ("pending", 1, "")
    call = MWSCall.objects.get()
    assert (call.operation, call.params) == ("GetReport", {"ReportId": report.report_id})


def test_beat_runs_the_report_tasks():
    entries = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert {
        "reports.poll_open_requests",
        "reports.sync_report_lists",
        "reports.flag_stuck_requests",
    } <= entries
    assert {
        "reports.poll_open_requests",
        "reports.sync_report_lists",
        "reports.flag_stuck_requests",
    } <= set(app.tasks)


def test_poll_task_is_safe_to_run_twice():
    seller = SellerFactory()
    ReportRequestFactory(seller=seller, status="submitted")
    assert tasks.poll_open_requests() == 1
    assert tasks.poll_open_requests() == 1
    assert MWSCall.objects.filter(operation="GetReportRequestList").count() == 1
