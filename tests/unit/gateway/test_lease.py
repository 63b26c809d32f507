"""A worker's lease on its queue: short, renewed while it works, and soon free when it dies."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from mwsclient.client import AttemptRecord, Response
from mwsclient.results import CountResult, ResponseMetadata
from mwsportal.gateway import dispatch, services
from mwsportal.gateway import leases as lease_keeping
from mwsportal.gateway.buckets import DatabaseBuckets, set_bucket_backend
from mwsportal.gateway.dispatch import Attempted
from mwsportal.gateway.models import CallQueue, MWSCall
from sellers.models import Seller
from tests.factories import SellerFactory
from tests.gateway_runner import InlineExecutor


def answered(call: MWSCall, seller: Seller) -> Attempted:
    record = AttemptRecord(
        operation=call.operation,
        seller_id=seller.seller_id,
        attempt=1,
        host="mws.amazonservices.com",
        request_timestamp="2023-11-14T22:13:20.000Z",
        duration_s=0.01,
        http_status=200,
        request_id="request-1",
        error_code=None,
        error_family=None,
        bytes_sent=1,
        bytes_received=1,
        quota=None,
    )
    metadata = ResponseMetadata(200, "request-1", None, "2023-11-14T22:13:20Z", None)
    return Attempted([record], result=Response(call.operation, CountResult(count=1), metadata))


class Leases:
    """Hands the queues the dispatcher leases to nobody, as to a worker that never reports."""

    def __init__(self) -> None:
        self.handed: list[tuple[int, str]] = []

    def submit(self, queue_id: int, lease: str) -> None:
        self.handed.append((queue_id, lease))


@pytest.fixture
def buckets(clock, db):
    backend = DatabaseBuckets(clock=clock)
    backend.set_epoch(clock.now - 36000)
    set_bucket_backend(backend)
    yield backend
    set_bucket_backend(None)


def test_a_queue_whose_worker_died_mid_call_is_worked_again_after_one_lease(clock, buckets):
    seller = SellerFactory(seller_id="A1LEASESELLER1")
    call = services.request_call(seller, "GetReportCount")
    leases = Leases()
    dispatch.dispatch_due_queues(executor=leases)
    ((queue_id, lease),) = leases.handed
    # The worker took the queue and marked the call as sending, then was SIGKILLed.
    dispatch._claim_next(queue_id, "dead-run", buckets, taking_over=lease)
    assert CallQueue.objects.get(pk=queue_id).lease == "dead-run"
    assert MWSCall.objects.get(pk=call.pk).state == MWSCall.State.SENDING

    clock.advance(dispatch.LEASE_SECONDS - 1)
    assert dispatch.dispatch_due_queues(executor=InlineExecutor(answered)) == 0
    clock.advance(2)
    executor = InlineExecutor(answered)
    assert dispatch.dispatch_due_queues(executor=executor) == 1
    executor.run()
    call.refresh_from_db()
    # Whether MWS got the lost attempt is unknown: a repeatable call is sent again after the
    # pause of a lost answer.
    assert (call.state, call.server_retries) == ("queued", 1)
    clock.advance(35)
    executor = InlineExecutor(answered)
    dispatch.dispatch_due_queues(executor=executor)
    executor.run()
    call.refresh_from_db()
    assert (call.state, call.attempts, call.server_retries) == ("succeeded", 2, 1)


@pytest.mark.django_db(transaction=True)
def test_the_lease_is_renewed_while_a_long_call_is_in_flight(monkeypatch):
    monkeypatch.setattr(lease_keeping, "LEASE_RENEW_SECONDS", 0.05)
    backend = DatabaseBuckets()
    backend.set_epoch(backend.now() - 36000)
    set_bucket_backend(backend)
    try:
        seller = SellerFactory(seller_id="A1LEASESELLER2")
        services.request_call(seller, "GetReportCount")
        leases = Leases()
        dispatch.dispatch_due_queues(executor=leases)
        ((queue_id, lease),) = leases.handed
        seen = []

        def slow(call: MWSCall, seller: Seller) -> Attempted:
            for _ in range(5):
                time.sleep(0.1)
                seen.append(CallQueue.objects.get(pk=queue_id).lease_until)
            return answered(call, seller)

        assert dispatch.work_queue(queue_id, lease, sender=slow) == 1
    finally:
        set_bucket_backend(None)

    horizon = timezone.now() + timedelta(seconds=dispatch.LEASE_SECONDS)
    assert all(until <= horizon for until in seen)
    assert len(set(seen)) >= 3, "the lease was not renewed during the call"
    assert seen == sorted(seen)


def test_one_thread_keeps_the_leases_of_every_queue_a_process_works(clock, buckets):
    started: list[str] = []
    real_start = lease_keeping.threading.Thread.start

    def counting_start(thread) -> None:
        started.append(thread.name)
        real_start(thread)

    for number in range(3):
        services.request_call(
            SellerFactory(seller_id=f"A1LEASESELLER{number + 3}"), "GetReportCount"
        )
    leases = Leases()
    dispatch.dispatch_due_queues(executor=leases)
    assert len(leases.handed) == 3
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(lease_keeping.threading.Thread, "start", counting_start)
        for queue_id, lease in leases.handed:
            assert dispatch.work_queue(queue_id, lease, sender=answered) == 1
    # At most the keeper itself, when no earlier test of this process started it.
    assert started in ([], ["lease-keeper"])
    assert lease_keeping._keeper._held == {}
