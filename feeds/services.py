"""Every business action on feeds, for views, admin and tasks alike.

Life of a feed (design §3, the mirror image of a report):

1. The file is checked (``feeds.checks``) before anything is kept, then stored with its MD5.
2. ``submit_feed`` queues it; ``_send_next`` asks the gateway for SubmitFeed. Feeds of one
   seller and type go out one at a time, so at most one of them can have an unknown outcome.
3. The answer either gives the FeedSubmissionId, or it was lost (``unknown_outcome``): then
   ``feeds.reconciliation`` lists the seller's submissions of that type since the send and
   adopts the one the portal does not know yet. Only when none can exist (a listing made well
   after the send shows none) is the feed sent again.
4. ``poll_seller`` asks about every open submission of a seller in one GetFeedSubmissionList
   call per 100 ids; ``_DONE_`` fetches the processing report, which is stored as downloaded and
   read into a summary and per-message results.
"""

from __future__ import annotations

import io
import logging
import posixpath
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import IO, Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone
from django.utils.text import get_valid_filename

from feeds import builder, notices, reconciliation
from feeds.checks import FeedRefused, check_feed, region_charset, transcode_utf8_flat_file
from feeds.models import FeedMessageResult, FeedSubmission
from feeds.processing_report import UnreadableReport, parse_processing_report
from feeds.uploads import FilenameRefused, clean_filename, shorten_filename
from mwsportal import polling
from mwsportal.gateway.handlers import CallOutcome, paging_context
from mwsportal.gateway.models import MWSCall
from mwsportal.gateway.mws import (
    FEED_PROCESSING_STATUSES,
    FEED_TYPES,
    MAX_IDS,
    FeedChangedError,
    FeedSubmissionInfo,
    NotReadyError,
    content_md5,
)
from mwsportal.gateway.routing import MixedHosts, check_one_host
from mwsportal.gateway.services import (
    SellerNotCallable,
    cancel_call,
    request_call,
    request_follow_up,
)
from mwsportal.keyset import PK, Page, SortColumn, keyset_page, parse_sort
from mwsportal.storage import open_stored, store_file
from partners import webhooks
from sellers.models import Seller

logger = logging.getLogger(__name__)

State = FeedSubmission.State
# A failed download of a processing report is tried again on later polls, this many times.
MAX_FETCH_ATTEMPTS = 5


class FeedActionRefused(Exception):
    """The action does not apply to the feed in its current state; the message says why."""


def open_original(feed: FeedSubmission) -> IO[bytes]:
    """The feed file as the seller gave it (or the portal built it), to stream from storage."""
    return open_stored(
        feed.file,
        "The original file of this feed is missing from the portal's storage, so it cannot "
        "be downloaded. What Amazon received is not affected: its processing report still "
        "tells how every message went.",
    )


def open_processing_report(feed: FeedSubmission) -> IO[bytes]:
    """Amazon's processing report as downloaded, to stream from storage."""
    return open_stored(
        feed.report_file,
        "The processing report of this feed is missing from the portal's storage, so it "
        "cannot be downloaded. The results read from it are still shown with the feed.",
    )


# ---- storing ---------------------------------------------------------------------------------


def check_options(
    seller: Seller, feed_type: str, marketplace_ids: Sequence[str], purge_and_replace: bool
) -> None:
    """Refuse options MWS would refuse: unknown types and marketplaces, misplaced purges."""
    info = FEED_TYPES.get(feed_type)
    if info is None:
        raise FeedRefused(f"{feed_type} is not a feed type the portal knows")
    if purge_and_replace and not info.purge_and_replace:
        raise FeedRefused(f"PurgeAndReplace does not apply to the {info.name.lower()}")
    known = set(seller.marketplaces.values_list("marketplace_id", flat=True))
    unknown = [mid for mid in marketplace_ids if mid not in known]
    if unknown:
        raise FeedRefused(f"{', '.join(unknown)}: not a marketplace of this seller account")
    try:
        check_one_host(marketplace_ids)
    except MixedHosts as mixed:
        raise FeedRefused(str(mixed)) from None


def upload_feed(
    seller: Seller,
    *,
    source: IO[bytes],
    filename: str,
    feed_type: str,
    marketplace_ids: Sequence[str] = (),
    purge_and_replace: bool = False,
    convert_charset: bool = False,
    user: AbstractBaseUser | None = None,
) -> FeedSubmission:
    """Check an uploaded file, store it with its MD5 and queue it for SubmitFeed.

    ``convert_charset``: the seller's choice to have a UTF-8 flat file rewritten in the charset
    Amazon reads flat files in for the seller's region (ISO-8859-1 for North America and
    Europe); without it such a file is refused. The converted file is what is stored and sent.
    """
    try:
        filename = clean_filename(filename)
    except FilenameRefused as refusal:
        raise FeedRefused(str(refusal)) from None
    check_options(seller, feed_type, marketplace_ids, purge_and_replace)
    converted = None
    if convert_charset and FEED_TYPES[feed_type].format == "flat_file":
        converted = transcode_utf8_flat_file(source, region_charset(seller.region))
    try:
        stored = converted or source
        checked = check_feed(stored, feed_type, seller.region)
        feed = _store(
            seller,
            stored,
            record_count=checked.messages,
            filename=filename,
            feed_type=feed_type,
            marketplace_ids=marketplace_ids,
            purge_and_replace=purge_and_replace,
            user=user,
            origin=FeedSubmission.Source.UPLOAD,
        )
    finally:
        if converted is not None:
            converted.close()
    submit_feed(feed)
    return feed


def build_feed(
    seller: Seller,
    *,
    kind: builder.Kind,
    table: str,
    marketplace_ids: Sequence[str] = (),
    user: AbstractBaseUser | None = None,
) -> FeedSubmission:
    """Turn a table of SKUs into an inventory or price feed, stored as a draft to review.

    Raises ``builder.RowsRefused`` for a bad table.
    """
    feed_type = builder.FEED_TYPE_OF[kind]
    check_options(seller, feed_type, marketplace_ids, False)
    rows = builder.parse_rows(table, kind)
    document = builder.build_envelope(rows, kind, seller.seller_id)
    handle = io.BytesIO(document)
    # The builder's output passes the same checks as an upload, so a fault in it cannot reach MWS.
    checked = check_feed(handle, feed_type, seller.region)
    return _store(
        seller,
        handle,
        record_count=checked.messages,
        filename=f"{kind}-feed.xml",
        feed_type=feed_type,
        marketplace_ids=marketplace_ids,
        purge_and_replace=False,
        user=user,
        origin=FeedSubmission.Source.BUILDER,
        state=State.DRAFT,
    )


def _store(
    seller: Seller,
    source: IO[bytes],
    *,
    record_count: int,
    filename: str,
    feed_type: str,
    marketplace_ids: Sequence[str],
    purge_and_replace: bool,
    user: AbstractBaseUser | None,
    origin: str,
    state: str = State.DRAFT,
) -> FeedSubmission:
    """Write the file to storage and a row pointing at it; nothing is sent yet."""
    source.seek(0)
    md5 = content_md5(source)
    try:
        safe_name = get_valid_filename(filename)
    except SuspiciousFileOperation:
        # Nothing of the name is safe in a storage path ("???"); the row keeps it as given.
        safe_name = "feed"
    folder = f"feeds/{seller.pk}/{uuid.uuid4().hex}/"
    # The whole storage path must fit its column, not only the name the file system.
    room = FeedSubmission._meta.get_field("file").max_length - len(folder)
    safe_name = shorten_filename(safe_name, max_bytes=room)
    name = store_file(source, f"{folder}{safe_name}")
    size = default_storage.size(name)
    return FeedSubmission.objects.create(
        seller=seller,
        created_by=user if user is not None and user.is_authenticated else None,
        feed_type=feed_type,
        marketplace_ids=list(marketplace_ids),
        purge_and_replace=purge_and_replace,
        source=origin,
        file=name,
        filename=filename,
        content_md5=md5,
        size=size,
        record_count=record_count,
        state=state,
    )


FEED_PAGE_SIZE = 25


def list_feeds(
    seller: Seller,
    *,
    state: str | None = None,
    feed_type: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    search: str = "",
) -> QuerySet[FeedSubmission]:
    """The seller's feeds, filtered; the caller pages them by primary key. ``search`` matches
    the feed type's human name and category, or the uploaded file's name."""
    rows = FeedSubmission.objects.filter(seller=seller)
    if state:
        rows = rows.filter(state=state)
    if feed_type:
        rows = rows.filter(feed_type=feed_type)
    for word in search.lower().split():
        types = [
            value
            for value, info in FEED_TYPES.items()
            if word in f"{info.name} {info.category}".lower()
        ]
        rows = rows.filter(Q(feed_type__in=types) | Q(filename__icontains=word))
    if since:
        rows = rows.filter(created_at__gte=since)
    if until:
        rows = rows.filter(created_at__lte=until)
    return rows


RECENT_FEED_TYPES = 3


def list_recent_feed_types(
    seller: Seller, offered: Iterable[str], limit: int = RECENT_FEED_TYPES
) -> list[str]:
    """The ``offered`` feed types the seller sent most recently, newest first and each once,
    so the picker can offer them before the whole catalog."""
    latest = (
        FeedSubmission.objects.filter(seller=seller, feed_type__in=list(offered))
        .values("feed_type")
        .annotate(last=Max("created_at"))
        .order_by("-last", "feed_type")
    )
    return [row["feed_type"] for row in latest[:limit]]


# The columns the feed list sorts by, each with a (seller, column, id) index (a page is an
# index range scan, see mwsportal.keyset); the pk follows each in the same direction.
FEED_SORTS = {
    "created": SortColumn("created", PK, "Created"),
    "type": SortColumn("type", "feed_type", "Feed"),
    "file": SortColumn("file", "filename", "File"),
    "state": SortColumn("state", "state", "Status"),
    "errors": SortColumn("errors", "messages_with_error", "Errors", nullable=True),
}
FEED_DEFAULT_SORT = "-created"


def page_feeds(
    seller: Seller,
    *,
    sort: str = FEED_DEFAULT_SORT,
    before: str | None = None,
    after: str | None = None,
    size: int = FEED_PAGE_SIZE,
    **filters: Any,
) -> Page:
    """One page of ``list_feeds(seller, **filters)``, newest first unless ``sort`` names
    another ``FEED_SORTS`` column. Raises ``SortError`` for a bad sort or cursor."""
    order = parse_sort(sort, FEED_SORTS, FEED_DEFAULT_SORT)
    return keyset_page(list_feeds(seller, **filters), order, size, before=before, after=after)


# ---- sending exactly once ----------------------------------------------------------------------


def submit_feed(feed: FeedSubmission) -> None:
    """Queue a stored feed for SubmitFeed (it goes out once no earlier feed of its type is in
    flight)."""
    updated = FeedSubmission.objects.filter(pk=feed.pk, state=State.DRAFT).update(
        state=State.WAITING, state_message="", updated_at=timezone.now()
    )
    if not updated:
        feed.refresh_from_db()
        raise FeedActionRefused(f"This feed is already {feed.get_state_display().lower()}.")
    feed.refresh_from_db()
    seller_id, feed_type = feed.seller_id, feed.feed_type
    # The feed is stored and waiting. When it cannot be handed to the gateway right now (Redis
    # restarting), the next feeds sync sends it; failing here would tell the caller the upload
    # failed, and a retry would store and send the same feed twice.
    transaction.on_commit(lambda: send_next(seller_id, feed_type), robust=True)


def send_next(seller_id: int, feed_type: str) -> FeedSubmission | None:
    """Ask the gateway to send the oldest waiting feed of this seller and type, unless one of
    that type is already being sent or reconciled. Safe to call any number of times."""
    try:
        with transaction.atomic():
            if FeedSubmission.objects.filter(
                seller_id=seller_id, feed_type=feed_type, state__in=FeedSubmission.IN_FLIGHT_STATES
            ).exists():
                return None
            feed = (
                FeedSubmission.objects.select_for_update()
                .select_related("seller")
                .filter(seller_id=seller_id, feed_type=feed_type, state=State.WAITING)
                .order_by("created_at", "pk")
                .first()
            )
            if feed is None:
                return None
            _request_submit(feed)
            return feed
    except IntegrityError:
        # Another process sent a feed of this type at the same moment; it goes first.
        return None


def _request_submit(feed: FeedSubmission) -> None:
    # The MD5 taken at upload: a file changed in storage since then is not sent.
    params: dict[str, Any] = {"FeedType": feed.feed_type, "ContentMD5Value": feed.content_md5}
    if feed.marketplace_ids:
        params["MarketplaceIdList"] = list(feed.marketplace_ids)
    if feed.purge_and_replace:
        params["PurgeAndReplace"] = True
    feed.state = State.SENDING
    feed.state_message = ""
    feed.sent_at = timezone.now()
    feed.send_attempts += 1
    feed.save()
    try:
        feed.submit_call = request_call(
            feed.seller,
            "SubmitFeed",
            params,
            upload=feed.file,
            handler=on_submitted,
            context={"feed": feed.pk},
        )
        feed.save(update_fields=["submit_call"])
    except SellerNotCallable:
        # Nothing of this seller can be sent any more: the feeds queued behind this one fail too.
        message = "Not sent: the seller's authorization was removed."
        FeedSubmission.objects.filter(
            seller_id=feed.seller_id, feed_type=feed.feed_type, state=State.WAITING
        ).update(state=State.FAILED, state_message=message, updated_at=timezone.now())
        feed.state = State.FAILED
        feed.state_message = message
        feed.save()


def on_submitted(outcome: CallOutcome) -> None:
    feed = _locked(outcome.context["feed"])
    if feed is None or feed.state != State.SENDING:
        return
    if outcome.succeeded:
        _adopt(feed, outcome.result.feed_submission_info)
        follow_up_open_feeds(feed.seller, answering=outcome.call)
    elif outcome.state == MWSCall.State.UNKNOWN:
        _check_whether_received(feed, outcome.call.sent_at)
        return
    else:
        feed.state = State.FAILED
        if isinstance(outcome.error, FeedChangedError):
            feed.state_message = (
                "Not sent: the stored feed file no longer matches the MD5 taken when it was "
                "uploaded (it changed or was corrupted in storage), so nothing reached Amazon. "
                "Upload the feed again."
            )
        else:
            feed.state_message = _error_text(outcome, "Amazon did not accept the feed")
        feed.save()
        _notify_done(feed)
    send_next(feed.seller_id, feed.feed_type)


def _check_whether_received(feed: FeedSubmission, sent_at: datetime | None) -> None:
    feed.state = State.UNKNOWN
    # The window to search opens when the request really went out.
    feed.sent_at = sent_at or feed.sent_at
    feed.state_message = (
        "The connection was lost after the feed was sent, so it is not known whether Amazon "
        "received it. The portal checks Amazon's list of feeds instead of sending it again."
    )
    feed.save()
    reconcile_feed(feed)


def _recover_unrecorded_submit(feed: FeedSubmission) -> None:
    """A SubmitFeed that ended while its outcome could not be recorded (Redis or the database
    failed in that moment, so its handler was rolled back) leaves the feed sending with nothing
    pending. Amazon's list of feeds tells whether it arrived, as after a lost answer."""
    with transaction.atomic():
        feed = _locked(feed.pk)
        if feed is None or feed.state != State.SENDING:
            return
        submit = feed.submit_call
        if submit is not None and not submit.is_finished:
            return
        if submit is not None:
            _check_whether_received(feed, submit.sent_at)


def reconcile_feed(
    feed: FeedSubmission, *, not_before: datetime | None = None, paging_restarts: int = 0
) -> MWSCall | None:
    """Find out whether Amazon received a feed whose SubmitFeed answer was lost (see
    ``reconciliation``); None when the feed needs no reconciling or cannot be called for."""
    call = reconciliation.request_listing(
        feed, handler=on_reconciled, not_before=not_before, paging_restarts=paging_restarts
    )
    _link_reconcile_call(feed, call)
    return call


def _link_reconcile_call(feed: FeedSubmission, call: MWSCall | None) -> None:
    if call is not None:
        feed.reconcile_call = call
        FeedSubmission.objects.filter(pk=feed.pk).update(reconcile_call=call)


def on_reconciled(outcome: CallOutcome) -> None:
    """One page of the listing that decides a feed whose SubmitFeed answer was lost; what the
    page means is ``reconciliation.judge_listing``'s to say, carrying it out is here."""
    feed = _locked(outcome.context["feed"])
    if feed is None or feed.state != State.UNKNOWN:
        return
    feed.reconcile_attempts += 1
    if not outcome.succeeded:
        # The feed is never resent on a failed listing. A corrupted NextToken restarts the
        # listing from its first page at once; other failures wait for the next sync tick.
        restart = outcome.paging_restart()
        if restart is not None:
            feed.save()
            reconcile_feed(feed, paging_restarts=restart)
            return
        feed.state_message = _error_text(outcome, "Amazon's list of feeds could not be read")
        feed.save()
        return
    page = outcome.context.get("page", 1)
    # The listing is as of its first page; later pages continue that snapshot.
    listed_at = (
        datetime.fromisoformat(outcome.context["listed_at"])
        if "listed_at" in outcome.context
        else outcome.call.sent_at or timezone.now()
    )
    verdict = reconciliation.judge_listing(feed, outcome.result, page=page, listed_at=listed_at)
    Finding = reconciliation.Finding
    if verdict.finding is Finding.FOUND:
        _adopt(feed, verdict.found)
        send_next(feed.seller_id, feed.feed_type)
    elif verdict.finding is Finding.READ_ON:
        feed.save()
        next_page = reconciliation.read_next_page(
            feed,
            outcome.result.next_token,
            handler=on_reconciled,
            page=page + 1,
            listed_at=listed_at,
            paging_restarts=int(outcome.context.get("paging_restarts", 0)),
        )
        _link_reconcile_call(feed, next_page)
    elif verdict.finding is Finding.TOO_LONG:
        feed.state = State.FAILED
        feed.state_message = reconciliation.TOO_LONG_MESSAGE
        feed.save()
        _notify_done(feed)
        send_next(feed.seller_id, feed.feed_type)
    elif verdict.finding is Finding.TOO_SOON:
        feed.save()
        reconcile_feed(feed, not_before=verdict.ask_again_at)
    else:
        feed.state_message = "Amazon never received the feed; it was sent again."
        _request_submit(feed)


def _adopt(feed: FeedSubmission, info: FeedSubmissionInfo) -> None:
    feed.feed_submission_id = info.feed_submission_id
    feed.submitted_date = info.submitted_date
    feed.state = State.SUBMITTED
    feed.state_message = ""
    _apply_info(feed, info)


# ---- tracking ----------------------------------------------------------------------------------


def poll_seller(
    seller: Seller, *, spread_over: timedelta | None = None, paging_restarts: int = 0
) -> list[MWSCall]:
    """One GetFeedSubmissionList per 100 open submissions of ``seller``.

    ``spread_over`` gives the calls a per-seller offset within that window, so the periodic
    sync of many sellers does not send all their polls at the same moment.
    ``paging_restarts``: how many times in a row this poll restarts after a corrupted
    NextToken (see ``CallOutcome.paging_restart``)."""
    ids = list(
        FeedSubmission.objects.filter(seller=seller)
        .tracked()
        .order_by("pk")
        .values_list("feed_submission_id", flat=True)
    )
    return [
        request_call(
            seller,
            "GetFeedSubmissionList",
            {"FeedSubmissionIdList": batch, "MaxCount": MAX_IDS},
            handler=on_polled,
            context={"seller": seller.pk, **paging_context(paging_restarts)},
            dedupe_key=dedupe_key,
            spread_over=spread_over,
        )
        for dedupe_key, batch in polling.poll_batches("feeds", ids)
    ]


def on_polled(outcome: CallOutcome) -> None:
    seller_id = outcome.context["seller"]
    if not outcome.succeeded:
        restart = outcome.paging_restart()
        if restart is not None:
            poll_seller(outcome.call.seller, paging_restarts=restart)
        return  # otherwise the next tick polls again
    listing = outcome.result
    _apply_infos(seller_id, listing.feed_submission_info)
    seller = Seller.objects.get(pk=seller_id)
    if listing.has_next and listing.next_token:
        request_call(
            seller,
            "GetFeedSubmissionListByNextToken",
            {"NextToken": listing.next_token},
            handler=on_polled,
            context=outcome.context,
        )
    else:
        follow_up_open_feeds(seller, answering=outcome.call)


def typical_feed_duration(seller: Seller, feed_type: str) -> timedelta | None:
    """How long Amazon usually takes, from submission to processed, for this seller's feeds of
    this type (the median of the latest ones); None before the first has been processed."""
    finished = (
        FeedSubmission.objects.filter(
            seller=seller,
            feed_type=feed_type,
            submitted_date__isnull=False,
            completed_processing_date__isnull=False,
        )
        .order_by("-pk")
        .values_list("submitted_date", "completed_processing_date")[: polling.HISTORY_SIZE]
    )
    return polling.typical_duration(done - submitted for submitted, done in finished)


def feed_timing(feed: FeedSubmission) -> tuple[timedelta | None, timedelta | None]:
    """How long Amazon usually takes for the seller's feeds of this type, and how much of
    that is left for this one (None when unknown, not yet sent or overdue)."""
    if not feed.is_open:
        return None, None
    typical = typical_feed_duration(feed.seller, feed.feed_type)
    if typical is None or feed.submitted_date is None:
        return typical, None
    left = feed.submitted_date + typical - timezone.now()
    return typical, (left if left > timedelta(0) else None)


def follow_up_open_feeds(seller: Seller, *, answering: MWSCall | None = None) -> MWSCall | None:
    """Queue the next early check of the seller's submitted feeds: when the first of them is
    due (see ``mwsportal.polling``), one GetFeedSubmissionList for up to 100 ids, the soonest
    due first. None when every one has backed off to the periodic sync.
    ``answering``: the call whose handler asks (see ``gateway.request_call``)."""
    submitted = (
        FeedSubmission.objects.filter(seller=seller)
        .tracked()
        .values_list("feed_submission_id", "feed_type", "submitted_date", "created_at")
    )
    due = polling.due_checks(
        ((i, feed_type, sent or created) for i, feed_type, sent, created in submitted),
        lambda feed_type: typical_feed_duration(seller, feed_type),
        timezone.now(),
        beat=timedelta(seconds=settings.FEED_SYNC_SECONDS),
    )
    if not due:
        return None
    return request_follow_up(
        seller,
        "GetFeedSubmissionList",
        {"FeedSubmissionIdList": [i for _, i in due[:MAX_IDS]], "MaxCount": MAX_IDS},
        handler=on_polled,
        context={"seller": seller.pk, **paging_context(0)},
        not_before=due[0][0],
        key="feeds.follow-up",
        answering=answering,
    )


def _apply_infos(seller_id: int, infos: Iterable[FeedSubmissionInfo]) -> None:
    by_id = {i.feed_submission_id: i for i in infos}
    feeds = FeedSubmission.objects.select_for_update().filter(
        seller_id=seller_id, feed_submission_id__in=list(by_id)
    )
    for feed in feeds:
        _apply_info(feed, by_id[feed.feed_submission_id])


def _apply_info(feed: FeedSubmission, info: FeedSubmissionInfo) -> None:
    feed.processing_status = info.feed_processing_status
    feed.started_processing_date = info.started_processing_date or feed.started_processing_date
    feed.completed_processing_date = (
        info.completed_processing_date or feed.completed_processing_date
    )
    feed.last_polled_at = timezone.now()
    if feed.state == State.SUBMITTED and info.feed_processing_status == "_DONE_":
        feed.state = State.FETCHING
        feed.save()
        fetch_result(feed)
        return
    if feed.state == State.SUBMITTED and info.feed_processing_status == "_CANCELLED_":
        feed.state = State.CANCELLED
        feed.state_message = FEED_PROCESSING_STATUSES["_CANCELLED_"].description
        feed.save()
        _notify_done(feed)
        return
    feed.save()


def fetch_result(feed: FeedSubmission) -> MWSCall | None:
    """Ask for the processing report of a feed MWS finished."""
    if feed.state != State.FETCHING:
        return None
    try:
        return request_call(
            feed.seller,
            "GetFeedSubmissionResult",
            {"FeedSubmissionId": feed.feed_submission_id},
            handler=on_result,
            context={"feed": feed.pk},
            dedupe_key=f"feeds.result.{feed.pk}",
        )
    except SellerNotCallable:
        return None


def on_result(outcome: CallOutcome) -> None:
    feed = _locked(outcome.context["feed"])
    if feed is None or feed.state != State.FETCHING:
        return
    if outcome.succeeded and outcome.download is not None:
        _keep_report(feed, outcome)
        return
    error = outcome.error
    if error is not None and error.code == "FeedCanceled":
        feed.state = State.CANCELLED
        feed.state_message = "Amazon cancelled the feed; it has no processing report."
        feed.save()
        return
    feed.fetch_attempts += 1
    if feed.fetch_attempts >= MAX_FETCH_ATTEMPTS and not isinstance(error, NotReadyError):
        feed.state = State.FAILED
    feed.state_message = _error_text(outcome, "The processing report could not be downloaded")
    feed.save()
    if feed.state == State.FAILED:
        _notify_done(feed)


def _notify_done(feed: FeedSubmission) -> None:
    webhooks.emit(
        feed.seller,
        webhooks.Event.FEED_DONE,
        {
            "feed": feed.pk,
            "feed_type": feed.feed_type,
            "state": feed.state,
            "feed_submission_id": feed.feed_submission_id,
            "messages_processed": feed.messages_processed,
            "messages_with_error": feed.messages_with_error,
            "messages_with_warning": feed.messages_with_warning,
        },
    )
    notices.notify_feed_finished(feed)


def _keep_report(feed: FeedSubmission, outcome: CallOutcome) -> None:
    download = outcome.download
    extension = "xml" if feed.is_xml else "txt"
    charset = download.charset or (None if feed.is_xml else region_charset(feed.seller.region))
    with download.path.open("rb") as handle:
        try:
            report = parse_processing_report(handle, charset)
        except (UnreadableReport, UnicodeError, LookupError) as exc:
            # The raw report stays downloadable; only the table is missing.
            report = None
            feed.state_message = f"The processing report could not be read: {exc}"
    name = store_file(
        download.path,
        posixpath.join(posixpath.dirname(feed.file), f"processing-report.{extension}"),
    )
    feed.report_file = name
    feed.report_md5 = download.md5
    feed.report_content_type = _content_type(download.content_type, download.charset)
    feed.state = State.COMPLETE
    FeedMessageResult.objects.filter(submission=feed).delete()
    if report is not None:
        feed.report_status_code = report.status_code
        feed.messages_processed = report.processed
        feed.messages_successful = report.successful
        feed.messages_with_error = report.with_error
        feed.messages_with_warning = report.with_warning
        FeedMessageResult.objects.bulk_create(
            FeedMessageResult(
                submission=feed,
                message_id=r.message_id,
                sku=r.sku[:100],
                order_id=r.order_id[:64],
                code=r.code[:32],
                result_type=r.result_type[:32],
                severity=FeedMessageResult.Severity.ERROR
                if r.is_error
                else FeedMessageResult.Severity.WARNING,
                description=r.description,
            )
            for r in report.results
        )
    feed.save()
    _notify_done(feed)


# ---- cancelling ----------------------------------------------------------------------------


def cancel_params(submission_ids: Sequence[str]) -> dict[str, Any]:
    """CancelFeedSubmissions parameters naming exactly these feeds.

    Without ids MWS cancels every feed of the seller that matches the other filters, so an
    empty list is refused here rather than ever sent.
    """
    ids = [i for i in submission_ids if i]
    if not ids or len(ids) != len(submission_ids):
        raise ValueError("CancelFeedSubmissions needs explicit FeedSubmissionIds")
    return {"FeedSubmissionIdList": list(ids)}


def cancel_feed(feed: FeedSubmission) -> None:
    """Cancel a feed that was not sent yet, or ask MWS to cancel one it has not started on."""
    with transaction.atomic():
        feed = FeedSubmission.objects.select_for_update().select_related("seller").get(pk=feed.pk)
        if feed.state in (State.DRAFT, State.WAITING) or (
            feed.state == State.SENDING and _withdraw_submit(feed)
        ):
            feed.state = State.CANCELLED
            feed.state_message = "Cancelled before it was sent to Amazon."
            feed.save()
            seller_id, feed_type = feed.seller_id, feed.feed_type
            transaction.on_commit(lambda: send_next(seller_id, feed_type))
            return
        if feed.state in (State.SENDING, State.UNKNOWN):
            raise FeedActionRefused(
                "The feed is on its way to Amazon. It can be cancelled as soon as Amazon confirms "
                "it, until processing starts."
            )
        if not feed.can_cancel:
            raise FeedActionRefused(
                "Amazon has started processing this feed or is done with it, so it can no "
                "longer be cancelled."
            )
        try:
            request_call(
                feed.seller,
                "CancelFeedSubmissions",
                cancel_params([feed.feed_submission_id]),
                handler=on_cancelled,
                context={"feed": feed.pk},
                dedupe_key=f"feeds.cancel.{feed.pk}",
            )
        except SellerNotCallable:
            raise FeedActionRefused("The seller's authorization was removed.") from None
        feed.state_message = "Cancellation requested."
        feed.save()


def _withdraw_submit(feed: FeedSubmission) -> bool:
    """Take back a SubmitFeed still waiting in the gateway's queue; False once it went out."""
    call = feed.submit_call
    return call is not None and cancel_call(call)


def on_cancelled(outcome: CallOutcome) -> None:
    feed = _locked(outcome.context["feed"])
    if feed is None:
        return
    if not outcome.succeeded:
        feed.state_message = _error_text(outcome, "Amazon did not cancel the feed")
        feed.save()
        return
    _apply_infos(feed.seller_id, outcome.result.feed_submission_info)


def discard_draft(feed: FeedSubmission) -> None:
    """Delete a draft that was never submitted, with its stored file."""
    if feed.state != State.DRAFT:
        raise FeedActionRefused("Only a draft that was never submitted can be discarded.")
    name = feed.file
    feed.delete()
    transaction.on_commit(lambda: default_storage.delete(name))


# ---- periodic sync ---------------------------------------------------------------------------


def sync_seller(seller: Seller, *, spread_over: timedelta | None = None) -> None:
    """Everything a tick does for one seller: send waiting feeds, reconcile unknown ones,
    fetch finished reports, poll open submissions. Each request is deduplicated while pending,
    so a tick that runs twice asks for nothing twice. ``spread_over`` spreads the poll (the
    one call every tick makes for every seller) over the window; the rest are rare and go
    out at once."""
    if not seller.is_callable:
        return
    feeds = FeedSubmission.objects.filter(seller=seller)
    for feed_type in set(feeds.filter(state=State.WAITING).values_list("feed_type", flat=True)):
        send_next(seller.pk, feed_type)
    for feed in feeds.filter(state=State.SENDING):
        _recover_unrecorded_submit(feed)
    # A reconciliation reading its later pages is not started again from the first.
    for feed in (
        feeds.filter(state=State.UNKNOWN)
        .exclude(reconcile_call__state__in=MWSCall.PENDING_STATES)
        .select_related("seller")
    ):
        reconcile_feed(feed)
    for feed in feeds.filter(state=State.FETCHING).select_related("seller"):
        fetch_result(feed)
    poll_seller(seller, spread_over=spread_over)


def sync_all() -> int:
    """``sync_seller`` for every seller with open feeds; one seller's failure (a database
    hiccup) does not stop the others. Returns how many sellers were synced.

    The polls are spread over the sync period, one slot per seller."""
    window = timedelta(seconds=settings.FEED_SYNC_SECONDS)
    synced = 0
    for seller in Seller.objects.filter(pk__in=sellers_to_sync()):
        try:
            sync_seller(seller, spread_over=window)
        except Exception:
            logger.exception("feeds sync failed for seller %s", seller.pk)
        else:
            synced += 1
    return synced


def sellers_to_sync() -> list[int]:
    return list(
        Seller.objects.active()
        .filter(feed_submissions__state__in=FeedSubmission.OPEN_STATES)
        .values_list("pk", flat=True)
        .distinct()
    )


# ---- helpers -------------------------------------------------------------------------------


def _locked(pk: int) -> FeedSubmission | None:
    return FeedSubmission.objects.select_for_update().select_related("seller").filter(pk=pk).first()


def _error_text(outcome: CallOutcome, lead: str) -> str:
    error = outcome.error
    if error is None:
        return f"{lead}: {outcome.call.error_message or outcome.state}."
    detail = f"{error.code}: {error.message}" if error.code else error.message
    return f"{lead}: {detail}"


def _content_type(media: str | None, charset: str | None) -> str:
    media = media or "application/octet-stream"
    return f"{media}; charset={charset}" if charset else media
