"""The dispatcher, the queue worker and what each kind of answer does, on an injected clock.

MWS is replaced by ``FakeMWS``, which answers from a script; the bucket is the database
backend on the test's clock, so minutes of MWS behaviour pass in milliseconds.
"""

from __future__ import annotations

import itertools
import time
from collections import deque
from datetime import UTC, datetime, timedelta

import pytest
from django.test import override_settings

from mwsclient import errors
from mwsclient.checksums import content_md5
from mwsclient.client import AttemptRecord, Response
from mwsclient.results import CountResult, QuotaInfo, ResponseMetadata, SubmitFeedResult
from mwsportal.gateway import dispatch, services
from mwsportal.gateway.bucket_arithmetic import DELIVERY_ALLOWANCE_SECONDS
from mwsportal.gateway.buckets import DatabaseBuckets, set_bucket_backend
from mwsportal.gateway.dispatch import Attempted
from mwsportal.gateway.handlers import CallOutcome
from mwsportal.gateway.models import CallQueue, MWSCall, RequestLogEntry
from mwssandbox.throttle import THROTTLE_TABLE, Throttler, throttle_group
from sellers.models import Seller
from tests.factories import SellerFactory
from tests.gateway_runner import InlineExecutor

OUTCOMES: list[CallOutcome] = []


def collect(outcome: CallOutcome) -> None:
    OUTCOMES.append(outcome)


def explode(outcome: CallOutcome) -> None:
    raise RuntimeError("the handler broke")


class FakeMWS:
    """Answers calls from a script (an exception to raise, or None for success) and records
    what was sent when."""

    def __init__(self, clock) -> None:
        self.clock = clock
        self.script: deque[errors.MWSError | BaseException | None] = deque()
        self.sent: list[tuple[int, str, str, float]] = []
        self.quota: QuotaInfo | None = None

    def __call__(self, call: MWSCall, seller: Seller) -> Attempted:
        self.sent.append((call.pk, seller.seller_id, call.operation, self.clock.now))
        outcome = self.script.popleft() if self.script else None
        number = len(self.sent)
        record = AttemptRecord(
            operation=call.operation,
            seller_id=seller.seller_id,
            attempt=1,
            host="mws.amazonservices.com",
            request_timestamp="2023-11-14T22:13:20.000Z",
            duration_s=0.02,
            http_status=getattr(outcome, "http_status", None) or 200,
            request_id=f"request-{number}",
            error_code=getattr(outcome, "code", None),
            error_family=type(outcome).__name__ if outcome else None,
            bytes_sent=321,
            bytes_received=654,
            quota=self.quota,
        )
        if outcome is not None:
            return Attempted([record], error=outcome)
        result = (
            SubmitFeedResult(feed_submission_info=None)  # type: ignore[call-arg]
            if call.operation == "SubmitFeed"
            else CountResult(count=number)
        )
        metadata = ResponseMetadata(200, f"request-{number}", None, "2023-11-14T22:13:20Z", None)
        return Attempted([record], result=Response(call.operation, result, metadata))


@pytest.fixture
def backend(clock, db):
    buckets = DatabaseBuckets(clock=clock)
    buckets.set_epoch(clock.now - 36000)  # nothing unknown: every bucket starts full
    set_bucket_backend(buckets)
    yield buckets
    set_bucket_backend(None)


@pytest.fixture
def mws(clock) -> FakeMWS:
    OUTCOMES.clear()
    return FakeMWS(clock)


@pytest.fixture
def seller(db) -> Seller:
    return SellerFactory(seller_id="A1TESTSELLER01")


def tick(mws: FakeMWS) -> int:
    """One dispatcher tick with the queues it hands out worked right away; returns how many
    calls went out."""
    executor = InlineExecutor(mws)
    dispatch.dispatch_due_queues(executor=executor)
    return executor.run()


def run_for(mws: FakeMWS, clock, seconds: float, step: float = 1.0) -> None:
    """Tick once per ``step`` of fake time for ``seconds``."""
    end = clock.now + seconds
    while clock.now <= end:
        tick(mws)
        clock.advance(step)


def count_call(seller: Seller, **kwargs) -> MWSCall:
    return services.request_call(
        seller, "GetReportCount", {"Acknowledged": False}, handler=collect, **kwargs
    )


def at(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, tz=UTC)


# ---- asking for calls -------------------------------------------------------------------


def test_a_call_is_checked_when_it_is_asked_for(seller, backend):
    with pytest.raises(ValueError, match="not an MWS operation"):
        services.request_call(seller, "ListOrders")
    with pytest.raises(errors.InvalidParameterError, match="MaxCount"):
        services.request_call(seller, "GetReportList", {"MaxCount": 500})
    with pytest.raises(errors.InvalidParameterError, match="set by the client"):
        services.request_call(seller, "GetReportCount", {"MWSAuthToken": "amzn.mws.x"})
    with pytest.raises(ValueError, match="cannot be a result handler"):
        services.request_call(seller, "GetReportCount", handler=lambda outcome: None)
    with pytest.raises(ValueError, match="ContentMD5Value must be the base64 MD5"):
        services.request_call(seller, "SubmitFeed", {"FeedType": "_POST_PRODUCT_DATA_"})
    with pytest.raises(ValueError, match="ContentMD5Value must be the base64 MD5"):
        services.request_call(
            seller, "SubmitFeed", {"FeedType": "_POST_PRODUCT_DATA_", "ContentMD5Value": "x"}
        )
    with pytest.raises(ValueError, match="storage name of the feed file"):
        services.request_call(
            seller,
            "SubmitFeed",
            {"FeedType": "_POST_PRODUCT_DATA_", "ContentMD5Value": content_md5(b"feed")},
        )
    seller.status = Seller.Status.REMOVED
    with pytest.raises(services.SellerNotCallable):
        services.request_call(seller, "GetReportCount")
    assert not MWSCall.objects.exists()


def test_a_pending_call_with_the_same_dedupe_key_is_returned_not_repeated(seller, backend):
    first = count_call(seller, dedupe_key="poll")
    again = count_call(seller, dedupe_key="poll")
    assert again.pk == first.pk
    MWSCall.objects.filter(pk=first.pk).update(state=MWSCall.State.SUCCEEDED)
    assert count_call(seller, dedupe_key="poll").pk != first.pk


def test_a_periodic_sync_for_many_sellers_is_spread_over_its_window(seller, backend, clock):
    sellers = SellerFactory.create_batch(40, owner=seller.owner)
    window = timedelta(minutes=10)
    calls = [count_call(s, spread_over=window) for s in sellers]
    offsets = sorted((c.available_at - at(clock.now)).total_seconds() for c in calls)
    assert offsets[0] >= 0
    assert offsets[-1] < 600
    # Spread, not bunched: every minute of the window gets some of the forty.
    assert {int(o // 60) for o in offsets} == set(range(10))
    # Each seller keeps its slot from one period to the next.
    again = count_call(sellers[0], spread_over=window)
    assert again.available_at - at(clock.now) == calls[0].available_at - at(clock.now)


# ---- dispatch -----------------------------------------------------------------------------


def test_calls_of_a_queue_go_out_in_order_with_priority_first(seller, backend, mws):
    low = [count_call(seller) for _ in range(3)]
    urgent = count_call(seller, priority=5)
    tick(mws)
    assert [pk for pk, *_ in mws.sent] == [urgent.pk, *(c.pk for c in low)]
    assert all(o.succeeded for o in OUTCOMES)
    assert [o.call.pk for o in OUTCOMES] == [urgent.pk, *(c.pk for c in low)]


def test_a_deferred_call_waits_for_its_time(seller, backend, mws, clock):
    later = count_call(seller, not_before=at(clock.now + 30))
    tick(mws)
    assert mws.sent == []
    queue = CallQueue.objects.get()
    assert queue.next_check_at == later.available_at
    clock.advance(30)
    tick(mws)
    assert [pk for pk, *_ in mws.sent] == [later.pk]


def test_no_worker_waits_for_a_token(seller, backend, mws, clock):
    # GetReportCount: 10 at once, one more every 45 s.
    calls = [count_call(seller) for _ in range(12)]
    started = time.monotonic()
    tick(mws)
    assert time.monotonic() - started < 5
    assert len(mws.sent) == 10
    queue = CallQueue.objects.get()
    assert queue.lease == ""
    # The next token is due 45 s on (counted from when the burst surely reached MWS).
    assert queue.next_check_at == at(clock.now + 45 + DELIVERY_ALLOWANCE_SECONDS)
    clock.advance(44)
    assert tick(mws) == 0
    clock.advance(1 + DELIVERY_ALLOWANCE_SECONDS)
    tick(mws)
    assert [pk for pk, *_ in mws.sent] == [c.pk for c in calls[:11]]


def test_one_sellers_backlog_does_not_hold_up_another_seller(seller, backend, mws, clock):
    busy, other = seller, SellerFactory(owner=seller.owner)
    for _ in range(200):
        count_call(busy)
    tick(mws)  # the busy seller's burst
    clock.advance(1)
    single = count_call(other)
    tick(mws)
    assert mws.sent[-1][0] == single.pk
    single.refresh_from_db()
    assert single.sent_at - single.ready_at == timedelta(0)


def test_the_dispatcher_leases_a_queue_once(seller, backend, mws):
    count_call(seller)
    recorder = Recorder()
    assert dispatch.dispatch_due_queues(executor=recorder) == 1
    assert dispatch.dispatch_due_queues(executor=recorder) == 0
    ((queue_id, lease),) = recorder.leases
    assert dispatch.work_queue(queue_id, lease, sender=mws) == 1
    # A duplicate delivery of the same task finds the lease gone and sends nothing.
    assert dispatch.work_queue(queue_id, lease, sender=mws) == 0
    assert len(mws.sent) == 1


class Recorder:
    """An executor that only writes down what it was handed."""

    def __init__(self) -> None:
        self.leases: list[tuple[int, str]] = []

    def submit(self, queue_id: int, lease: str) -> None:
        self.leases.append((queue_id, lease))


def test_a_worker_hands_its_queue_back_after_its_budget(seller, backend, mws):
    for _ in range(6):
        count_call(seller)
    recorder = Recorder()
    dispatch.dispatch_due_queues(executor=recorder)
    (queue_id, lease), *_ = recorder.leases
    assert dispatch.work_queue(queue_id, lease, sender=mws, executor=recorder, budget=0) == 1
    # Back in the executor's line under a fresh lease, not left to the next tick.
    (_, (again, fresh)) = recorder.leases
    assert (again, fresh != lease) == (queue_id, True)
    inline = InlineExecutor(mws)
    inline.submit(queue_id, fresh)
    assert inline.run() == 5
    assert len(mws.sent) == 6


def test_while_others_wait_a_worker_sends_one_call_per_turn(seller, backend, mws):
    # Two sellers with bursts: their calls alternate instead of one burst after the other,
    # so both buckets start refilling at once.
    other = SellerFactory(owner=seller.owner)
    mine = [count_call(seller) for _ in range(3)]
    theirs = [count_call(other) for _ in range(3)]
    tick(mws)
    order = [pk for pk, *_ in mws.sent]
    assert order == [mine[0].pk, theirs[0].pk, mine[1].pk, theirs[1].pk, mine[2].pk, theirs[2].pk]


# ---- answers ------------------------------------------------------------------------------


def test_server_errors_are_retried_on_the_guides_schedule_through_the_bucket(
    seller, backend, mws, clock
):
    call = count_call(seller)
    mws.script.extend(
        [
            errors.ServerError("boom", http_status=500, code="InternalError"),
            errors.ServiceUnavailableError("down", http_status=503, code="ServiceUnavailable"),
            errors.TransportError("ConnectionResetError: reset"),
            errors.ServerError("boom", http_status=500, code="InternalError"),
        ]
    )
    run_for(mws, clock, 60, step=0.25)
    times = [sent_at for *_, sent_at in mws.sent]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert len(times) == 5
    for gap, planned in zip(gaps, [1, 4, 10, 30], strict=True):
        assert planned * 0.8 <= gap <= planned * 1.2 + 0.25
    call.refresh_from_db()
    assert (call.state, call.attempts, call.server_retries) == ("succeeded", 5, 4)
    # Every attempt took a token: five taken, and one back per 45 s since the first (which
    # found the bucket full and so restarted its refill once it had surely reached MWS).
    (quota,) = [q for q in services.quota_status(seller) if q.group == "GetReportCount"]
    refilled = (clock.now - times[0] - DELIVERY_ALLOWANCE_SECONDS) / 45
    assert quota.level == pytest.approx(10 - 5 + refilled)


def test_retries_stop_after_four(seller, backend, mws, clock):
    call = count_call(seller)
    mws.script.extend([errors.ServerError("boom", http_status=500, code="InternalError")] * 6)
    run_for(mws, clock, 80, step=0.5)
    call.refresh_from_db()
    assert call.state == MWSCall.State.FAILED
    assert call.attempts == 5
    (outcome,) = OUTCOMES
    assert isinstance(outcome.error, errors.ServerError)


def test_submitfeed_is_never_resent_after_a_server_error(seller, backend, mws, clock, tmp_path):
    with override_settings(
        STORAGES={
            "default": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": tmp_path},
            },
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
    ):
        (tmp_path / "feed.xml").write_text("<AmazonEnvelope/>")
        call = services.request_call(
            seller,
            "SubmitFeed",
            {
                "FeedType": "_POST_INVENTORY_AVAILABILITY_DATA_",
                "ContentMD5Value": content_md5(b"<AmazonEnvelope/>"),
            },
            upload="feed.xml",
            handler=collect,
        )
        mws.script.append(errors.ServerError("boom", http_status=500, code="InternalError"))
        run_for(mws, clock, 60)
    call.refresh_from_db()
    assert call.state == MWSCall.State.UNKNOWN
    assert len(mws.sent) == 1
    (outcome,) = OUTCOMES
    assert outcome.state == "unknown_outcome"


class _SandboxClock:
    def __init__(self, clock) -> None:
        self.clock = clock

    def time(self) -> float:
        return self.clock.now


class StrictMWS(FakeMWS):
    """FakeMWS behind the sandbox's own throttle model: a request takes MWS's token when it
    arrives, ``stalls`` seconds (one entry per call, in order) after the worker took ours."""

    def __init__(self, clock, stalls: list[float]) -> None:
        super().__init__(clock)
        self.throttler = Throttler(_SandboxClock(clock))
        self.stalls = deque(stalls)
        self.refused: list[str] = []

    def __call__(self, call: MWSCall, seller: Seller) -> Attempted:
        self.clock.advance(self.stalls.popleft() if self.stalls else 0.0)
        group = throttle_group(call.operation)
        decision = self.throttler.take(
            (seller.seller_id, "developer", group), THROTTLE_TABLE[group]
        )
        if not decision.allowed:
            self.refused.append(decision.code or "")
            self.script.appendleft(errors.ThrottledError("Request is throttled", http_status=503))
        answer = super().__call__(call, seller)
        self.clock.advance(0.1)
        return answer


def test_a_request_that_reaches_mws_late_never_costs_a_throttle(seller, backend, clock):
    # GetReportCount: 10 at once, then one every 45 s. The first request reaches MWS five
    # seconds after its token was taken (a worker descheduled on a loaded machine): MWS's full
    # bucket gained nothing meanwhile, so its eleventh token comes five seconds later than a
    # model that restarted its refill at the take would think.
    mws = StrictMWS(clock, stalls=[5.0])
    calls = [count_call(seller) for _ in range(13)]
    run_for(mws, clock, 150)
    assert mws.refused == []
    assert [pk for pk, *_ in mws.sent] == [c.pk for c in calls]
    # Still as fast as MWS allows: the eleventh goes out on the first tick after MWS has it
    # (sent times are arrival times).
    eleventh_at = mws.sent[10][3]
    assert mws.sent[0][3] + 45 <= eleventh_at <= mws.sent[0][3] + 45 + 1.5


def test_request_throttled_empties_the_bucket_and_the_call_waits_for_it(
    seller, backend, mws, clock
):
    first, second = count_call(seller), count_call(seller)
    mws.script.append(errors.ThrottledError("Request is throttled", http_status=503))
    tick(mws)
    assert len(mws.sent) == 1  # the bucket is empty now: nothing more goes out
    first.refresh_from_db()
    assert (first.state, first.throttled_retries) == ("queued", 1)
    clock.advance(44)
    tick(mws)
    assert len(mws.sent) == 1
    clock.advance(1 + DELIVERY_ALLOWANCE_SECONDS)
    tick(mws)
    # The throttled call keeps its place ahead of the second.
    assert [pk for pk, *_ in mws.sent] == [first.pk, first.pk]
    clock.advance(45)
    tick(mws)
    assert [pk for pk, *_ in mws.sent][-1] == second.pk


def test_quota_exceeded_holds_the_queue_until_the_reset_time(seller, backend, mws, clock):
    call = count_call(seller)
    reset = at((clock.now // 60 + 20) * 60)
    mws.script.append(
        errors.QuotaExceededError(
            "You exceeded your quota", http_status=503, quota=QuotaInfo(80.0, 0.0, reset)
        )
    )
    run_for(mws, clock, reset.timestamp() - clock.now - 1)
    assert len(mws.sent) == 1
    run_for(mws, clock, 2)
    assert len(mws.sent) == 2
    call.refresh_from_db()
    assert call.state == "succeeded"
    assert at(mws.sent[1][3]) >= reset


def test_access_denied_puts_the_seller_on_hold_and_keeps_its_calls(seller, backend, mws, clock):
    first, second = count_call(seller), count_call(seller)
    denied = errors.AccessDeniedError("Access denied", http_status=401, code="AccessDenied")
    mws.script.append(denied)
    tick(mws)
    seller.refresh_from_db()
    assert seller.status == Seller.Status.NEEDS_REAUTH
    assert "AccessDenied" in seller.status_reason
    assert len(mws.sent) == 1
    run_for(mws, clock, 300)
    assert len(mws.sent) == 1
    assert OUTCOMES == []
    # A new token: the held calls go out, the refused one first.
    Seller.objects.filter(pk=seller.pk).update(status=Seller.Status.ACTIVE)
    run_for(mws, clock, 61)
    assert [pk for pk, *_ in mws.sent] == [first.pk, first.pk, second.pk]


def test_request_expired_is_resent_once(seller, backend, mws, clock):
    call = count_call(seller)
    mws.script.extend([errors.RequestExpiredError("expired", http_status=400)] * 2)
    tick(mws)
    call.refresh_from_db()
    assert (call.state, call.attempts, call.resynced) == ("failed", 2, True)


def test_a_removed_seller_cancels_its_pending_calls(seller, backend, mws, clock):
    call = count_call(seller, not_before=at(clock.now + 10))
    Seller.objects.filter(pk=seller.pk).update(status=Seller.Status.REMOVED)
    run_for(mws, clock, 11)
    call.refresh_from_db()
    assert call.state == MWSCall.State.CANCELLED
    assert [o.state for o in OUTCOMES] == ["cancelled"]
    assert mws.sent == []


def test_a_call_in_flight_when_its_worker_died_is_recovered(seller, backend, mws, clock):
    call = count_call(seller)
    queue = CallQueue.objects.get()
    # A worker took the call and the queue, then vanished.
    queue.lease, queue.lease_until = "gone", at(clock.now + 100)
    queue.next_check_at = queue.lease_until
    queue.save()
    MWSCall.objects.filter(pk=call.pk).update(state=MWSCall.State.SENDING, attempts=1)
    run_for(mws, clock, 99)
    assert mws.sent == []
    run_for(mws, clock, 10)
    call.refresh_from_db()
    # Not knowing whether MWS got it, a repeatable call is retried like a lost answer.
    assert (call.state, call.server_retries) == ("succeeded", 1)


def test_a_failing_handler_does_not_undo_the_calls_outcome(seller, backend, mws):
    call = services.request_call(seller, "GetReportCount", handler=explode)
    tick(mws)
    call.refresh_from_db()
    assert call.state == MWSCall.State.SUCCEEDED
    assert "the handler broke" in call.handler_error


# ---- request log, quota view, purge -------------------------------------------------------


def test_the_request_log_records_every_attempt_without_secrets(seller, backend, mws, clock):
    call = count_call(seller)
    reset = at(clock.now + 1800)
    mws.quota = QuotaInfo(80.0, 71.0, reset)
    mws.script.append(errors.ServerError("boom", http_status=500, code="InternalError"))
    run_for(mws, clock, 3, step=0.5)
    entries = list(RequestLogEntry.objects.order_by("attempt"))
    assert [(e.attempt, e.http_status, e.error_code) for e in entries] == [
        (1, 500, "InternalError"),
        (2, 200, ""),
    ]
    first = entries[0]
    assert (first.call_id, first.seller_id) == (call.pk, seller.pk)
    assert (first.mws_seller_id, first.operation) == ("A1TESTSELLER01", "GetReportCount")
    assert (first.request_id, first.duration_ms) == ("request-1", 20)
    assert (first.bytes_sent, first.bytes_received) == (321, 654)
    assert (first.quota_max, first.quota_remaining, first.quota_resets_on) == (80, 71, reset)
    stored = " ".join(str(v) for e in entries for v in e.__dict__.values())
    assert seller.auth_token not in stored


def test_quota_headers_update_the_hourly_view(seller, backend, mws, clock):
    mws.quota = QuotaInfo(80.0, 3.0, at(clock.now + 1800))
    count_call(seller)
    tick(mws)
    (view,) = [q for q in services.quota_status(seller, active_only=True)]
    assert (view.group, view.hourly_quota, view.hourly_remaining) == ("GetReportCount", 80, 3)
    assert view.tokens == 9


def test_purge_removes_only_entries_older_than_the_retention(seller, backend, mws, clock):
    count_call(seller)
    tick(mws)
    old = RequestLogEntry.objects.get()
    old.pk = None
    old.sent_at = at(clock.now) - timedelta(days=31)
    old.save()
    with override_settings(MWS_REQUEST_LOG_RETENTION_DAYS=30):
        assert services.purge_request_log() == 1
    assert RequestLogEntry.objects.count() == 1
    with override_settings(MWS_REQUEST_LOG_RETENTION_DAYS=45):
        clock.advance(44 * 86400)
        assert services.purge_request_log() == 0
        clock.advance(2 * 86400)
        assert services.purge_request_log() == 1
    assert not RequestLogEntry.objects.exists()
    # Finished calls go with their log.
    assert not MWSCall.objects.exists()


# ---- what an answer proves, follow-ups -------------------------------------------------------


def test_an_answered_call_fills_last_verified_at_most_hourly(seller, backend, mws, clock):
    Seller.objects.filter(pk=seller.pk).update(verified_at=None)
    count_call(seller)
    tick(mws)
    seller.refresh_from_db()
    first = seller.verified_at
    assert first is not None
    clock.advance(600)
    count_call(seller)
    tick(mws)
    seller.refresh_from_db()
    assert seller.verified_at == first, "not rewritten on every call"
    clock.advance(3600)
    count_call(seller)
    tick(mws)
    seller.refresh_from_db()
    assert seller.verified_at > first


def test_a_refused_call_does_not_fill_last_verified(seller, backend, mws, clock):
    Seller.objects.filter(pk=seller.pk).update(verified_at=None)
    count_call(seller)
    mws.script.append(
        errors.AccessDeniedError("Access denied", http_status=401, code="AccessDenied")
    )
    tick(mws)
    seller.refresh_from_db()
    assert seller.verified_at is None


def _follow_up(seller: Seller, not_before: datetime, answering: MWSCall | None = None) -> MWSCall:
    return services.request_follow_up(
        seller,
        "GetReportCount",
        {"Acknowledged": False},
        handler=collect,
        not_before=not_before,
        key="tests.follow-up",
        answering=answering,
    )


def test_a_sooner_follow_up_replaces_a_later_one_and_a_later_one_is_not_added(
    seller, backend, clock
):
    later = _follow_up(seller, at(clock.now + 60))
    sooner = _follow_up(seller, at(clock.now + 5))
    later.refresh_from_db()
    assert later.state == MWSCall.State.CANCELLED
    assert sooner.available_at == at(clock.now + 5)
    assert _follow_up(seller, at(clock.now + 30)).pk == sooner.pk
    assert MWSCall.objects.filter(state=MWSCall.State.QUEUED).count() == 1


def test_the_follow_up_being_answered_does_not_block_the_next(seller, backend, clock):
    answered = _follow_up(seller, at(clock.now))
    MWSCall.objects.filter(pk=answered.pk).update(state=MWSCall.State.SENDING)
    assert _follow_up(seller, at(clock.now + 10)).pk == answered.pk, "one on its way stays"
    following = _follow_up(seller, at(clock.now + 10), answering=answered)
    assert following.pk != answered.pk
    assert following.available_at == at(clock.now + 10)
