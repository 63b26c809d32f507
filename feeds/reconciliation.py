"""Finding out whether Amazon received a feed whose SubmitFeed answer was lost.

Resending blindly could apply a feed twice, so the portal lists the seller's submissions of
the feed's type since the send (``request_listing``, then ``read_next_page`` along the
listing's NextToken) and ``judge_listing`` says what each page means: the feed is there (a
submission the portal does not know yet, the nearest to the send), read on, the listing is too
long to prove anything, it is too soon after the send to be conclusive, or Amazon never
received the feed and it may be sent again. ``feeds.services.on_reconciled`` carries the
verdict out.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings

from feeds.models import FeedSubmission
from mwsportal.gateway.handlers import Handler, paging_context
from mwsportal.gateway.models import MWSCall
from mwsportal.gateway.mws import MAX_IDS, FeedSubmissionInfo, FeedSubmissionListResult
from mwsportal.gateway.services import SellerNotCallable, request_call

# MWS's clock and ours may differ: the reconciliation window opens this long before the send.
CLOCK_MARGIN = timedelta(minutes=5)
# A reconciliation reads at most this many pages of MAX_IDS submissions; a listing longer than
# that (a seller flooding one feed type) cannot prove the feed missing.
MAX_RECONCILE_PAGES = 20
TOO_LONG_MESSAGE = (
    f"The answer to this feed's upload was lost, and Amazon lists more than "
    f"{MAX_RECONCILE_PAGES * MAX_IDS} feeds of this type since then, too many to find out "
    "whether it arrived. It was not sent again, so it cannot be applied twice: check the "
    "feed upload history in Seller Central, and upload it again only if it is not there."
)


class Finding(enum.Enum):
    FOUND = "found"
    READ_ON = "read_on"
    TOO_LONG = "too_long"
    TOO_SOON = "too_soon"
    NEVER_ARRIVED = "never_arrived"


@dataclass(frozen=True)
class Verdict:
    finding: Finding
    # FOUND: the submission that is the feed.
    found: FeedSubmissionInfo | None = None
    # TOO_SOON: when a listing can be conclusive.
    ask_again_at: datetime | None = None


def request_listing(
    feed: FeedSubmission,
    *,
    handler: Handler,
    not_before: datetime | None = None,
    paging_restarts: int = 0,
) -> MWSCall | None:
    """Ask MWS which submissions of this type it has since the lost send: one listing, read
    page by page (``read_next_page`` follows its NextToken), each page answered to
    ``handler`` (``feeds.services.on_reconciled``). ``paging_restarts``: as for
    ``feeds.services.poll_seller``."""
    if feed.state != FeedSubmission.State.UNKNOWN or feed.sent_at is None:
        return None
    try:
        return request_call(
            feed.seller,
            "GetFeedSubmissionList",
            {
                "FeedTypeList": [feed.feed_type],
                "SubmittedFromDate": feed.sent_at - CLOCK_MARGIN,
                "MaxCount": MAX_IDS,
            },
            handler=handler,
            context={"feed": feed.pk, **paging_context(paging_restarts)},
            not_before=not_before,
            # One listing per attempt: a tick asking again while it waits gets the same call, and
            # the handler of a finished attempt (whose call still counts as pending while the
            # handler runs) can ask for the next one.
            dedupe_key=f"feeds.reconcile.{feed.pk}.{feed.reconcile_attempts}",
        )
    except SellerNotCallable:
        return None


def read_next_page(
    feed: FeedSubmission,
    next_token: str,
    *,
    handler: Handler,
    page: int,
    listed_at: datetime,
    paging_restarts: int,
) -> MWSCall | None:
    try:
        return request_call(
            feed.seller,
            "GetFeedSubmissionListByNextToken",
            {"NextToken": next_token},
            handler=handler,
            context={
                "feed": feed.pk,
                "page": page,
                "listed_at": listed_at.isoformat(),
                **paging_context(paging_restarts),
            },
            dedupe_key=f"feeds.reconcile.{feed.pk}.{feed.reconcile_attempts}.page",
        )
    except SellerNotCallable:
        return None


def judge_listing(
    feed: FeedSubmission, listing: FeedSubmissionListResult, *, page: int, listed_at: datetime
) -> Verdict:
    """What page ``page`` of a listing made at ``listed_at`` says about ``feed``."""
    sent_at = feed.sent_at
    if sent_at is None:
        # Only a feed whose SubmitFeed went out and lost its answer is reconciled.
        raise ValueError(f"feed {feed.pk} was never sent, so there is nothing to reconcile")
    candidates = _unknown_candidates(feed, sent_at, listing.feed_submission_info)
    if candidates:
        return Verdict(Finding.FOUND, found=_nearest(candidates, sent_at))
    if listing.has_next and listing.next_token:
        return Verdict(Finding.TOO_LONG if page >= MAX_RECONCILE_PAGES else Finding.READ_ON)
    settled_at = sent_at + timedelta(seconds=settings.FEED_RECONCILE_SETTLE_SECONDS)
    if listed_at < settled_at:
        # Not conclusive yet: a listing made this soon after the send may still miss it.
        return Verdict(Finding.TOO_SOON, ask_again_at=settled_at)
    # Amazon lists every feed it received at once; none since the send means it never arrived.
    return Verdict(Finding.NEVER_ARRIVED)


def _unknown_candidates(
    feed: FeedSubmission, sent_at: datetime, infos: Iterable[FeedSubmissionInfo]
) -> list[FeedSubmissionInfo]:
    infos = [i for i in infos if i.feed_type == feed.feed_type]
    known = set(
        FeedSubmission.objects.filter(
            seller_id=feed.seller_id, feed_submission_id__in=[i.feed_submission_id for i in infos]
        ).values_list("feed_submission_id", flat=True)
    )
    earliest = sent_at - CLOCK_MARGIN
    return [
        i
        for i in infos
        if i.feed_submission_id not in known
        and (i.submitted_date is None or i.submitted_date >= earliest)
    ]


def _nearest(candidates: list[FeedSubmissionInfo], sent_at: datetime) -> FeedSubmissionInfo:
    """Feeds of a type go out one at a time, so normally one candidate exists; if the seller
    also submitted one elsewhere, the one closest to our send is ours."""
    return min(
        candidates,
        key=lambda i: abs((i.submitted_date or sent_at) - sent_at).total_seconds(),
    )
