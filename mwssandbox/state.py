"""Everything the sandbox remembers: report requests, reports, schedules and feed submissions.

State is in memory (authorizations may also be kept in a state file, see ``accounts``). Time
moves lazily: each seller's book holds a queue of due events (a request starts processing, a
report is ready, a schedule fires, a feed is processed) and replays, in time order, every event
that is due whenever the book is opened. So an injected clock drives the whole life cycle without
background threads, and a report requested after a feed finished sees the catalogue the feed
changed.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import heapq
import itertools
import logging
import random
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from mwssandbox.accounts import Accounts
from mwssandbox.catalogue import Catalogue
from mwssandbox.clock import Clock, utc
from mwssandbox.config import SandboxConfig, Seller
from mwssandbox.enums import FEED_SUMMARY_REPORT_TYPE, SCHEDULES
from mwssandbox.feedproc import FeedOutcome, process_feed
from mwssandbox.paging import NextTokens
from mwssandbox.reportgen import SETTLEMENT_REPORT_TYPES, GeneratedReport, build_report
from mwssandbox.throttle import Throttler

log = logging.getLogger("mwssandbox")

DAY = 86400.0
# Amazon requested a settlement's report shortly after its period closed (issue 14's recorded
# traffic); the request is listed as not scheduled.
SETTLEMENT_LAG = 2 * 3600.0


class Downloadable(Protocol):
    """A body GetReport or GetFeedSubmissionResult can stream."""

    @property
    def content_type(self) -> str: ...

    def chunks(self) -> Iterator[bytes]: ...

    def digest(self) -> tuple[int, str]: ...


@dataclass(frozen=True)
class StoredDocument:
    """A small body kept whole: feed processing reports."""

    body: bytes
    content_type: str

    def chunks(self) -> Iterator[bytes]:
        yield self.body

    def digest(self) -> tuple[int, str]:
        return len(self.body), base64.b64encode(hashlib.md5(self.body).digest()).decode()  # noqa: S324


class LazyReport:
    """A generated report that is built on first use.

    Settlements are issued for every period and marketplace, most of them never downloaded;
    building each one's record templates up front would slow every sandbox start.
    """

    def __init__(self, build: Callable[[], GeneratedReport]) -> None:
        self._build = build
        self._report: GeneratedReport | None = None
        self._lock = threading.Lock()

    def _built(self) -> GeneratedReport:
        with self._lock:
            if self._report is None:
                self._report = self._build()
            return self._report

    @property
    def content_type(self) -> str:
        return self._built().content_type

    def chunks(self) -> Iterator[bytes]:
        return self._built().chunks()

    def digest(self) -> tuple[int, str]:
        return self._built().digest()


@dataclass
class ReportRequest:
    request_id: str
    report_type: str
    marketplace_id: str
    start: float
    end: float
    submitted: float
    scheduled: bool
    options: str | None = None
    status: str = "_SUBMITTED_"
    started: float | None = None
    completed: float | None = None
    report_id: str | None = None


@dataclass
class Report:
    report_id: str
    report_type: str
    request_id: str | None
    available: float
    content: Downloadable
    acknowledged: bool = False
    acknowledged_date: float | None = None


@dataclass
class Schedule:
    report_type: str
    schedule: str
    next_run: float
    marketplace_id: str
    generation: int


@dataclass
class FeedSubmission:
    submission_id: str
    feed_type: str
    submitted: float
    marketplaces: tuple[str, ...]
    purge_and_replace: bool
    content_type: str
    size: int
    content_md5: str
    body_path: Path | None
    status: str = "_SUBMITTED_"
    started: float | None = None
    completed: float | None = None
    outcome: FeedOutcome | None = None
    result: StoredDocument | None = None


class Ids:
    """Numeric ids shaped like real ones, increasing and reproducible for a seed."""

    def __init__(self, seed: int) -> None:
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        # Report request and feed submission ids came from one 11-digit sequence
        # (51781018424, 51793018437); report ids are 17 digits (21175694446018424).
        self._request = 50_000_000_000 + self._random.randrange(1_000_000_000)
        self._report = 21_000_000_000_000_000 + self._random.randrange(10**14)

    def request_id(self) -> str:
        with self._lock:
            self._request += self._random.randrange(1, 50) * 1000 + 18
            return str(self._request)

    def report_id(self) -> str:
        with self._lock:
            self._report += self._random.randrange(1, 50) * 1_000_000 + 18_424
            return str(self._report)


class CallLog:
    """The sandbox's own count of calls by seller, operation and outcome."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[tuple[str, str, int, str]] = Counter()

    def record(self, seller_id: str | None, action: str | None, status: int, code: str) -> None:
        with self._lock:
            self._counts[(seller_id or "", action or "", status, code)] += 1

    def rows(self) -> list[dict[str, Any]]:
        with self._lock:
            return [
                {"seller_id": s, "action": a, "status": st, "code": c, "count": n}
                for (s, a, st, c), n in sorted(self._counts.items())
            ]

    def clear(self) -> None:
        with self._lock:
            self._counts.clear()


class SellerBook:
    """One seller's reports and feeds, with the queue of events still to happen."""

    def __init__(self, state: SandboxState, seller: Seller) -> None:
        self.state = state
        self.seller = seller
        self.lock = threading.RLock()
        self.report_requests: dict[str, ReportRequest] = {}
        self.reports: dict[str, Report] = {}
        self.schedules: dict[str, Schedule] = {}
        self.feeds: dict[str, FeedSubmission] = {}
        self._catalogues: dict[str, Catalogue] = {}
        self._events: list[tuple[float, int, str, str, int]] = []
        self._sequence = itertools.count()
        self._schedule_generation = itertools.count(1)
        # Feeds of one type are processed one after another (Feeds_Processing).
        self._feed_busy_until: dict[str, float] = {}
        self._next_settlement_end = 0.0

    @contextmanager
    def opened(self) -> Iterator[float]:
        """Hold the book, with every event up to now applied; yields now."""
        with self.lock:
            now = self.state.clock.time()
            self._advance(now)
            yield now

    def catalogue(self, marketplace_id: str) -> Catalogue:
        with self.lock:
            catalogue = self._catalogues.get(marketplace_id)
            if catalogue is None:
                catalogue = Catalogue.generate(
                    self.seller.seller_id,
                    marketplace_id,
                    seed=self.state.seed,
                    size=self.seller.catalogue_size,
                )
                self._catalogues[marketplace_id] = catalogue
            return catalogue

    # --- Reports ----------------------------------------------------------------------------

    def request_report(
        self,
        report_type: str,
        marketplace_id: str,
        start: float,
        end: float,
        now: float,
        *,
        options: str | None = None,
        scheduled: bool = False,
    ) -> ReportRequest:
        request = ReportRequest(
            request_id=self.state.ids.request_id(),
            report_type=report_type,
            marketplace_id=marketplace_id,
            start=start,
            end=end,
            submitted=now,
            scheduled=scheduled,
            options=options,
        )
        self.report_requests[request.request_id] = request
        self.state.own(request.request_id, self.seller.seller_id)
        delays = self.state.config.delays
        begin = now + self.state.scaled(delays.report_submitted)
        self._push(begin, "report_start", request.request_id)
        self._push(
            begin + self.state.scaled(delays.report_in_progress), "report_done", request.request_id
        )
        return request

    def cancel_report_request(self, request: ReportRequest) -> None:
        """Only requests that have not started can be cancelled (Reports_CancelReportRequests)."""
        if request.status == "_SUBMITTED_":
            request.status = "_CANCELLED_"

    def set_schedule(self, report_type: str, schedule: str, first_run: float) -> Schedule:
        entry = Schedule(
            report_type=report_type,
            schedule=schedule,
            next_run=first_run,
            marketplace_id=self.seller.home_marketplace,
            generation=next(self._schedule_generation),
        )
        self.schedules[report_type] = entry
        self._push(first_run, "schedule", report_type, entry.generation)
        return entry

    def delete_schedule(self, report_type: str) -> Schedule | None:
        return self.schedules.pop(report_type, None)

    def add_system_report(
        self, report_type: str, content: Downloadable, now: float, request_id: str | None = None
    ) -> Report:
        report = Report(self.state.ids.report_id(), report_type, request_id, now, content)
        self.reports[report.report_id] = report
        self.state.own(report.report_id, self.seller.seller_id)
        return report

    def start_settlement_cycle(self, now: float) -> None:
        """Issue the settlements of the last periods and queue the next one.

        Periods are back-to-back and aligned on the epoch, so a period's settlement (its id
        and content) does not depend on when the sandbox started.
        """
        reports = self.state.config.reports
        if reports.settlement_interval_days is None:
            return
        span = reports.settlement_interval_days * DAY
        last_end = (now - SETTLEMENT_LAG) // span * span
        for back in range(reports.settlement_history - 1, -1, -1):
            end = last_end - back * span
            self._issue_settlements(end - span, end, end + SETTLEMENT_LAG)
        self._next_settlement_end = last_end + span
        # Time scaling shortens the wait for the next period; each period keeps its real span.
        wait = self._next_settlement_end + SETTLEMENT_LAG - now
        self._push(now + self.state.scaled(wait), "settlement", "")

    # --- Feeds ------------------------------------------------------------------------------

    def submit_feed(
        self,
        feed_type: str,
        marketplaces: tuple[str, ...],
        purge_and_replace: bool,
        content_type: str,
        body_path: Path,
        size: int,
        content_md5: str,
        now: float,
    ) -> FeedSubmission:
        feed = FeedSubmission(
            submission_id=self.state.ids.request_id(),
            feed_type=feed_type,
            submitted=now,
            marketplaces=marketplaces,
            purge_and_replace=purge_and_replace,
            content_type=content_type,
            size=size,
            content_md5=content_md5,
            body_path=body_path,
        )
        self.feeds[feed.submission_id] = feed
        self.state.own(feed.submission_id, self.seller.seller_id)
        delays = self.state.config.delays
        begin = max(
            now + self.state.scaled(delays.feed_submitted), self._feed_busy_until.get(feed_type, 0)
        )
        done = begin + self.state.scaled(delays.feed_in_progress)
        self._feed_busy_until[feed_type] = done
        self._push(begin, "feed_start", feed.submission_id)
        self._push(done, "feed_done", feed.submission_id)
        return feed

    def cancel_feed(self, feed: FeedSubmission) -> None:
        if feed.status == "_SUBMITTED_":
            feed.status = "_CANCELLED_"
            self._discard_body(feed)

    # --- Events -----------------------------------------------------------------------------

    def _push(self, when: float, kind: str, key: str, generation: int = 0) -> None:
        heapq.heappush(self._events, (when, next(self._sequence), kind, key, generation))

    def _advance(self, now: float) -> None:
        while self._events and self._events[0][0] <= now:
            when, _, kind, key, generation = heapq.heappop(self._events)
            getattr(self, f"_on_{kind}")(when, key, generation)

    def _on_report_start(self, when: float, request_id: str, _generation: int) -> None:
        request = self.report_requests[request_id]
        if request.status == "_SUBMITTED_":
            request.status = "_IN_PROGRESS_"
            request.started = when

    def _on_report_done(self, when: float, request_id: str, _generation: int) -> None:
        request = self.report_requests[request_id]
        if request.status != "_IN_PROGRESS_":
            return
        request.completed = when
        content = self._generate(
            request.report_type,
            request.marketplace_id,
            start=request.start,
            end=request.end,
        )
        if content.is_empty:
            request.status = "_DONE_NO_DATA_"
            return
        report = self.add_system_report(request.report_type, content, when, request.request_id)
        request.status = "_DONE_"
        request.report_id = report.report_id

    def _on_schedule(self, when: float, report_type: str, generation: int) -> None:
        entry = self.schedules.get(report_type)
        if entry is None or entry.generation != generation:
            return  # deleted or replaced since this run was queued
        # Time scaling speeds the cadence up; each report still covers the schedule's real span.
        span = SCHEDULES[entry.schedule] or 0
        interval = self.state.scaled(span)
        # A clock moved far ahead would otherwise replay runs that fell out of the retention
        # window anyway.
        horizon = self.state.clock.time() - self.state.config.reports.retention_days * DAY
        run = when
        if run < horizon:
            run += ((horizon - run) // interval + 1) * interval
        self.request_report(report_type, entry.marketplace_id, run - span, run, run, scheduled=True)
        entry.next_run = run + interval
        self._push(entry.next_run, "schedule", report_type, generation)

    def _on_settlement(self, when: float, _key: str, _generation: int) -> None:
        span = (self.state.config.reports.settlement_interval_days or 0) * DAY
        end = self._next_settlement_end
        self._issue_settlements(end - span, end, when)
        self._next_settlement_end = end + span
        self._push(when + self.state.scaled(span), "settlement", "")

    def _issue_settlements(self, start: float, end: float, submitted: float) -> None:
        """One period's settlement in each of its formats, for every marketplace, each with the
        request Amazon made for it (listed by GetReportRequestList, never scheduled)."""
        for marketplace_id in self.seller.marketplaces:
            for report_type in SETTLEMENT_REPORT_TYPES:
                request = ReportRequest(
                    request_id=self.state.ids.request_id(),
                    report_type=report_type,
                    marketplace_id=marketplace_id,
                    start=start,
                    end=end,
                    submitted=submitted,
                    scheduled=False,
                    status="_DONE_",
                    started=submitted,
                    completed=submitted,
                )
                build = functools.partial(
                    self._generate, report_type, marketplace_id, start=start, end=end
                )
                report = self.add_system_report(
                    report_type, LazyReport(build), submitted, request.request_id
                )
                request.report_id = report.report_id
                self.report_requests[request.request_id] = request
                self.state.own(request.request_id, self.seller.seller_id)

    def _on_feed_start(self, when: float, submission_id: str, _generation: int) -> None:
        feed = self.feeds[submission_id]
        if feed.status == "_SUBMITTED_":
            feed.status = "_IN_PROGRESS_"
            feed.started = when

    def _on_feed_done(self, when: float, submission_id: str, _generation: int) -> None:
        feed = self.feeds[submission_id]
        if feed.status != "_IN_PROGRESS_" or feed.body_path is None:
            return
        try:
            outcome = process_feed(
                feed.feed_type,
                feed.body_path,
                content_type=feed.content_type,
                catalogues={mp: self.catalogue(mp) for mp in feed.marketplaces},
                purge_and_replace=feed.purge_and_replace,
                submission_id=feed.submission_id,
                now=utc(when),
            )
        except Exception:
            # "_CANCELLED_: aborted due to fatal error" is how MWS reported a feed it could not
            # process at all; the traceback goes to the sandbox log.
            log.exception("feed %s could not be processed", feed.submission_id)
            feed.status = "_CANCELLED_"
            self._discard_body(feed)
            return
        feed.outcome = outcome
        feed.result = StoredDocument(outcome.document, outcome.content_type)
        feed.status = "_DONE_"
        feed.completed = when
        self._discard_body(feed)
        if not outcome.content_type.startswith("text/xml"):
            # Flat-file feeds also leave a FeedSummaryReport in GetReportList (seen in PED).
            self.add_system_report(FEED_SUMMARY_REPORT_TYPE, feed.result, when)

    def _generate(
        self, report_type: str, marketplace_id: str, *, start: float, end: float
    ) -> GeneratedReport:
        sizes = self.state.config.reports
        return build_report(
            report_type,
            catalogue=self.catalogue(marketplace_id),
            marketplace_id=marketplace_id,
            # One seed per seller: every report of the seller lists the same orders, so that
            # settlements, orders and listings reports agree with one another.
            seed=self.state.derived_seed(self.seller.seller_id),
            target_bytes=sizes.sizes.get(report_type, sizes.default_size_bytes),
            start_date=utc(start),
            end_date=utc(end),
        )

    @staticmethod
    def _discard_body(feed: FeedSubmission) -> None:
        if feed.body_path is not None:
            feed.body_path.unlink(missing_ok=True)
            feed.body_path = None


class SandboxState:
    """The whole sandbox's memory, shared by all request threads."""

    def __init__(
        self,
        config: SandboxConfig,
        *,
        clock: Clock,
        workdir: Path,
        time_scale: float = 1.0,
        seed: int = 0,
    ) -> None:
        if time_scale <= 0:
            raise ValueError("time_scale must be positive")
        self.config = config
        self.clock = clock
        self.workdir = workdir
        self.time_scale = time_scale
        self.seed = seed
        self.accounts = Accounts(config, state_file=config.state_file)
        self.throttler = Throttler(clock, time_scale=time_scale, enabled=config.throttling.enabled)
        self.tokens = NextTokens(clock, ttl_seconds=config.paging.next_token_ttl_seconds)
        self.ids = Ids(seed)
        self.calls = CallLog()
        self._owners: dict[str, str] = {}
        self._owners_lock = threading.Lock()
        self.books = {seller.seller_id: SellerBook(self, seller) for seller in config.sellers}
        now = clock.time()
        for book in self.books.values():
            book.start_settlement_cycle(now)

    def scaled(self, seconds: float) -> float:
        return seconds / self.time_scale

    def derived_seed(self, *parts: str) -> int:
        text = "\x1f".join((str(self.seed), *parts)).encode()
        return int.from_bytes(hashlib.sha256(text).digest()[:8], "big")

    def own(self, object_id: str, seller_id: str) -> None:
        with self._owners_lock:
            self._owners[object_id] = seller_id

    def owner(self, object_id: str) -> str | None:
        with self._owners_lock:
            return self._owners.get(object_id)

    def feed_records(self) -> list[dict[str, Any]]:
        """The sandbox's own account of every feed it received, for tests and benchmarks."""
        rows = []
        for seller_id, book in sorted(self.books.items()):
            with book.opened():
                for feed in book.feeds.values():
                    outcome = feed.outcome
                    rows.append(
                        {
                            "seller_id": seller_id,
                            "feed_submission_id": feed.submission_id,
                            "feed_type": feed.feed_type,
                            "submitted_date": _iso(feed.submitted),
                            "status": feed.status,
                            "marketplaces": list(feed.marketplaces),
                            "purge_and_replace": feed.purge_and_replace,
                            "content_type": feed.content_type,
                            "size": feed.size,
                            "content_md5": feed.content_md5,
                            "messages_processed": outcome.messages_processed if outcome else None,
                            "messages_successful": (
                                outcome.messages_successful if outcome else None
                            ),
                            "messages_with_error": (
                                outcome.messages_with_error if outcome else None
                            ),
                            "messages_with_warning": (
                                outcome.messages_with_warning if outcome else None
                            ),
                        }
                    )
        rows.sort(key=lambda row: (row["submitted_date"], row["feed_submission_id"]))
        return rows


def _iso(timestamp: float) -> str:
    return utc(timestamp).isoformat()
