"""What a page of the listing says about a feed whose SubmitFeed answer was lost, as a table of
listing -> verdict."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from feeds.models import FeedSubmission
from feeds.reconciliation import MAX_RECONCILE_PAGES, Finding, judge_listing
from mwsclient.results import FeedSubmissionInfo, FeedSubmissionListResult
from tests.factories import FeedSubmissionFactory

pytestmark = pytest.mark.django_db
INVENTORY = "_POST_INVENTORY_AVAILABILITY_DATA_"
SENT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
SETTLED = SENT + timedelta(seconds=120)


def listing(*infos: FeedSubmissionInfo, more: bool = False) -> FeedSubmissionListResult:
    return FeedSubmissionListResult(infos, has_next=more, next_token="next" if more else None)


def submitted(submission_id: str, minutes_after_send: float, feed_type: str = INVENTORY):
    when = SENT + timedelta(minutes=minutes_after_send)
    return FeedSubmissionInfo(submission_id, feed_type, "_SUBMITTED_", when)


@pytest.fixture
def feed(seller, media, settings):
    settings.FEED_RECONCILE_SETTLE_SECONDS = 120
    return FeedSubmissionFactory(seller=seller, state=FeedSubmission.State.UNKNOWN, sent_at=SENT)


@pytest.mark.parametrize(
    ("page", "infos", "more", "listed_at", "finding", "found"),
    [
        # The one submission the portal does not know is the feed.
        (1, [submitted("501", 0.1)], False, SETTLED, Finding.FOUND, "501"),
        # Several: the one nearest to the send.
        (1, [submitted("601", 4), submitted("602", 0.2)], False, SETTLED, Finding.FOUND, "602"),
        # Another feed type, or a submission before the clock margin, is not the feed.
        (1, [submitted("701", 0, feed_type="_POST_PRODUCT_DATA_")], False, SETTLED,
         Finding.NEVER_ARRIVED, None),
        (1, [submitted("702", -10)], False, SETTLED, Finding.NEVER_ARRIVED, None),
        # Nothing on this page but more pages to read, up to the limit.
        (1, [], True, SETTLED, Finding.READ_ON, None),
        (MAX_RECONCILE_PAGES, [], True, SETTLED, Finding.TOO_LONG, None),
        # An empty listing made too soon after the send proves nothing yet.
        (1, [], False, SENT + timedelta(seconds=30), Finding.TOO_SOON, None),
    ],
)  # fmt: skip
def test_a_listing_page_decides_the_feed(feed, page, infos, more, listed_at, finding, found):
    verdict = judge_listing(feed, listing(*infos, more=more), page=page, listed_at=listed_at)
    assert verdict.finding is finding
    assert (verdict.found.feed_submission_id if verdict.found else None) == found
    assert verdict.ask_again_at == (SETTLED if finding is Finding.TOO_SOON else None)


def test_a_submission_the_portal_already_knows_is_not_the_feed(feed, seller):
    FeedSubmissionFactory(
        seller=seller, state=FeedSubmission.State.COMPLETE, feed_submission_id="801"
    )
    verdict = judge_listing(feed, listing(submitted("801", 0.1)), page=1, listed_at=SETTLED)
    assert verdict.finding is Finding.NEVER_ARRIVED
