"""Notices for a seller account's owner, their e-mail preferences and daily digests."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from mwsportal.tenancy import OwnedQuerySet


class Kind(models.TextChoices):
    REPORT_READY = "report_ready", "A report is ready"
    REPORT_FAILED = "report_failed", "A report could not be made or downloaded"
    FEED_PROCESSED = "feed_processed", "A feed is processed"
    FEED_FAILED = "feed_failed", "A feed failed or was cancelled"
    SELLER_NEEDS_REAUTH = "seller_needs_reauth", "A seller account must be authorized again"


class NoticeQuerySet(OwnedQuerySet):
    """``for_user``: the notices addressed to ``user``, the only way a view reaches one."""

    owner_path = "user"

    def unread(self) -> NoticeQuerySet:
        return self.filter(read_at__isnull=True)


class Digest(models.Model):
    """One daily e-mail that lists the notices collected into it; each notice joins at most
    one digest, so a rerun of the beat task never mails a notice twice."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"Digest #{self.pk} for {self.user_id}"


class Notice(models.Model):
    """Something the owner of a seller account should hear about, shown in the portal and,
    as the owner chose, mailed on its own or in the day's digest."""

    class Email(models.TextChoices):
        NONE = "none", "Not mailed"
        PENDING = "pending", "Waiting to be mailed"
        DIGEST = "digest", "Waiting for the daily digest"
        SENT = "sent", "Mailed"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices"
    )
    seller = models.ForeignKey(
        "sellers.Seller", on_delete=models.CASCADE, related_name="notices", null=True, blank=True
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    title = models.CharField(max_length=200)
    message = models.TextField(blank=True)
    # A path inside the portal; e-mails make it absolute with PORTAL_URL.
    link = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    email = models.CharField(max_length=8, choices=Email.choices, default=Email.NONE)
    emailed_at = models.DateTimeField(null=True, blank=True)
    digest = models.ForeignKey(
        Digest, on_delete=models.SET_NULL, null=True, blank=True, related_name="notices"
    )

    objects = NoticeQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["user", "read_at"], name="notice_user_unread"),
            models.Index(fields=["email", "digest"], name="notice_digest_waiting"),
        ]

    def __str__(self) -> str:
        return self.title


def default_email_kinds() -> list[str]:
    return list(Kind.values)


class NotificationSettings(models.Model):
    """A user's choice of which notices are mailed and whether they come one by one or in a
    daily digest. In-app notices are always on. A user without a row gets the defaults."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_settings"
    )
    email_kinds = models.JSONField(default=default_email_kinds, blank=True)
    daily_digest = models.BooleanField(
        default=False, help_text="One e-mail a day listing the day's notices instead of one each."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "notification settings"

    def __str__(self) -> str:
        return f"Notification settings of {self.user_id}"
