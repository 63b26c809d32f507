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
from typing import Protocol

from celery import current_app
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from notifications.models import Digest, Kind, Notice, NotificationSettings

logger = logging.getLogger(__name__)

# A notice still waiting for its own e-mail this long after it was written lost its task
# message; ``requeue_waiting_emails`` hands it out again.
REQUEUE_AFTER_SECONDS = 300


class NoticeSubject(Protocol):
    """The seller account a notice is about, as notices need it: what the notice points at
    and who hears about it. (The apps decide what a notice says and call ``notify``; this app
    imports none of them.)"""

    @property
    def pk(self) -> int: ...

    @property
    def owner(self) -> AbstractBaseUser: ...


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


def notify(
    seller: NoticeSubject, kind: str, *, title: str, message: str = "", link: str = ""
) -> Notice:
    """Tell the owner of ``seller`` about an outcome: always in the portal, by e-mail as the
    owner chose (on its own, after this transaction commits, or in the next daily digest)."""
    user = seller.owner
    chosen = settings_for(user)
    email = Notice.Email.NONE
    if user.email and kind in chosen.email_kinds:
        email = Notice.Email.DIGEST if chosen.daily_digest else Notice.Email.PENDING
    notice = Notice.objects.create(
        user=user,
        seller_id=seller.pk,
        kind=kind,
        title=title,
        message=message,
        link=link,
        email=email,
    )
    if email == Notice.Email.PENDING:
        _queue_email(notice.pk)
    return notice


def _queue_email(notice_id: int) -> None:
    transaction.on_commit(
        lambda: current_app.send_task("notifications.send_notice_email", args=[notice_id]),
        robust=True,
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
