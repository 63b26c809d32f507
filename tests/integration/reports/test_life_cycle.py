"""Reports from request to preview against the sandbox, through the real gateway."""

from __future__ import annotations

import base64
import hashlib
import os

import pytest
from django.core.files.storage import InMemoryStorage, default_storage
from django.utils._os import safe_join

from mwsportal import polling
from mwsportal.gateway.models import MWSCall, RequestLogEntry
from reports import services
from reports.models import Report, ReportRequest
from reports.preview import preview_report
from tests.integration.reports.support import pump_until, settled, stored_report

pytestmark = pytest.mark.django_db(transaction=True)

OPEN_LISTINGS = "_GET_FLAT_FILE_OPEN_LISTINGS_DATA_"
LISTINGS = "_GET_MERCHANT_LISTINGS_DATA_"


def _stored_md5(report: Report) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with default_storage.open(report.file, "rb") as handle:
        for chunk in iter(lambda: handle.read(65536), b""):
            digest.update(chunk)
    return base64.b64encode(digest.digest()).decode()


def test_request_poll_download_preview_and_acknowledge(us_seller):
    services.update_report_settings(us_seller, acknowledge_downloads=True)

    report_request = services.request_report(us_seller, OPEN_LISTINGS)
    assert report_request.status == ReportRequest.Status.QUEUED
    report = stored_report(report_request)

    assert report_request.status == ReportRequest.Status.DONE
    assert report_request.mws_request_id
    assert report.state == Report.State.STORED
    assert report.size == default_storage.size(report.file) > 0
    assert _stored_md5(report) == report.md5, "what is stored is what MWS vouched for"
    assert report.charset.lower() == "windows-1252"

    preview = preview_report(report)
    assert preview.headers == ["sku", "asin", "price", "quantity"]
    assert 0 < len(preview.rows) <= 30
    assert all(len(row) == 4 for row in preview.rows)

    pump_until(lambda: Report.objects.get(pk=report.pk).acknowledged, poll=False)
    assert RequestLogEntry.objects.filter(operation="UpdateReportAcknowledgements").count() == 1


def test_without_the_setting_reports_are_not_acknowledged(us_seller):
    report = stored_report(services.request_report(us_seller, OPEN_LISTINGS))
    assert not report.acknowledged
    assert not MWSCall.objects.filter(operation="UpdateReportAcknowledgements").exists()


def test_all_open_requests_are_polled_in_one_call(us_seller, monkeypatch):
    # The early follow-up checks are pushed out of the way (they would finish the requests
    # first): this is about the periodic poll.
    monkeypatch.setattr(polling, "FIRST_STEP_SECONDS", 3600.0)
    requests = [services.request_report(us_seller, OPEN_LISTINGS) for _ in range(6)]
    pump_until(
        lambda: not ReportRequest.objects.filter(status=ReportRequest.Status.QUEUED).exists(),
        poll=False,
    )
    assert ReportRequest.objects.filter(status__in=ReportRequest.POLLED_STATUSES).count() == 6
    before = RequestLogEntry.objects.filter(call__dedupe_key__startswith="reports.poll").count()

    assert services.poll_open_requests(us_seller) == 1
    pump_until(
        lambda: (
            not MWSCall.objects.filter(state__in=MWSCall.PENDING_STATES).exists()
            or ReportRequest.objects.filter(status=ReportRequest.Status.DONE).count() == 6
        ),
        poll=False,
    )

    polls = RequestLogEntry.objects.filter(call__dedupe_key__startswith="reports.poll")
    assert polls.count() - before == 1
    call = MWSCall.objects.filter(dedupe_key="reports.poll:0").latest("pk")
    assert sorted(call.params["ReportRequestIdList"]) == sorted(
        r.mws_request_id for r in ReportRequest.objects.filter(pk__in=[r.pk for r in requests])
    )


def test_md5_mismatch_is_downloaded_again_and_recovers(us_seller, faults, media):
    faults(kind="wrong_md5", actions=["GetReport"], count=2)
    report = stored_report(services.request_report(us_seller, OPEN_LISTINGS))

    assert report.state == Report.State.STORED
    assert report.downloads == 3
    assert _stored_md5(report) == report.md5
    assert [p.name for p in media.rglob("*") if p.is_file()] == [report.file.rsplit("/", 1)[1]]


def test_md5_mismatch_every_time_gives_up_after_three_more_downloads(us_seller, faults, media):
    faults(kind="wrong_md5", actions=["GetReport"])
    report = stored_report(services.request_report(us_seller, OPEN_LISTINGS))

    assert report.state == Report.State.FAILED
    assert report.downloads == Report.MAX_DOWNLOADS == 4
    assert "Content-MD5" in report.error_message
    assert RequestLogEntry.objects.filter(operation="GetReport").count() == 4
    assert not report.file
    assert not [p for p in media.rglob("*") if p.is_file()], "no unverified bytes are kept"


def test_a_download_cut_off_half_way_leaves_no_file(us_seller, faults, media):
    faults(kind="truncate", actions=["GetReport"], fraction=0.5)
    report = stored_report(services.request_report(us_seller, LISTINGS))

    assert report.state == Report.State.FAILED
    assert not report.file
    assert not [p for p in media.rglob("*") if p.is_file()]


def test_japanese_report_previews_in_windows_31j(jp_seller):
    report = stored_report(services.request_report(jp_seller, LISTINGS))

    assert report.charset.lower() == "windows-31j"
    preview = preview_report(report)
    assert preview.encoding == "cp932"
    assert preview.headers[:3] == ["item-name", "item-description", "listing-id"]
    text = "".join("".join(row) for row in preview.rows)
    assert "\ufffd" not in text
    assert any("\u3040" <= ch <= "\u9fff" for ch in text), "Japanese text decoded as such"


def test_windows_1252_report_previews_without_replacement_characters(us_seller):
    report = stored_report(services.request_report(us_seller, LISTINGS))

    preview = preview_report(report)
    assert preview.encoding == "cp1252"
    assert preview.headers[0] == "item-name"
    assert len(preview.rows) > 0
    assert "\ufffd" not in "".join("".join(row) for row in preview.rows)


def test_cancelling_a_request_still_in_the_queue_withdraws_the_call(us_seller):
    report_request = services.request_report(us_seller, OPEN_LISTINGS)
    services.cancel_report_request(report_request)

    report_request.refresh_from_db()
    assert report_request.status == ReportRequest.Status.CANCELLED
    assert MWSCall.objects.get(operation="RequestReport").state == MWSCall.State.CANCELLED
    pump_until(settled(report_request))
    assert not RequestLogEntry.objects.exists(), "nothing went to MWS"


class ObjectStorage(InMemoryStorage):
    """Storage without local paths, as S3 and other object stores are."""

    def path(self, name: str) -> str:
        raise NotImplementedError("an object store has no local paths")

    def _relative_path(self, name: str) -> str:
        # The in-memory tree is keyed by paths internally; only callers lose path().
        return os.path.relpath(safe_join(self.location, name), self.location)


@pytest.fixture
def object_storage(settings):
    # The report must be stored and served through the storage API alone.
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": f"{__name__}.ObjectStorage"},
    }


def test_a_report_is_stored_and_served_by_an_object_store(us_seller, object_storage, client):
    with pytest.raises(NotImplementedError):
        default_storage.path("anything")
    report = stored_report(services.request_report(us_seller, OPEN_LISTINGS))

    assert report.state == Report.State.STORED
    assert _stored_md5(report) == report.md5
    assert preview_report(report).headers == ["sku", "asin", "price", "quantity"]

    client.force_login(us_seller.owner)
    response = client.get(f"/reports/{report.pk}/download/")
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert len(body) == report.size
    assert base64.b64encode(hashlib.md5(body, usedforsecurity=False).digest()).decode() == (
        report.md5
    )
