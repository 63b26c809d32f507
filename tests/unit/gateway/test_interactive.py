"""Calls sent at once (``call_now``): through the seller's bucket and into the request log."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest

from mwsclient import errors
from mwsclient.client import AttemptRecord
from mwsclient.operations import get_operation
from mwsclient.results import QuotaInfo
from mwsportal.gateway import interactive
from mwsportal.gateway.bookkeeping import bucket_key
from mwsportal.gateway.buckets import DatabaseBuckets, set_bucket_backend
from mwsportal.gateway.models import RequestLogEntry
from tests.factories import SellerFactory

SELLER_ID = "A1DIRECTSELLER1"
TOKEN = "amzn.mws.12345678-aaaa-bbbb-cccc-1234567890ab"
GROUP = "ListMarketplaceParticipations"


@dataclass
class RecordingClient:
    """Answers each call with the next of ``answers`` (an exception is raised) and reports
    one HTTP attempt per call to the gateway's observer, as MWSClient does."""

    observer: Callable[[AttemptRecord], None]
    answers: list[Any]
    sent: list[dict[str, Any]] = field(default_factory=list)

    def __enter__(self) -> RecordingClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        return None

    def call(self, operation: str, **kwargs: Any) -> SimpleNamespace:
        self.sent.append({"operation": operation, **kwargs})
        answer = self.answers.pop(0)
        failed = isinstance(answer, errors.MWSError)
        self.observer(
            AttemptRecord(
                operation=operation,
                seller_id=kwargs["seller_id"],
                attempt=1,
                host="mws.amazonservices.com",
                request_timestamp="2023-11-14T22:13:20.000Z",
                duration_s=0.25,
                http_status=503 if failed else 200,
                request_id=f"req-{len(self.sent)}",
                error_code=answer.code if failed else None,
                error_family=type(answer).__name__ if failed else None,
                bytes_sent=100,
                bytes_received=400,
                quota=None if failed else QuotaInfo(max=None, remaining=None, resets_on=None),
            )
        )
        if failed:
            raise answer
        return SimpleNamespace(result=answer)


@pytest.fixture
def backend(clock, db):
    buckets = DatabaseBuckets(clock=clock)
    buckets.set_epoch(clock.now - 36000)
    set_bucket_backend(buckets)
    yield buckets
    set_bucket_backend(None)


@pytest.fixture
def mws(monkeypatch, backend):
    """The client ``call_now`` builds; a test sets ``answers``."""
    clients: list[RecordingClient] = []

    def build(region: str, **options: Any) -> RecordingClient:
        assert options["retry_policy"].max_retries == 0, "the gateway decides on resends"
        client = RecordingClient(options["observer"], answers)
        clients.append(client)
        return client

    answers: list[Any] = []
    monkeypatch.setattr(interactive, "build_client", build)
    monkeypatch.setattr(interactive, "INTERACTIVE_RETRY_SECONDS", 0.0)
    return SimpleNamespace(answers=answers, clients=clients)


def level(backend) -> float:
    key, limits = bucket_key("NA", SELLER_ID, get_operation(GROUP))
    return backend.views([(key, limits)])[0].level


def call(**options: Any) -> Any:
    return interactive.call_now(
        "ListMarketplaceParticipations",
        region="NA",
        seller_id=SELLER_ID,
        auth_token=TOKEN,
        **options,
    )


def test_a_call_takes_a_token_and_is_logged_for_its_seller(backend, mws):
    seller = SellerFactory(seller_id=SELLER_ID, auth_token=TOKEN)
    mws.answers.append("page")
    before = level(backend)

    assert call(seller=seller).result == "page"

    assert level(backend) == pytest.approx(before - 1)
    (entry,) = RequestLogEntry.objects.all()
    assert (entry.seller, entry.mws_seller_id, entry.operation) == (
        seller,
        SELLER_ID,
        "ListMarketplaceParticipations",
    )
    assert (entry.attempt, entry.http_status, entry.request_id) == (1, 200, "req-1")
    assert entry.call is None


def test_a_call_before_the_seller_is_stored_hands_back_its_log_entries(backend, mws):
    mws.answers.append("page")
    logged: list[RequestLogEntry] = []
    call(logged=logged)
    assert [e.pk for e in logged] == list(RequestLogEntry.objects.values_list("pk", flat=True))
    assert logged[0].seller is None
    assert logged[0].mws_seller_id == SELLER_ID


def test_an_empty_bucket_refuses_at_once_when_its_token_is_too_far(backend, mws, clock):
    key, limits = bucket_key("NA", SELLER_ID, get_operation(GROUP))
    while backend.take(key, limits).granted:
        pass
    mws.answers.append("page")

    with pytest.raises(interactive.BucketBusy) as busy:
        call(max_wait=5.0)

    assert busy.value.retry_in == pytest.approx(60.0, abs=1.0)
    assert mws.clients[0].sent == [], "nothing went out"
    assert not RequestLogEntry.objects.exists()


def test_throttled_empties_the_bucket_and_is_logged(backend, mws):
    mws.answers.append(errors.ThrottledError("Request is throttled", code="RequestThrottled"))
    with pytest.raises(errors.ThrottledError):
        call()
    assert level(backend) == 0.0
    assert RequestLogEntry.objects.get().error_code == "RequestThrottled"


def test_a_server_error_is_resent_once_through_the_bucket(backend, mws):
    down = errors.ServiceUnavailableError("down", code="ServiceUnavailable")
    mws.answers.extend([down, "page"])
    before = level(backend)

    assert call(retries=1).result == "page"

    assert level(backend) == pytest.approx(before - 2), "each send took a token"
    attempts = list(
        RequestLogEntry.objects.order_by("attempt").values_list("attempt", "http_status")
    )
    assert attempts == [(1, 503), (2, 200)]


def test_a_second_server_error_is_raised(backend, mws):
    down = errors.ServiceUnavailableError("down", code="ServiceUnavailable")
    mws.answers.extend([down, down])
    with pytest.raises(errors.ServiceUnavailableError):
        call(retries=1)
    assert RequestLogEntry.objects.count() == 2


def test_access_denied_is_not_resent(backend, mws):
    mws.answers.append(errors.AccessDeniedError("Access denied", code="AccessDenied"))
    with pytest.raises(errors.AccessDeniedError):
        call(retries=3)
    assert len(mws.clients[0].sent) == 1


def test_only_xml_operations_are_sent_at_once(backend, mws):
    with pytest.raises(ValueError, match="download"):
        interactive.call_now("GetReport", region="NA", seller_id=SELLER_ID, auth_token=TOKEN)


def test_request_expired_is_resent_once_with_a_token_of_its_own(backend, mws):
    expired = errors.RequestExpiredError("expired", code="RequestExpired", http_status=400)
    mws.answers.extend([expired, "page"])
    before = level(backend)
    assert call().result == "page"
    assert level(backend) == pytest.approx(before - 2)
    assert RequestLogEntry.objects.count() == 2

    mws.answers.extend([expired, expired])
    with pytest.raises(errors.RequestExpiredError):
        call()
    assert len(mws.clients[-1].sent) == 2
