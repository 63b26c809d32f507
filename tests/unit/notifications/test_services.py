"""Which outcomes write which notices, what the owner's settings make of them, and that an
e-mail or a digest goes out once however often its task runs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone

from feeds import services as feed_services
from mwsclient.errors import ServerError
from mwsclient.results import (
    FeedSubmissionInfo,
    FeedSubmissionListResult,
    ReportRequestInfo,
    ReportRequestListResult,
)
from mwsportal.gateway.handlers import CallOutcome, Download
from mwsportal.gateway.models import MWSCall
from notifications import services
from notifications import tasks as notification_tasks
from notifications.models import Digest, Kind, Notice
from reports import services as report_services
from sellers import services as seller_services
from tests.factories import FeedSubmissionFactory, ReportFactory, ReportRequestFactory
from tests.unit.feeds.test_processing_report import XML_REPORT

pytestmark = pytest.mark.django_db


def _call(seller, handler: str, context: dict, state: str = MWSCall.State.SUCCEEDED) -> MWSCall:
    call = MWSCall(seller=seller, operation="X", handler=handler, context=context)
    call.state = state
    call.error_message = "InternalError" if state == MWSCall.State.FAILED else ""
    return call


def _download(tmp_path, body: bytes, content_type: str = "text/plain") -> Download:
    path = tmp_path / "download"
    path.write_bytes(body)
    return Download(path=path, md5="", size=len(body), content_type=content_type, charset=None)


# ---- which outcomes write what ---------------------------------------------------------------


def test_a_downloaded_report_tells_its_owner_it_is_ready(seller, owner, media, tmp_path, tasks):
    report_request = ReportRequestFactory(seller=seller, status="done")
    report = ReportFactory(seller=seller, request=report_request, state="pending")
    call = _call(seller, "reports.report_downloaded", {"report": report.pk})
    report_services.on_report_downloaded(
        CallOutcome(call=call, download=_download(tmp_path, b"sku\tprice\nA\t1\n"))
    )
    notice = Notice.objects.get()
    assert (notice.user, notice.seller, notice.kind) == (owner, seller, Kind.REPORT_READY)
    assert notice.title == f"{report.report_type_name} is ready"
    assert "US store" in notice.message
    assert notice.link == f"/reports/requests/{report_request.pk}/"
    assert notice.email == Notice.Email.PENDING


def test_a_failed_request_report_tells_its_owner_what_amazon_said(seller, tasks):
    report_request = ReportRequestFactory(seller=seller, status="queued")
    call = _call(
        seller,
        "reports.report_requested",
        {"report_request": report_request.pk},
        MWSCall.State.FAILED,
    )
    report_services.on_report_requested(CallOutcome(call=call))
    notice = Notice.objects.get()
    assert notice.kind == Kind.REPORT_FAILED
    assert notice.title.endswith("failed")
    assert "Amazon said: InternalError" in notice.message


def test_a_request_amazon_ends_without_data_is_told_once_and_not_as_an_error(seller, tasks):
    report_request = ReportRequestFactory(seller=seller, status="in_progress")
    info = ReportRequestInfo(
        report_request_id=report_request.mws_request_id,
        report_type=report_request.report_type,
        report_processing_status="_DONE_NO_DATA_",
        submitted_date=None,
        start_date=None,
        end_date=None,
        scheduled=False,
    )
    call = MWSCall(seller=seller, operation="GetReportRequestList", state=MWSCall.State.SUCCEEDED)
    page = ReportRequestListResult(report_request_info=(info,), has_next=False, next_token=None)
    report_services.on_requests_polled(CallOutcome(call=call, result=page))
    report_services.on_requests_polled(CallOutcome(call=call, result=page))
    notice = Notice.objects.get()
    assert notice.kind == Kind.REPORT_FAILED
    assert notice.title.endswith("no report")
    assert "done, no data" in notice.message


def test_a_processed_feed_tells_its_error_count(seller, media, tmp_path, tasks):
    feed = FeedSubmissionFactory(seller=seller, state="fetching", feed_submission_id="5000")
    call = _call(seller, "feeds.result", {"feed": feed.pk})
    feed_services.on_result(
        CallOutcome(call=call, download=_download(tmp_path, XML_REPORT, "text/xml"))
    )
    feed_services.on_result(CallOutcome(call=call, download=_download(tmp_path, XML_REPORT)))
    notice = Notice.objects.get()
    assert notice.kind == Kind.FEED_PROCESSED
    assert notice.title == f"{feed.feed_type_name} processed with 1 error"
    assert "3 processed, 2 successful, 1 with errors, 1 with warnings" in notice.message
    assert notice.link == f"/feeds/{feed.pk}/"


def test_a_feed_amazon_refuses_is_a_failure_notice(seller, media, tasks):
    feed = FeedSubmissionFactory(seller=seller, state="sending")
    call = _call(seller, "feeds.submitted", {"feed": feed.pk}, MWSCall.State.FAILED)
    feed_services.on_submitted(CallOutcome(call=call, error=ServerError("down")))
    notice = Notice.objects.get()
    assert notice.kind == Kind.FEED_FAILED
    assert notice.title == f"{feed.feed_type_name} failed"


def test_a_feed_amazon_cancels_is_a_failure_notice(seller, media, tasks):
    feed = FeedSubmissionFactory(seller=seller, state="submitted", feed_submission_id="5001")
    info = FeedSubmissionInfo("5001", feed.feed_type, "_CANCELLED_", None)
    call = MWSCall(seller=seller, operation="GetFeedSubmissionList", context={"seller": seller.pk})
    call.state = MWSCall.State.SUCCEEDED
    page = FeedSubmissionListResult(feed_submission_info=(info,), has_next=False, next_token=None)
    feed_services.on_polled(CallOutcome(call=call, result=page))
    notice = Notice.objects.get()
    assert (notice.kind, notice.title) == (
        Kind.FEED_FAILED,
        f"{feed.feed_type_name} was cancelled",
    )


def test_a_refused_authorization_tells_the_owner_once(seller, tasks):
    seller_services.mark_needs_reauthorization(seller, reason="AccessDenied to ListOrders.")
    seller_services.mark_needs_reauthorization(seller, reason="AccessDenied again.")
    notice = Notice.objects.get()
    assert notice.kind == Kind.SELLER_NEEDS_REAUTH
    assert notice.title == "US store must be authorized again"
    assert "AccessDenied to ListOrders." in notice.message
    assert notice.link == f"/sellers/{seller.pk}/"
    assert seller.auth_token not in notice.message


# ---- the owner's settings ----------------------------------------------------------------------


def test_a_notice_to_be_mailed_is_handed_to_a_worker_after_commit(
    seller, tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notice = services.notify(seller, Kind.REPORT_READY, title="Ready")
        assert tasks.sent == [], "nothing is handed out before the notice is committed"
    assert tasks.sent == [("notifications.send_notice_email", [notice.pk])]


def test_a_kind_left_out_of_the_email_settings_is_shown_but_not_mailed(
    seller, owner, tasks, django_capture_on_commit_callbacks
):
    services.update_settings(owner, email_kinds=[Kind.FEED_FAILED], daily_digest=False)
    with django_capture_on_commit_callbacks(execute=True):
        quiet = services.notify(seller, Kind.REPORT_READY, title="Ready")
        mailed = services.notify(seller, Kind.FEED_FAILED, title="Failed")
    assert quiet.email == Notice.Email.NONE
    assert mailed.email == Notice.Email.PENDING
    assert tasks.sent == [("notifications.send_notice_email", [mailed.pk])]
    assert Notice.objects.for_user(owner).unread().count() == 2


def test_with_the_digest_chosen_nothing_is_mailed_on_its_own(
    seller, owner, tasks, django_capture_on_commit_callbacks
):
    services.update_settings(owner, email_kinds=Kind.values, daily_digest=True)
    with django_capture_on_commit_callbacks(execute=True):
        notice = services.notify(seller, Kind.REPORT_READY, title="Ready")
    assert notice.email == Notice.Email.DIGEST
    assert tasks.sent == []


def test_a_user_without_an_address_gets_notices_but_no_mail(seller, owner, tasks):
    owner.email = ""
    owner.save()
    seller.refresh_from_db()
    assert services.notify(seller, Kind.REPORT_READY, title="Ready").email == Notice.Email.NONE


def test_unknown_kinds_in_the_settings_are_dropped(owner):
    chosen = services.update_settings(
        owner, email_kinds=["report_ready", "nonsense"], daily_digest=False
    )
    assert chosen.email_kinds == ["report_ready"]


# ---- e-mail, once ----------------------------------------------------------------------------


def test_a_notice_is_mailed_once_however_often_its_task_runs(seller, tasks, mailoutbox):
    notice = services.notify(seller, Kind.REPORT_READY, title="Ready")
    assert notification_tasks.send_notice_email(notice.pk) is True
    assert notification_tasks.send_notice_email(notice.pk) is False
    assert len(mailoutbox) == 1
    notice.refresh_from_db()
    assert notice.email == Notice.Email.SENT
    assert notice.emailed_at is not None


def test_a_mail_that_fails_to_send_is_handed_back_for_the_retry(
    seller, tasks, mailoutbox, monkeypatch
):
    notice = services.notify(seller, Kind.REPORT_READY, title="Ready")

    real_send = EmailMultiAlternatives.send
    down = [True]

    def send(self, fail_silently=False):
        if down[0]:
            raise ConnectionRefusedError("SMTP server down")
        return real_send(self, fail_silently)

    monkeypatch.setattr(EmailMultiAlternatives, "send", send)
    with pytest.raises(ConnectionRefusedError):
        services.send_notice_email(notice.pk)
    notice.refresh_from_db()
    assert notice.email == Notice.Email.PENDING
    assert notice.emailed_at is None
    down[0] = False
    assert services.send_notice_email(notice.pk) is True
    assert len(mailoutbox) == 1


def test_the_daily_digest_lists_each_notice_once(
    seller, owner, stranger, stranger_seller, tasks, mailoutbox, monkeypatch
):
    services.update_settings(owner, email_kinds=Kind.values, daily_digest=True)
    services.update_settings(stranger, email_kinds=Kind.values, daily_digest=True)
    first = services.notify(seller, Kind.REPORT_READY, title="First report is ready")
    second = services.notify(seller, Kind.FEED_FAILED, title="A feed failed")
    services.notify(stranger_seller, Kind.REPORT_READY, title="Stranger's own")
    handed: list[int] = []
    monkeypatch.setattr(notification_tasks.send_digest, "delay", handed.append)
    assert notification_tasks.send_daily_digests() == 2
    # A second run the same day finds nothing left: no digest, no mail.
    assert notification_tasks.send_daily_digests() == 0
    digest = Digest.objects.get(user=owner)
    assert sorted(handed) == sorted(Digest.objects.values_list("pk", flat=True))
    assert services.send_digest(digest.pk) is True
    assert set(digest.notices.all()) == {first, second}
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [owner.email]
    assert "First report is ready" in mailoutbox[0].body
    assert "Stranger's own" not in mailoutbox[0].body
    assert services.send_digest(digest.pk) is False
    assert len(mailoutbox) == 1
    assert set(Notice.objects.filter(user=owner).values_list("email", flat=True)) == {"sent"}
    # The next day's notices go into the next digest only.
    third = services.notify(seller, Kind.REPORT_READY, title="Next day")
    (later,) = services.collect_digests()
    assert list(Digest.objects.get(pk=later).notices.all()) == [third]


def test_lost_task_messages_are_handed_out_again(seller, owner, tasks, monkeypatch):
    notice = services.notify(seller, Kind.REPORT_READY, title="Ready")
    digest = Digest.objects.create(user=owner)
    assert services.waiting_emails() == ([], []), "fresh ones still have their message"
    long_ago = timezone.now() - timedelta(seconds=services.REQUEUE_AFTER_SECONDS + 1)
    Notice.objects.filter(pk=notice.pk).update(created_at=long_ago)
    Digest.objects.filter(pk=digest.pk).update(created_at=long_ago)
    assert services.waiting_emails() == ([notice.pk], [digest.pk])
    services.send_notice_email(notice.pk)
    assert services.waiting_emails() == ([], [digest.pk])
