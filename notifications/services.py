"""Notices: written where an outcome is decided, shown in the portal, mailed as the user chose.

``notify`` writes one ``Notice`` for the seller account's owner inside the caller's transaction
(usually a gateway result handler), so a notice exists exactly when the outcome does. A notice
to be mailed on its own is handed to the ``notifications.send_notice_email`` task after commit;
one for the daily digest waits until ``collect_digests`` puts it in exactly one ``Digest``.
Sending claims the row with a conditional UPDATE first, so a task that runs twice mails once.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta
from typing import TYPE_CHECKING

from celery import current_app
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from notifications.models import Digest, Kind, Notice, NotificationSettings
from sellers.models import Seller

if TYPE_CHECKING:
    from feeds.models import FeedSubmission
    from reports.models import Report

from reports.models import ReportRequest

logger = logging.getLogger(__name__)

# A notice still waiting for its own e-mail this long after it was written lost its task
# message; ``requeue_waiting_emails`` hands it out again.
REQUEUE_AFTER_SECONDS = 300
NO_REPORT = (ReportRequest.Status.DONE_NO_DATA, ReportRequest.Status.CANCELLED)


def absolute_url(path: str) -> str:
    """``path`` inside the portal as a link that works from an e-mail."""
    return settings.PORTAL_URL.rstrip("/") + path


def settings_for(user: AbstractBaseUser) -> NotificationSettings:
    """The user's notification settings (the defaults until the user saves them)."""
    found = NotificationSettings.objects.filter(user=user).first()
    return found or NotificationSettings(user=user)


def update_settings(
    user: AbstractBaseUser, *, email_kinds: Iterable[str], daily_digest: bool
) -> NotificationSettings:
    kinds = [kind for kind in Kind.values if kind in set(email_kinds)]
    chosen, _ = NotificationSettings.objects.update_or_create(
        user=user, defaults={"email_kinds": kinds, "daily_digest": daily_digest}
    )
    return chosen


def notify(seller: Seller, kind: str, *, title: str, message: str = "", link: str = "") -> Notice:
    """Tell the owner of ``seller`` about an outcome: always in the portal, by e-mail as the
    owner chose (on its own, after this transaction commits, or in the next daily digest)."""
    user = seller.owner
    chosen = settings_for(user)
    email = Notice.Email.NONE
    if user.email and kind in chosen.email_kinds:
        email = Notice.Email.DIGEST if chosen.daily_digest else Notice.Email.PENDING
    notice = Notice.objects.create(
        user=user, seller=seller, kind=kind, title=title, message=message, link=link, email=email
    )
    if email == Notice.Email.PENDING:
        _queue_email(notice.pk)
    return notice


def _queue_email(notice_id: int) -> None:
    transaction.on_commit(
        lambda: current_app.send_task("notifications.send_notice_email", args=[notice_id]),
        robust=True,
    )


# ---- the outcomes ---------------------------------------------------------------------------


def notify_report_ready(report: Report) -> Notice:
    link = (
        reverse("reports:request", kwargs={"pk": report.request_id})
        if report.request_id
        else reverse("reports:seller", kwargs={"seller_pk": report.seller_id})
    )
    size = f" ({filesizeformat(report.size)})" if report.size is not None else ""
    return notify(
        report.seller,
        Kind.REPORT_READY,
        title=f"{report.report_type_name} is ready",
        message=(
            f"The report for {report.seller.name} is downloaded{size} and ready to preview, "
            "export or download."
        ),
        link=link,
    )


def notify_report_failed(
    seller: Seller, report_request: ReportRequest | None, report: Report | None
) -> Notice:
    subject = report or report_request
    assert subject is not None, "a failed report has a request or a report"
    link = (
        reverse("reports:request", kwargs={"pk": report_request.pk})
        if report_request is not None
        else reverse("reports:seller", kwargs={"seller_pk": seller.pk})
    )
    if report is None and report_request is not None and report_request.status in NO_REPORT:
        # Amazon finished the request without a report: not an error, but worth knowing.
        title = f"{report_request.report_type_name}: no report"
        message = (
            f"Amazon finished the request for {seller.name} without a report: "
            f"{report_request.get_status_display().lower()}."
        )
    else:
        title = f"{subject.report_type_name} failed"
        message = f"The report for {seller.name} could not be made or downloaded."
        if subject.error_message:
            message += f" Amazon said: {subject.error_message}"
    return notify(seller, Kind.REPORT_FAILED, title=title, message=message, link=link)


def notify_feed_finished(feed: FeedSubmission) -> Notice:
    link = reverse("feeds:detail", kwargs={"pk": feed.pk})
    if feed.state == feed.State.COMPLETE:
        errors = feed.messages_with_error or 0
        warnings = feed.messages_with_warning or 0
        title = (
            f"{feed.feed_type_name} processed with {errors} error{'s' if errors != 1 else ''}"
            if errors
            else f"{feed.feed_type_name} processed without errors"
        )
        message = (
            f"{feed.messages_processed or 0} processed, {feed.messages_successful or 0} "
            f"successful, {errors} with errors, {warnings} with warnings "
            f"({feed.filename}, {feed.seller.name})."
        )
        return notify(feed.seller, Kind.FEED_PROCESSED, title=title, message=message, link=link)
    verb = "was cancelled" if feed.state == feed.State.CANCELLED else "failed"
    return notify(
        feed.seller,
        Kind.FEED_FAILED,
        title=f"{feed.feed_type_name} {verb}",
        message=f"{feed.filename} for {feed.seller.name}: {feed.state_message}".strip(),
        link=link,
    )


def notify_needs_reauthorization(seller: Seller, *, reason: str) -> Notice:
    return notify(
        seller,
        Kind.SELLER_NEEDS_REAUTH,
        title=f"{seller.name} must be authorized again",
        message=(
            "Amazon refused the seller's authorization, so the portal stopped calling for it. "
            "Authorize the developer again in Seller Central and paste the new MWS "
            f"Authorization Token on the seller's page. Amazon said: {reason}"
        ),
        link=reverse("sellers:dashboard", kwargs={"pk": seller.pk}),
    )


# ---- in the portal ----------------------------------------------------------------------------


def mark_read(notice: Notice) -> None:
    if notice.read_at is None:
        notice.read_at = timezone.now()
        notice.save(update_fields=["read_at"])


def mark_all_read(user: AbstractBaseUser) -> int:
    return Notice.objects.for_user(user).unread().update(read_at=timezone.now())


# ---- e-mail -----------------------------------------------------------------------------------


def _common_context(user: AbstractBaseUser) -> dict[str, object]:
    return {
        "user": user,
        "portal_url": absolute_url("/"),
        "notices_url": absolute_url(reverse("notifications:list")),
        "settings_url": absolute_url(reverse("notifications:settings")),
    }


def _message(
    user: AbstractBaseUser, template: str, context: dict[str, object]
) -> EmailMultiAlternatives:
    subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
    mail = EmailMultiAlternatives(
        subject, render_to_string(f"{template}_body.txt", context), None, [user.email]
    )
    mail.attach_alternative(render_to_string(f"{template}_body.html", context), "text/html")
    return mail


def notice_email(notice: Notice) -> EmailMultiAlternatives:
    """The e-mail of one notice: subject, text body and HTML body with absolute links."""
    context = {
        **_common_context(notice.user),
        "notice": notice,
        "link": absolute_url(notice.link) if notice.link else "",
    }
    return _message(notice.user, "notifications/email/notice", context)


def digest_email(digest: Digest) -> EmailMultiAlternatives:
    """The daily digest: every notice collected into ``digest``, oldest first."""
    notices = list(digest.notices.select_related("seller").order_by("created_at", "pk"))
    context = {
        **_common_context(digest.user),
        "digest": digest,
        "items": [{"notice": n, "link": absolute_url(n.link) if n.link else ""} for n in notices],
    }
    return _message(digest.user, "notifications/email/digest", context)


def send_notice_email(notice_id: int) -> bool:
    """Mail one notice unless it was mailed already; returns whether this call sent it."""
    now = timezone.now()
    claimed = Notice.objects.filter(pk=notice_id, email=Notice.Email.PENDING).update(
        email=Notice.Email.SENT, emailed_at=now
    )
    if not claimed:
        return False
    notice = Notice.objects.select_related("user").get(pk=notice_id)
    try:
        notice_email(notice).send()
    except Exception:
        # Handed back so the task's retry (or the periodic requeue) tries again.
        Notice.objects.filter(pk=notice_id).update(email=Notice.Email.PENDING, emailed_at=None)
        raise
    return True


def collect_digests() -> list[int]:
    """Put every notice waiting for the digest into one new digest per user; returns the new
    digests' ids. A notice joins only while it has no digest, so two runs never share one."""
    users = (
        Notice.objects.filter(email=Notice.Email.DIGEST, digest__isnull=True)
        .values_list("user_id", flat=True)
        .distinct()
    )
    made = []
    for user_id in list(users):
        with transaction.atomic():
            digest = Digest.objects.create(user_id=user_id)
            joined = Notice.objects.filter(
                user_id=user_id, email=Notice.Email.DIGEST, digest__isnull=True
            ).update(digest=digest)
            if not joined:
                digest.delete()
                continue
        made.append(digest.pk)
    return made


def send_digest(digest_id: int) -> bool:
    """Mail one digest unless it was mailed already; returns whether this call sent it."""
    now = timezone.now()
    if not Digest.objects.filter(pk=digest_id, sent_at__isnull=True).update(sent_at=now):
        return False
    digest = Digest.objects.select_related("user").get(pk=digest_id)
    try:
        digest_email(digest).send()
    except Exception:
        Digest.objects.filter(pk=digest_id).update(sent_at=None)
        raise
    Notice.objects.filter(digest=digest).update(email=Notice.Email.SENT, emailed_at=now)
    return True


def waiting_emails() -> tuple[list[int], list[int]]:
    """Notices and digests whose e-mail should have gone by now (a lost task message)."""
    before = timezone.now() - timedelta(seconds=REQUEUE_AFTER_SECONDS)
    notices = Notice.objects.filter(email=Notice.Email.PENDING, created_at__lt=before)
    digests = Digest.objects.filter(sent_at__isnull=True, created_at__lt=before)
    return (
        list(notices.order_by("pk").values_list("pk", flat=True)[:500]),
        list(digests.order_by("pk").values_list("pk", flat=True)[:500]),
    )
