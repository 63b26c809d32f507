"""Webhooks: registration rules, who hears what, signed deliveries to a receiver on loopback,
retries with backoff after a failure, and giving up after a day."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from partners import services as partner_services
from partners import webhooks
from partners.models import WebhookDelivery, WebhookEndpoint
from sellers import services


class Receiver:
    """A partner's endpoint on loopback: answers with the queued statuses, then 200, and keeps
    what it received with whether the signature checked out."""

    def __init__(self) -> None:
        self.statuses: list[int] = []
        self.received: list[dict] = []
        self.secret = ""
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                timestamp = self.headers["X-MWSPortal-Timestamp"]
                expected = hmac.new(
                    receiver.secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256
                ).hexdigest()
                receiver.received.append(
                    {
                        "body": json.loads(body),
                        "valid": hmac.compare_digest(
                            self.headers["X-MWSPortal-Signature"], f"sha256={expected}"
                        ),
                        "event": self.headers["X-MWSPortal-Event"],
                    }
                )
                self.send_response(receiver.statuses.pop(0) if receiver.statuses else 200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"


@pytest.fixture
def receiver(settings) -> Iterator[Receiver]:
    settings.DEBUG = True  # plain HTTP to loopback is a development allowance
    receiver = Receiver()
    thread = threading.Thread(target=receiver.server.serve_forever, daemon=True)
    thread.start()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


def _register(api, url: str, events: list[str]):
    return api.post("/api/v1/webhooks/", {"url": url, "events": events}, format="json")


def test_signed_delivery_is_retried_after_a_failure(api, seller, receiver):
    created = _register(api, receiver.url, ["seller.needs_reauthorization"])
    assert created.status_code == 201, created.content
    receiver.secret = created.json()["secret"]
    listed = api.get("/api/v1/webhooks/").json()["results"]
    assert "secret" not in listed[0]

    services.mark_needs_reauthorization(seller, reason="AccessDenied")
    receiver.statuses = [500]

    due = webhooks.dispatch_due()
    assert len(due) == 1
    assert webhooks.dispatch_due() == []  # leased: a doubled tick sends nothing twice
    delivery = webhooks.deliver(due[0])
    assert (delivery.state, delivery.attempts, delivery.last_status) == ("pending", 1, 500)
    pause = delivery.next_attempt_at - timezone.now()
    assert timedelta(seconds=20) < pause <= timedelta(seconds=30)

    assert webhooks.dispatch_due() == []
    later = timezone.now() + timedelta(seconds=31)
    assert webhooks.dispatch_due(now=later) == due
    delivery = webhooks.deliver(due[0])
    assert delivery.state == "delivered"
    assert [r["valid"] for r in receiver.received] == [True, True]
    body = receiver.received[-1]["body"]
    assert body["event"] == receiver.received[-1]["event"] == "seller.needs_reauthorization"
    assert body["seller"] == {"id": seller.pk, "seller_id": seller.seller_id}
    assert body["data"] == {"reason": "AccessDenied"}


def test_a_tampered_body_fails_the_signature(seller):
    signature = webhooks.sign("whsec_x", 1700000000, b'{"a":1}')
    assert signature != webhooks.sign("whsec_x", 1700000000, b'{"a":2}')
    assert signature != webhooks.sign("whsec_x", 1700000001, b'{"a":1}')
    assert signature != webhooks.sign("whsec_y", 1700000000, b'{"a":1}')


def test_delivery_gives_up_after_a_day(api, seller, settings):
    settings.DEBUG = True
    # Port 9 (discard) on loopback: nothing listens, every attempt fails at once.
    created = _register(api, "http://127.0.0.1:9/hook", ["seller.needs_reauthorization"])
    assert created.status_code == 201
    services.mark_needs_reauthorization(seller, reason="AccessDenied")
    delivery = WebhookDelivery.objects.get()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        created_at=timezone.now() - timedelta(hours=23, minutes=59, seconds=45)
    )
    delivery = webhooks.deliver(delivery.pk)
    assert delivery.state == "failed"
    assert delivery.last_error == "ConnectionError"
    assert delivery.next_attempt_at is None


@pytest.mark.parametrize(
    ("url", "debug", "accepted"),
    [
        ("https://hooks.example.com/x", False, True),
        ("http://hooks.example.com/x", True, False),
        ("http://127.0.0.1:8000/x", True, True),
        ("http://127.0.0.1:8000/x", False, False),
        ("ftp://hooks.example.com/x", True, False),
    ],
)
def test_only_https_or_loopback_in_development(api, settings, url, debug, accepted):
    settings.DEBUG = debug
    response = _register(api, url, ["feed.done"])
    assert (response.status_code == 201) is accepted
    if not accepted:
        assert response.json()["error"]["field"] == "url"


def test_unknown_event_names_the_field(api):
    response = _register(api, "https://hooks.example.com/x", ["report.eaten"])
    assert response.status_code == 400
    assert response.json()["error"]["field"].startswith("events")


def test_only_granted_partners_with_the_scope_hear_an_event(api, other_api, seller, partner):
    assert _register(api, "https://a.example.com/", ["feed.done"]).status_code == 201
    assert _register(other_api, "https://b.example.com/", ["feed.done"]).status_code == 201
    assert webhooks.emit(seller, "feed.done", {"feed": 1}) == 1
    assert WebhookDelivery.objects.get().endpoint.partner == partner
    partner_services.grant_partner(seller, partner, scopes=["read_reports"])
    assert webhooks.emit(seller, "feed.done", {"feed": 1}) == 0


def test_another_partners_endpoint_is_a_404(api, other_api):
    created = _register(api, "https://a.example.com/", ["feed.done"]).json()
    assert other_api.get(f"/api/v1/webhooks/{created['id']}/").status_code == 404
    assert other_api.delete(f"/api/v1/webhooks/{created['id']}/").status_code == 404
    assert other_api.get("/api/v1/webhooks/").json()["results"] == []
    assert api.delete(f"/api/v1/webhooks/{created['id']}/").status_code == 204
    assert not WebhookEndpoint.objects.exists()


def test_the_delivery_log_keeps_a_month_of_finished_deliveries(api, seller):
    assert _register(api, "https://a.example.com/", ["feed.done"]).status_code == 201
    for _ in range(3):
        webhooks.emit(seller, "feed.done", {"feed": 1})
    old, old_pending, recent = WebhookDelivery.objects.order_by("pk")
    WebhookDelivery.objects.filter(pk=old.pk).update(state="delivered")
    WebhookDelivery.objects.filter(pk=recent.pk).update(state="failed")
    WebhookDelivery.objects.filter(pk__in=[old.pk, old_pending.pk]).update(
        created_at=timezone.now() - timedelta(days=31)
    )
    assert webhooks.purge_deliveries() == 1
    assert set(WebhookDelivery.objects.values_list("pk", flat=True)) == {old_pending.pk, recent.pk}
