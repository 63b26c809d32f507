"""Webhooks: partners hear about their sellers' reports, feeds and authorizations.

``emit`` writes one ``WebhookDelivery`` per subscribed endpoint inside the caller's
transaction (usually a gateway result handler), so an event is never lost between the state
change and its notice. The beat task ``webhooks.dispatch`` hands due deliveries to workers by
id; ``deliver`` POSTs the JSON body signed with HMAC-SHA256 over ``<timestamp>.<body>`` and,
on failure, schedules the next attempt with a growing pause until a day has passed.

A webhook URL is the partner's to choose, so it is checked like untrusted input each time it
is used: the host is resolved at registration and again at every delivery (DNS can change in
between), every address must be public, and the POST goes to the address that was checked,
with TLS still verifying the certificate for the URL's host name. Deliveries run on a queue of
their own, one at a time per endpoint, so an endpoint that never answers costs one webhook
worker slot and nothing on the queue of MWS calls.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import secrets
import socket
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
from django.conf import settings
from django.core.mail import send_mail
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Min
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from partners.models import Grant, Partner, WebhookDelivery, WebhookEndpoint
from sellers.models import Seller

logger = logging.getLogger(__name__)

Event = WebhookEndpoint.Event
# Pauses after the 1st, 2nd, ... failed attempt; the last one repeats until GIVE_UP_AFTER.
BACKOFF_SECONDS = (30, 120, 600, 1800, 3600, 3 * 3600, 6 * 3600)
GIVE_UP_AFTER = timedelta(days=1)
# Finished deliveries stay in the admin's delivery log this long.
LOG_RETENTION = timedelta(days=30)
# A delivery handed to a worker is not handed out again for this long.
LEASE = timedelta(minutes=5)
# Seconds to open the connection, then to wait for the answer's status line: a server that
# never answers frees the worker slot within their sum.
CONNECT_TIMEOUT_SECONDS = 3
READ_TIMEOUT_SECONDS = 7
# An endpoint whose every attempt failed for this long is disabled and its partner told.
DISABLE_AFTER = timedelta(days=2)
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


Resolver = Callable[[str, int], list[str]]


def resolve_host(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for ``host``."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


# How host names are resolved; the tests put in a resolver of their own, so that no test ever
# sends a DNS query.
resolver: Resolver = resolve_host


@dataclass(frozen=True)
class Target:
    """A checked webhook URL and the address that was checked, which is where it is sent."""

    scheme: str
    host: str
    port: int
    address: str
    path: str
    query: str

    @property
    def pinned_url(self) -> str:
        """The URL with its host replaced by the checked address."""
        host = f"[{self.address}]" if ":" in self.address else self.address
        return urlunsplit((self.scheme, f"{host}:{self.port}", self.path or "/", self.query, ""))

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"


def _refusal_of(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why a webhook may not be sent to ``address`` (None: it may)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    if address.is_loopback:
        return None if settings.DEBUG else "a loopback address"
    for reason, matches in (
        ("an unspecified address", address.is_unspecified),
        ("a link-local address", address.is_link_local),
        ("a multicast address", address.is_multicast),
        ("a private address", address.is_private),
        ("a reserved address", address.is_reserved),
        ("not a public address", not address.is_global),
    ):
        if matches:
            return reason
    return None


def check_url(url: str) -> Target:
    """HTTPS to public addresses only; loopback (and plain HTTP to it) in development (DEBUG)
    only. Returns the target with the first address the host resolved to; every one of them
    must be allowed, or a second lookup could pick the internal one."""
    parts = urlsplit(url)
    if parts.username is not None or parts.password is not None:
        raise EndpointRefused("Webhook URLs must not carry a user name or password.")
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise EndpointRefused(
            "Webhook URLs must use https:// (http:// only to a loopback address in development)."
        )
    try:
        port = parts.port if parts.port is not None else (443 if parts.scheme == "https" else 80)
    except ValueError:
        port = 0
    if not 0 < port <= 65535:
        raise EndpointRefused("The webhook URL's port is not a number from 1 to 65535.")
    host = parts.hostname
    try:
        addresses = [ipaddress.ip_address(host)] if _is_ip(host) else _resolved(host, port)
    except (OSError, UnicodeError, ValueError):
        raise EndpointRefused(f"The webhook host {host} could not be resolved.") from None
    if not addresses:
        raise EndpointRefused(f"The webhook host {host} could not be resolved.")
    for address in addresses:
        reason = _refusal_of(address)
        if reason is not None:
            raise EndpointRefused(
                f"Webhook URLs must point to a public address; {host} is {reason} ({address})."
            )
    if parts.scheme == "http" and not all(a.is_loopback for a in addresses):
        raise EndpointRefused(
            "Webhook URLs must use https:// (http:// only to a loopback address in development)."
        )
    return Target(parts.scheme, host, port, str(addresses[0]), parts.path, parts.query)


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _resolved(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    # A scoped IPv6 address ("fe80::1%eth0") is checked without its zone.
    return [ipaddress.ip_address(address.split("%")[0]) for address in resolver(host, port)]


class _PinnedHostAdapter(requests.adapters.HTTPAdapter):
    """Connects to the address in the URL while TLS sends the host name as SNI and checks the
    certificate against it, as if the URL had named the host."""

    def __init__(self, host: str) -> None:
        self._host = host
        super().__init__()

    def init_poolmanager(self, *args: Any, **pool_kwargs: Any) -> None:
        super().init_poolmanager(
            *args, server_hostname=self._host, assert_hostname=self._host, **pool_kwargs
        )


def _post(target: Target, body: bytes, headers: dict[str, str]) -> requests.Response:
    with requests.Session() as session:
        # No proxy from the environment: the checked address is the one to connect to.
        session.trust_env = False
        if target.scheme == "https":
            session.mount("https://", _PinnedHostAdapter(target.host))
        return session.post(
            target.pinned_url,
            data=body,
            headers={**headers, "Host": target.host_header},
            timeout=(CONNECT_TIMEOUT_SECONDS, READ_TIMEOUT_SECONDS),
            allow_redirects=False,
            # Only the status matters: the endpoint's answer body is never downloaded.
            stream=True,
        )


@sensitive_variables("secret")
def register_endpoint(
    partner: Partner, *, url: str, events: Iterable[str]
) -> tuple[WebhookEndpoint, str]:
    """Store an endpoint; returns it and its signing secret, which is shown only now."""
    chosen = sorted(set(events))
    unknown = [e for e in chosen if e not in Event.values]
    if not chosen or unknown:
        raise EndpointRefused(f"Choose events among: {', '.join(Event.values)}.")
    check_url(url)
    secret = f"whsec_{secrets.token_urlsafe(32)}"
    limit = settings.WEBHOOK_ENDPOINTS_PER_PARTNER
    with transaction.atomic():
        # The partner's row is locked so two registrations at once cannot both pass the count.
        Partner.objects.select_for_update().filter(pk=partner.pk).first()
        if WebhookEndpoint.objects.filter(partner=partner).count() >= limit:
            raise EndpointRefused(
                f"A partner may register at most {limit} webhook endpoints; remove one first."
            )
        endpoint = WebhookEndpoint.objects.create(
            partner=partner, url=url, events=chosen, secret=secret
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
    """Lease the oldest due delivery of each endpoint that has none in a worker's hands;
    returns their ids for the workers."""
    now = now or timezone.now()
    with transaction.atomic():
        due = list(
            WebhookDelivery.objects.filter(
                state=WebhookDelivery.State.PENDING,
                next_attempt_at__lte=now,
                endpoint__is_active=True,
            )
            .exclude(endpoint__busy_until__gt=now)
            .values("endpoint_id")
            .annotate(first=Min("pk"))
            .order_by("first")
            .values_list("first", flat=True)[:limit]
        )
        WebhookDelivery.objects.filter(pk__in=due).update(next_attempt_at=now + LEASE)
        WebhookEndpoint.objects.filter(deliveries__pk__in=due).update(busy_until=now + LEASE)
    return due


def deliver(delivery_id: int) -> WebhookDelivery | None:
    """One attempt; returns the delivery as it stands after it (None when it is gone)."""
    delivery = WebhookDelivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None or delivery.state != WebhookDelivery.State.PENDING:
        return delivery
    endpoint = delivery.endpoint
    try:
        _attempt(delivery)
    finally:
        # The endpoint's next delivery may go out now, whatever happened to this one.
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(busy_until=None)
    return delivery


def _attempt(delivery: WebhookDelivery) -> None:
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
    delivery.last_status = None
    try:
        # Resolved again: the address checked at registration may not be the one now.
        response = _post(check_url(endpoint.url), body, headers)
        response.close()
    except EndpointRefused as refusal:
        delivery.last_error = str(refusal)
    except requests.RequestException as error:
        delivery.last_error = type(error).__name__
    else:
        delivery.last_status = response.status_code
        delivery.last_error = "" if response.ok else f"HTTP {response.status_code}"
        if response.ok:
            delivery.state = WebhookDelivery.State.DELIVERED
            delivery.delivered_at = timezone.now()
            delivery.next_attempt_at = None
            delivery.save()
            WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failing_since=None)
            return
    _schedule_retry(delivery)
    delivery.save()
    _note_failure(endpoint, delivery.last_error)


def _note_failure(endpoint: WebhookEndpoint, error: str) -> None:
    now = timezone.now()
    WebhookEndpoint.objects.filter(pk=endpoint.pk, failing_since=None).update(failing_since=now)
    endpoint.refresh_from_db(fields=["failing_since", "is_active"])
    failing_since = endpoint.failing_since
    if endpoint.is_active and failing_since is not None and failing_since <= now - DISABLE_AFTER:
        disable_endpoint(endpoint, reason=f"Every delivery failed for two days (last: {error}).")


def disable_endpoint(endpoint: WebhookEndpoint, *, reason: str) -> None:
    """Stop sending to ``endpoint``: its pending deliveries are given up, no new ones are
    written, and the partner is told by mail (and sees the reason in the API)."""
    with transaction.atomic():
        endpoint.is_active = False
        endpoint.disabled_at = timezone.now()
        endpoint.disabled_reason = reason
        endpoint.save(update_fields=["is_active", "disabled_at", "disabled_reason"])
        endpoint.deliveries.filter(state=WebhookDelivery.State.PENDING).update(
            state=WebhookDelivery.State.FAILED, next_attempt_at=None
        )
    logger.warning(
        "partner %s: webhook endpoint %s disabled: %s", endpoint.partner_id, endpoint.pk, reason
    )
    contact = endpoint.partner.contact_email
    if contact:
        send_mail(
            "MWS Portal: a webhook endpoint was disabled",
            f"The webhook endpoint {endpoint.url} (id {endpoint.pk}) was disabled: {reason}\n\n"
            "No more events are sent to it. Once it accepts deliveries again, remove it "
            f"(DELETE /api/v1/webhooks/{endpoint.pk}/) and register it anew.\n",
            None,
            [contact],
        )


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
