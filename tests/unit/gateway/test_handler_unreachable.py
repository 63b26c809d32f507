"""A result handler that cannot reach the database or Redis: the answer is not lost."""

from __future__ import annotations

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from mwsportal.gateway import dispatch, services
from mwsportal.gateway.buckets import DatabaseBuckets, set_bucket_backend
from mwsportal.gateway.handlers import CallOutcome
from mwsportal.gateway.models import MWSCall
from tests.factories import SellerFactory
from tests.gateway_runner import InlineExecutor
from tests.unit.gateway.test_lease import answered

SEEN: list[CallOutcome] = []
FAILURES: list[Exception] = []


def needs_redis(outcome: CallOutcome) -> None:
    if FAILURES:
        raise FAILURES.pop()
    SEEN.append(outcome)


@pytest.fixture
def buckets(clock, db):
    backend = DatabaseBuckets(clock=clock)
    backend.set_epoch(clock.now - 36000)
    set_bucket_backend(backend)
    SEEN.clear()
    yield backend
    set_bucket_backend(None)
    FAILURES.clear()


def tick() -> None:
    executor = InlineExecutor(answered)
    dispatch.dispatch_due_queues(executor=executor)
    executor.run()


def test_an_outcome_whose_handler_could_not_reach_redis_is_recorded_later(clock, buckets):
    call = services.request_call(
        SellerFactory(seller_id="A1HANDLERDOWN1"),
        "GetReportCount",
        handler=needs_redis,
    )
    FAILURES.append(RedisConnectionError("Error 111 connecting to 127.0.0.1:6379."))
    with pytest.raises(RedisConnectionError):
        tick()
    call.refresh_from_db()
    # Not closed without its effect: still in flight, as if the worker had died.
    assert (call.state, call.handler_error) == (MWSCall.State.SENDING, "")
    assert SEEN == []

    clock.advance(dispatch.LEASE_SECONDS + 1)
    tick()
    clock.advance(35)
    tick()
    call.refresh_from_db()
    assert (call.state, call.handler_error, call.attempts) == ("succeeded", "", 2)
    assert [outcome.call.pk for outcome in SEEN] == [call.pk]


def test_a_handler_that_is_wrong_still_closes_the_call(clock, buckets):
    call = services.request_call(
        SellerFactory(seller_id="A1HANDLERDOWN2"),
        "GetReportCount",
        handler=needs_redis,
    )
    FAILURES.append(KeyError("report"))
    tick()
    call.refresh_from_db()
    assert call.state == MWSCall.State.SUCCEEDED
    assert "KeyError" in call.handler_error
