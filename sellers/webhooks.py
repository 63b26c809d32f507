"""Webhooks: partners hear about their sellers' reports, feeds and authorizations.

``emit`` writes one ``WebhookDelivery`` per subscribed endpoint inside the caller's
transaction (usually a gateway result handler), so an event is never lost between the state
change and its notice. The beat task ``webhooks.dispatch`` hands due deliveries to workers by
id; ``deliver`` POSTs the JSON body signed with HMAC-SHA256 over ``<timestamp>.<body>`` and,
on failure, schedules the next attempt with a growing pause until a day has passed.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import secrets
import time
import uuid
from collections.abc import Iterable
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from sellers.models import Grant, Partner, Seller, WebhookDelivery, WebhookEndpoint

logger = logging.getLogger(__name__)

Event = WebhookEndpoint.Event
# Pauses after the 1st, 2nd, ... failed attempt; the last one repeats until GIVE_UP_AFTER.
BACKOFF_SECONDS = (30, 120, 600, 1800, 3600, 3 * 3600, 6 * 3600)
GIVE_UP_AFTER = timedelta(days=1)
# Finished deliveries stay in the admin's delivery log this long.
LOG_RETENTION = timedelta(days=30)
# A delivery handed to a worker is not handed out again for this long.
LEASE = timedelta(minutes=5)
TIMEOUT_SECONDS = 10
# The scope a grant needs for the partner to hear of an event (None: any grant).
EVENT_SCOPES: dict[str, set[str] | None] = {
    Event.REPORT_DONE: {Grant.Scope.READ_REPORTS, Grant.Scope.REQUEST_REPORTS},
    Event.REPORT_FAILED: {Grant.Scope.READ_REPORTS, Grant.Scope.REQUEST_REPORTS},
    Event.FEED_DONE: {Grant.Scope.SUBMIT_FEEDS},
    Event.SELLER_NEEDS_REAUTH: None,
}
SIGNATURE_HEADER = "X-MWSPortal-Signature"
TIMESTAMP_HEADER = "X-MWSPortal-Timestamp"


class EndpointRefused(ValueError):
    """The URL or the events cannot be used; the message says why."""


def check_url(url: str) -> str:
    """HTTPS only; plain HTTP to a loopback address in development (DEBUG) only."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return url
    if parts.scheme == "http" and settings.DEBUG and _is_loopback(parts.hostname or ""):
        return url
    raise EndpointRefused(
        "Webhook URLs must use https:// (http:// only to a loopback address in development)."
    )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@sensitive_variables("secret")
def register_endpoint(
    partner: Partner, *, url: str, events: Iterable[str]
) -> tuple[WebhookEndpoint, str]:
    """Store an endpoint; returns it and its signing secret, which is shown only now."""
    chosen = sorted(set(events))
    unknown = [e for e in chosen if e not in Event.values]
    if not chosen or unknown:
        raise EndpointRefused(f"Choose events among: {', '.join(Event.values)}.")
    secret = f"whsec_{secrets.token_urlsafe(32)}"
    endpoint = WebhookEndpoint.objects.create(
        partner=partner, url=check_url(url), events=chosen, secret=secret
    )
    logger.info("partner %s: webhook endpoint %s registered", partner.pk, endpoint.pk)
    return endpoint, secret


def remove_endpoint(endpoint: WebhookEndpoint) -> None:
    logger.info("partner %s: webhook endpoint %s removed", endpoint.partner_id, endpoint.pk)
    endpoint.delete()


@sensitive_variables("secret")
def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"sha256={digest.hexdigest()}"


def emit(seller: Seller, event: str, data: dict[str, Any]) -> int:
    """Queue ``event`` for every endpoint of every partner the seller granted that may hear it;
    returns the deliveries written."""
    grants = Grant.objects.filter(seller=seller, partner__is_active=True)
    needed = EVENT_SCOPES[event]
    partners = [g.partner_id for g in grants if needed is None or needed & set(g.scopes)]
    if not partners:
        return 0
    # A partner has a handful of endpoints; SQLite cannot filter inside a JSON list.
    endpoints = [
        e
        for e in WebhookEndpoint.objects.filter(partner_id__in=partners, is_active=True)
        if event in e.events
    ]
    now = timezone.now()
    deliveries = [
        WebhookDelivery(
            endpoint=endpoint,
            event=event,
            payload={
                "id": str(uuid.uuid4()),
                "event": event,
                "created_at": now.isoformat(),
                "seller": {"id": seller.pk, "seller_id": seller.seller_id},
                "data": data,
            },
            next_attempt_at=now,
        )
        for endpoint in endpoints
    ]
    WebhookDelivery.objects.bulk_create(deliveries)
    return len(deliveries)


def dispatch_due(*, now: Any = None, limit: int = 500) -> list[int]:
    """Lease the deliveries whose attempt is due; returns their ids for the workers."""
    now = now or timezone.now()
    with transaction.atomic():
        due = list(
            WebhookDelivery.objects.filter(
                state=WebhookDelivery.State.PENDING, next_attempt_at__lte=now
            )
            .order_by("next_attempt_at")
            .values_list("pk", flat=True)[:limit]
        )
        WebhookDelivery.objects.filter(pk__in=due).update(next_attempt_at=now + LEASE)
    return due


def deliver(delivery_id: int) -> WebhookDelivery | None:
    """One attempt; returns the delivery as it stands after it (None when it is gone)."""
    delivery = WebhookDelivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None or delivery.state != WebhookDelivery.State.PENDING:
        return delivery
    endpoint = delivery.endpoint
    body = json.dumps(delivery.payload, cls=DjangoJSONEncoder).encode()
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "MWSPortal-Webhooks/1",
        "X-MWSPortal-Event": delivery.event,
        "X-MWSPortal-Delivery": str(delivery.pk),
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: sign(endpoint.secret, timestamp, body),
    }
    delivery.attempts += 1
    try:
        response = requests.post(
            endpoint.url,
            data=body,
            headers=headers,
            timeout=TIMEOUT_SECONDS,
            allow_redirects=False,
            # Only the status matters: the endpoint's answer body is never downloaded.
            stream=True,
        )
        response.close()
    except requests.RequestException as error:
        delivery.last_status = None
        delivery.last_error = type(error).__name__
    else:
        delivery.last_status = response.status_code
        delivery.last_error = "" if response.ok else f"HTTP {response.status_code}"
        if response.ok:
            delivery.state = WebhookDelivery.State.DELIVERED
            delivery.delivered_at = timezone.now()
            delivery.next_attempt_at = None
            delivery.save()
            return delivery
    _schedule_retry(delivery)
    delivery.save()
    return delivery


def _schedule_retry(delivery: WebhookDelivery) -> None:
    pause = BACKOFF_SECONDS[min(delivery.attempts, len(BACKOFF_SECONDS)) - 1]
    next_at = timezone.now() + timedelta(seconds=pause)
    if next_at > delivery.created_at + GIVE_UP_AFTER:
        delivery.state = WebhookDelivery.State.FAILED
        delivery.next_attempt_at = None
        logger.warning(
            "webhook delivery %s to endpoint %s given up after %s attempts",
            delivery.pk,
            delivery.endpoint_id,
            delivery.attempts,
        )
    else:
        delivery.next_attempt_at = next_at


def purge_deliveries(*, now: Any = None) -> int:
    """Delete the finished deliveries older than LOG_RETENTION; returns how many."""
    cutoff = (now or timezone.now()) - LOG_RETENTION
    deleted, _ = (
        WebhookDelivery.objects.filter(created_at__lt=cutoff)
        .exclude(state=WebhookDelivery.State.PENDING)
        .delete()
    )
    return deleted
