"""What the owner of a seller account hears about its feeds (``notifications.notify`` writes
and mails the notice; what it says is the feeds app's business)."""

from __future__ import annotations

from django.urls import reverse

from feeds.models import FeedSubmission
from notifications.models import Kind, Notice
from notifications.services import notify


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
