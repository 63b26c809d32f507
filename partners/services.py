"""Business actions on partners: their API keys, the grants sellers give them, what of a
seller's request log a grant shows, and forgetting the records no retry needs any more."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db.models import QuerySet
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from mwsportal.api.base import free_again
from mwsportal.gateway.models import RequestLogEntry
from mwsportal.gateway.mws import OPERATIONS
from partners import webhooks
from partners.models import ApiKey, Grant, IdempotentRequest, Partner
from sellers.models import Seller

logger = logging.getLogger(__name__)

API_KEY_PREFIX_BYTES = 6
API_KEY_SECRET_BYTES = 32
# A key's last use is written at most this often, so a busy key does not write on every request.
LAST_USED_RESOLUTION_SECONDS = 60


def _hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@sensitive_variables("key")
def create_api_key(
    partner: Partner, *, name: str, expires_at: datetime | None = None
) -> tuple[ApiKey, str]:
    """Make a key for ``partner``; returns the row and the key itself, which is never stored
    and must be shown to the partner now."""
    prefix = secrets.token_hex(API_KEY_PREFIX_BYTES)
    key = f"mwsp_{prefix}_{secrets.token_urlsafe(API_KEY_SECRET_BYTES)}"
    api_key = ApiKey.objects.create(
        partner=partner, name=name, prefix=prefix, hashed_key=_hash_key(key), expires_at=expires_at
    )
    logger.info("partner %s: API key %s created", partner.pk, prefix)
    return api_key, key


def revoke_api_key(api_key: ApiKey) -> None:
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])
        logger.info("partner %s: API key %s revoked", api_key.partner_id, api_key.prefix)


class ApiKeyRefused(Exception):
    """The key is missing, unknown, expired or revoked; the message says which (never the key)."""


# A verified key is kept this long in the shared cache, under its prefix, so a busy key costs
# no database query per request. Any change to the key or its partner (a revocation, an
# expiry set, a deactivation) replaces the entry with a marker that sends every request to
# the database until the entry has expired (see ``forget_verified_keys``), so a refusal holds
# at once on every web process. What is kept is the row: the key's SHA-256, never the key.
VERIFIED_KEY_SECONDS = 30
_CHANGED = "changed"


def _verified_cache_key(prefix: str) -> str:
    return f"api-key:{prefix}"


def forget_verified_keys(prefixes: Iterable[str]) -> None:
    """The keys with these prefixes changed: no request may trust a cached copy of them."""
    cache.set_many(
        {_verified_cache_key(prefix): _CHANGED for prefix in prefixes},
        timeout=VERIFIED_KEY_SECONDS,
    )


@sensitive_variables("key")
def authenticate_api_key(key: str) -> ApiKey:
    """The live key matching ``key``, with its partner; records its use.

    The row is found by the key's prefix (from the cache when it was verified lately) and the
    whole key checked against its SHA-256 in constant time."""
    parts = key.split("_")
    if len(parts) < 3 or parts[0] != "mwsp":
        raise ApiKeyRefused("The API key is not valid.")
    cache_key = _verified_cache_key(parts[1])
    cached = cache.get(cache_key)
    if isinstance(cached, ApiKey):
        api_key: ApiKey | None = cached
    else:
        api_key = ApiKey.objects.select_related("partner").filter(prefix=parts[1]).first()
    if api_key is None or not hmac.compare_digest(api_key.hashed_key, _hash_key(key)):
        raise ApiKeyRefused("The API key is not valid.")
    now = timezone.now()
    if api_key.revoked_at is not None:
        raise ApiKeyRefused("The API key was revoked.")
    if api_key.expires_at is not None and api_key.expires_at <= now:
        raise ApiKeyRefused("The API key has expired.")
    if not api_key.partner.is_active:
        raise ApiKeyRefused("The partner of this API key is deactivated.")
    stale = now - timedelta(seconds=LAST_USED_RESOLUTION_SECONDS)
    if api_key.last_used_at is None or api_key.last_used_at < stale:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now
        if cached is api_key:
            # The next request reads the row again and keeps it with its new last use.
            cache.delete(cache_key)
            return api_key
    if cached is None:
        # ``add``: a marker written by a change meanwhile is never replaced by this copy.
        cache.add(cache_key, api_key, timeout=VERIFIED_KEY_SECONDS)
    return api_key


def grant_partner(seller: Seller, partner: Partner, *, scopes: Iterable[str]) -> Grant:
    """Give ``partner`` access to ``seller`` with ``scopes`` (replacing earlier scopes)."""
    known = set(Grant.Scope.values)
    chosen = sorted(set(scopes))
    unknown = [scope for scope in chosen if scope not in known]
    if unknown:
        raise ValueError(f"Unknown scope(s): {', '.join(unknown)}")
    grant, _ = Grant.objects.update_or_create(
        seller=seller, partner=partner, defaults={"scopes": chosen}
    )
    logger.info("seller %s granted partner %s: %s", seller.pk, partner.pk, ",".join(chosen))
    return grant


def revoke_grant(grant: Grant) -> None:
    logger.info("seller %s revoked partner %s", grant.seller_id, grant.partner_id)
    grant.delete()


# A logged MWS call is activity of what its API section concerns, so a partner reads it only
# with a scope that lets it see that: report calls with either report scope, feed calls with
# the feed scope. The Sellers section's calls (marketplaces, service status) concern the seller
# account itself, which every grant shows.
LOG_SECTION_SCOPES: dict[str, frozenset[str]] = {
    "Reports": frozenset({Grant.Scope.READ_REPORTS, Grant.Scope.REQUEST_REPORTS}),
    "Feeds": frozenset({Grant.Scope.SUBMIT_FEEDS}),
    "Sellers": frozenset(Grant.Scope.values),
}


def partner_request_log(
    seller: Seller, scopes: Iterable[str], *, operation: str | None = None
) -> QuerySet[RequestLogEntry]:
    """The seller's request log as a partner with ``scopes`` may read it: only the calls of
    operations a granted scope covers (an operation outside the catalog is never shown)."""
    granted = set(scopes)
    visible = [op.name for op in OPERATIONS.values() if granted & LOG_SECTION_SCOPES[op.section]]
    rows = RequestLogEntry.objects.filter(seller=seller, operation__in=visible)
    return rows.filter(operation=operation) if operation else rows


def purge_expired_records(*, now: datetime | None = None) -> int:
    """Forget the Idempotency-Keys no retry can use any more and the finished webhook
    deliveries past the log's retention; returns the rows deleted."""
    now = now or timezone.now()
    deleted, _ = IdempotentRequest.objects.filter(free_again(now)).delete()
    return deleted + webhooks.purge_deliveries(now=now)
