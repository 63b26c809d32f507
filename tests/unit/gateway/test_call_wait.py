"""What the gateway tells a service about one pending call: still queued (and about how long
until its bucket has a token for it, counting the calls ahead of it) or on its way."""

from __future__ import annotations

from datetime import timedelta

import pytest

from mwsclient.operations import get_operation
from mwsportal.gateway import services
from mwsportal.gateway.bookkeeping import bucket_for, to_datetime
from mwsportal.gateway.buckets import DatabaseBuckets, set_bucket_backend
from mwsportal.gateway.models import MWSCall
from tests.factories import SellerFactory

# GetReport: 15 requests, one back every 60 seconds.
RESTORE = 60.0


@pytest.fixture
def backend(clock, db):
    buckets = DatabaseBuckets(clock=clock)
    buckets.set_epoch(clock.now - 36000)
    set_bucket_backend(buckets)
    yield buckets
    set_bucket_backend(None)


@pytest.fixture
def seller(db):
    return SellerFactory()


def download(seller, key: str, **options) -> MWSCall:
    return services.request_call(
        seller, "GetReport", {"ReportId": key}, dedupe_key=f"download:{key}", **options
    )


def waits(seller, key: str) -> float:
    """Seconds the call is expected to wait (the bucket refills from a moment a fraction of a
    second after a token is taken from a full bucket: the request's delivery allowance)."""
    wait = services.pending_call_wait(seller, f"download:{key}")
    assert wait is not None, "the download is not pending"
    return wait.expected_in.total_seconds()


def empty_the_bucket(backend, seller) -> None:
    bucket_key, limits = bucket_for(seller, get_operation("GetReport"))
    for _ in range(limits.quota):
        assert backend.take(bucket_key, limits).granted


def test_a_call_with_a_token_there_goes_at_once(seller, backend):
    download(seller, "1")
    assert services.pending_call_wait(seller, "download:1") == services.CallWait(
        sending=False, expected_in=timedelta(0)
    )


def test_an_empty_bucket_makes_each_call_wait_its_restore_in_turn(seller, backend, clock):
    empty_the_bucket(backend, seller)
    for key in ("1", "2", "3"):
        download(seller, key)
    assert waits(seller, "1") == pytest.approx(RESTORE, abs=0.1)
    assert waits(seller, "3") == pytest.approx(3 * RESTORE, abs=0.1)
    clock.advance(90)
    # One and a half tokens back: the third call needs one and a half more.
    assert waits(seller, "3") == pytest.approx(1.5 * RESTORE, abs=0.1)


def test_calls_of_a_higher_priority_go_first(seller, backend):
    empty_the_bucket(backend, seller)
    download(seller, "routine")
    download(seller, "awaited", priority=10)
    download(seller, "later")
    assert waits(seller, "awaited") == pytest.approx(RESTORE, abs=0.1)
    assert waits(seller, "routine") == pytest.approx(2 * RESTORE, abs=0.1)
    assert waits(seller, "later") == pytest.approx(3 * RESTORE, abs=0.1)


def test_a_call_not_due_yet_waits_for_its_time(seller, backend, clock):
    later = to_datetime(clock.now) + timedelta(minutes=5)
    download(seller, "1", not_before=later)
    assert waits(seller, "1") == 300


def test_a_call_on_its_way_says_so_and_a_finished_one_is_gone(seller, backend):
    call = download(seller, "1")
    MWSCall.objects.filter(pk=call.pk).update(state=MWSCall.State.SENDING)
    assert services.pending_call_wait(seller, "download:1") == services.CallWait(
        sending=True, expected_in=timedelta(0)
    )
    MWSCall.objects.filter(pk=call.pk).update(state=MWSCall.State.SUCCEEDED)
    assert services.pending_call_wait(seller, "download:1") is None
    assert services.pending_call_wait(seller, "download:never-asked") is None


def test_another_sellers_call_is_not_found(seller, backend):
    download(SellerFactory(), "theirs")
    assert services.pending_call_wait(seller, "download:theirs") is None
