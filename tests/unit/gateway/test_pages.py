"""The seller dashboard's MWS panel and the staff pages of the request log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mwsclient.operations import OPERATIONS
from mwsportal.gateway import services
from mwsportal.gateway.buckets import DatabaseBuckets, set_bucket_backend
from mwsportal.gateway.models import MWSCall, RequestLogEntry
from tests.factories import SellerFactory

TOKEN = "amzn.mws.12345678-aaaa-bbbb-cccc-1234567890ab"


@pytest.fixture
def backend(clock, db):
    buckets = DatabaseBuckets(clock=clock)
    buckets.set_epoch(clock.now - 36000)
    set_bucket_backend(buckets)
    yield buckets
    set_bucket_backend(None)


@pytest.fixture
def seller(owner):
    return SellerFactory(owner=owner, seller_id="A1PANELSELLER1", auth_token=TOKEN)


def log_entry(seller, n: int, **fields) -> RequestLogEntry:
    values = {
        "seller": seller,
        "mws_seller_id": seller.seller_id,
        "operation": "GetReportCount",
        "sent_at": datetime(2023, 11, 14, 22, 0, tzinfo=UTC) + timedelta(seconds=n),
        "timestamp": "2023-11-14T22:00:00.000Z",
        "request_id": f"req-{n:04d}",
        "http_status": 200,
        "duration_ms": 12.5,
        **fields,
    }
    return RequestLogEntry.objects.create(**values)


def take_tokens(backend, seller, group_operation: str, count: int) -> None:
    from mwsclient.operations import get_operation
    from mwsportal.gateway.bookkeeping import bucket_for

    key, limits = bucket_for(seller, get_operation(group_operation))
    for _ in range(count):
        assert backend.take(key, limits).granted


def test_the_dashboard_shows_the_buckets_and_recent_requests(owner_client, seller, backend):
    take_tokens(backend, seller, "SubmitFeed", 5)
    take_tokens(backend, seller, "RequestReport", 15)
    services.request_call(seller, "GetReportCount")
    log_entry(seller, 1, operation="SubmitFeed", request_id="req-visible")
    log_entry(seller, 2, http_status=503, error_code="RequestThrottled", error_family="x")

    page = owner_client.get(reverse("sellers:dashboard", args=[seller.pk])).content.decode()

    assert 'id="mws-activity"' in page
    assert 'aria-valuenow="10"' in page  # SubmitFeed: 15 - 5 taken
    assert "10 of 15</span>" in page
    # RequestReport is empty; the next one comes a minute (and the delivery allowance) later.
    assert "0 of 15 · next in 61 s" in page
    assert "GetReportCount" in page  # a group with a call waiting
    assert "req-visible" in page
    assert "RequestThrottled" in page
    assert TOKEN not in page
    assert f'hx-get="{reverse("sellers:activity", args=[seller.pk])}"' in page


def test_the_panel_of_a_seller_without_calls_says_so(owner_client, seller, backend):
    page = owner_client.get(reverse("sellers:activity", args=[seller.pk]))
    assert page.status_code == 200
    assert "has not called Amazon MWS" in page.content.decode()


def test_another_owners_panel_is_not_found(stranger_client, seller, backend):
    response = stranger_client.get(reverse("sellers:activity", args=[seller.pk]))
    assert response.status_code == 404


def test_the_panel_needs_a_login(client, seller, backend):
    response = client.get(reverse("sellers:activity", args=[seller.pk]))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_the_quota_view_is_ready_for_the_api(seller, backend, clock):
    take_tokens(backend, seller, "RequestReport", 15)
    (view,) = services.quota_status(seller, active_only=True)
    data = view.as_dict()
    assert data["group"] == "RequestReport"
    assert data["level"] == 0
    assert (data["hourly_quota"], data["hourly_remaining"]) == (60, 45)
    assert data["next_token_at"].startswith("2023-11-14T22:1")
    # Without active_only every throttle group of the catalog is there, once.
    groups = [q.group for q in services.quota_status(seller)]
    assert sorted(groups) == sorted({op.throttle.name for op in OPERATIONS.values()})


# ---- admin --------------------------------------------------------------------------------


@pytest.fixture
def admin_client(db) -> Client:
    user = get_user_model().objects.create_superuser("root@example.com", "root@example.com", "x")
    client = Client()
    client.force_login(user)
    return client


LOG_URL = reverse("admin:gateway_requestlogentry_changelist")


def test_the_request_log_filters_by_seller_operation_error_and_date(admin_client, seller, backend):
    other = SellerFactory(owner=seller.owner, seller_id="A2OTHERSELLER2")
    log_entry(seller, 1, request_id="mine-ok")
    log_entry(seller, 2, operation="SubmitFeed", request_id="mine-feed")
    log_entry(seller, 3, error_code="QuotaExceeded", error_family="QuotaExceededError")
    log_entry(other, 4, request_id="theirs")

    def ids(**query) -> set[str]:
        response = admin_client.get(LOG_URL, query)
        assert response.status_code == 200
        return {e.request_id for e in response.context["cl"].result_list}

    assert ids(seller_id="a1panelseller1") == {"mine-ok", "mine-feed", "req-0003"}
    assert ids(seller_id="A1PANELSELLER1", operation="SubmitFeed") == {"mine-feed"}
    assert ids(error_code="QuotaExceeded") == {"req-0003"}
    assert ids(outcome="throttled") == {"req-0003"}
    assert ids(q="theirs") == {"theirs"}
    assert ids(
        sent_at__gte="2023-11-14 00:00:00+00:00", sent_at__lt="2023-11-15 00:00:00+00:00"
    ) == {
        "mine-ok",
        "mine-feed",
        "req-0003",
        "theirs",
    }
    assert ids(sent_at__gte="2023-11-15 00:00:00+00:00") == set()
    # The typed filter keeps the other filters when it is submitted.
    page = admin_client.get(LOG_URL, {"operation": "SubmitFeed"}).content.decode()
    assert '<input type="hidden" name="operation" value="SubmitFeed">' in page


def test_the_request_log_is_read_only(admin_client, seller, backend):
    entry = log_entry(seller, 1)
    assert admin_client.get(reverse("admin:gateway_requestlogentry_add")).status_code == 403
    detail = admin_client.get(reverse("admin:gateway_requestlogentry_change", args=[entry.pk]))
    assert detail.status_code == 200
    assert b'name="_save"' not in detail.content
    delete = reverse("admin:gateway_requestlogentry_delete", args=[entry.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert RequestLogEntry.objects.filter(pk=entry.pk).exists()


def test_the_request_log_list_costs_the_same_with_many_rows(admin_client, seller, backend):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert admin_client.get(LOG_URL, {"seller_id": seller.seller_id}).status_code == 200
        return len(captured)

    log_entry(seller, 0)
    few = queries()
    RequestLogEntry.objects.bulk_create(
        [
            RequestLogEntry(
                seller=seller,
                mws_seller_id=seller.seller_id,
                operation="GetReportList",
                sent_at=datetime(2023, 11, 14, tzinfo=UTC),
                timestamp="t",
                duration_ms=1,
            )
            for _ in range(500)
        ]
    )
    assert queries() == few


def test_calls_are_listed_for_staff_without_secrets(admin_client, seller, backend):
    call = services.request_call(seller, "GetReportCount")
    listing = admin_client.get(reverse("admin:gateway_mwscall_changelist"))
    assert listing.status_code == 200
    detail = admin_client.get(reverse("admin:gateway_mwscall_change", args=[call.pk]))
    assert detail.status_code == 200
    assert TOKEN not in detail.content.decode()
    assert MWSCall.objects.count() == 1


def test_the_panel_leads_with_a_connection_health_line(owner_client, seller, backend):
    log_entry(seller, 1, operation="SubmitFeed", request_id="req-old")
    log_entry(seller, 2, request_id="req-new")
    page = owner_client.get(reverse("sellers:activity", args=[seller.pk])).content.decode()
    health = page[
        page.index('class="connection-health"') : page.index(
            "</p>", page.index("connection-health")
        )
    ]
    assert "Healthy: the last 2 requests to Amazon all went through." in health
    # Amazon's vocabulary (operations, request ids, quotas) waits behind the disclosure.
    details = page.index('<details id="mws-activity-details">')
    assert page.index("req-new") > details
    assert "req-new" not in health
    assert "SubmitFeed" not in health


def test_connection_health_names_failures_and_waiting_calls(seller, backend):
    ok = log_entry(seller, 1)
    throttled = log_entry(seller, 2, http_status=503, error_code="RequestThrottled")
    lost = log_entry(seller, 3, http_status=None, error_family="transport")
    services.request_call(seller, "GetReportCount")
    quotas = services.quota_status(seller, active_only=True)

    failing = services.describe_connection_health([lost, throttled, ok], quotas)
    assert failing.level == "bad"
    assert failing.summary == (
        "The latest request to Amazon did not go through; 2 of the last 3 failed."
        " 1 request waiting for its turn."
    )
    assert failing.last_sent_at == lost.sent_at
    assert "RequestThrottled" not in failing.summary

    recovering = services.describe_connection_health([ok, throttled], [])
    assert recovering.level == "warn"
    assert "1 of the last 2 failed" in recovering.summary
    assert services.describe_connection_health([ok], []).summary == (
        "Healthy: the last request to Amazon went through."
    )
    unused = services.describe_connection_health([], [])
    assert (unused.level, unused.summary) == ("unknown", "No requests to Amazon yet.")
