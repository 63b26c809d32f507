"""While a report's download waits for a GetReport token, its status says so, with about how
long is left from the bucket's restore rate; once the call is sent it says "Downloading…"."""

from __future__ import annotations

import pytest
from django.urls import reverse

from mwsclient.operations import get_operation
from mwsportal.gateway.bookkeeping import bucket_for
from mwsportal.gateway.buckets import DatabaseBuckets, set_bucket_backend
from mwsportal.gateway.models import MWSCall
from reports import services
from tests.factories import ReportFactory, ReportRequestFactory, SellerFactory
from tests.unit.gateway.conftest import FakeClock

WAITING = "Waiting for Amazon's download quota"

pytestmark = pytest.mark.django_db


@pytest.fixture
def backend(db):
    clock = FakeClock()
    buckets = DatabaseBuckets(clock=clock)
    buckets.set_epoch(clock.now - 36000)
    set_bucket_backend(buckets)
    yield buckets
    set_bucket_backend(None)


@pytest.fixture
def seller(owner):
    return SellerFactory(owner=owner)


def pending_download(seller):
    """A finished request whose report's (second) download is queued in the gateway."""
    report_request = ReportRequestFactory(seller=seller, status="done")
    report = ReportFactory(seller=seller, request=report_request, state="failed")
    services.redownload_report(report)
    return report_request, report


def empty_the_bucket(backend, seller) -> None:
    key, limits = bucket_for(seller, get_operation("GetReport"))
    for _ in range(limits.quota):
        assert backend.take(key, limits).granted


def status(client, report_request, **query) -> str:
    url = reverse("reports:request_status", args=[report_request.pk])
    return client.get(url, query).content.decode()


def test_a_download_waiting_for_its_token_says_so_with_the_time_left(seller, backend, owner_client):
    empty_the_bucket(backend, seller)
    report_request, _ = pending_download(seller)

    text = status(owner_client, report_request)
    assert WAITING in text
    assert "Downloading…" not in text
    assert "download quota allows: about 60 seconds left." in text
    assert "hx-trigger" in text, "still polling"
    # A row of the list says the same in its badge, without the line under it.
    compact = status(owner_client, report_request, compact="1")
    assert WAITING in compact
    assert "left" not in compact


def test_a_download_with_a_token_there_goes_at_the_next_look(seller, backend, owner_client):
    report_request, _ = pending_download(seller)
    text = status(owner_client, report_request)
    assert WAITING in text
    assert "seconds left" not in text


def test_once_the_call_is_sent_the_status_says_downloading(seller, backend, owner_client):
    empty_the_bucket(backend, seller)
    report_request, report = pending_download(seller)
    MWSCall.objects.filter(operation="GetReport").update(state=MWSCall.State.SENDING)
    text = status(owner_client, report_request)
    assert "Downloading…" in text
    assert WAITING not in text
    assert "Downloading the report from Amazon." in text
    assert services.download_wait(report).sending


def test_no_pending_call_is_not_a_wait(seller, backend):
    report = ReportFactory(seller=seller, state="pending")
    assert services.download_wait(report) is None
    stored = ReportFactory(seller=seller, state="stored")
    assert services.download_wait(stored) is None


def test_another_owners_status_is_not_found(seller, backend, stranger_client):
    report_request, _ = pending_download(seller)
    response = stranger_client.get(reverse("reports:request_status", args=[report_request.pk]))
    assert response.status_code == 404
