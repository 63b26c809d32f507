"""The seller a partner's read-only request names, with its grant's scopes, kept briefly in the
shared cache so a busy partner's reads cost no query for it.

Each seller has a version token in the cache; an entry is the seller row (with
``granted_scopes``, the auth token deferred: never kept) together with the version it was read
under, and is trusted only while that version is current. Any save or delete of the seller or
of a grant on it (a service, the admin, a shell) gives the seller a new version, at once and
again when the transaction commits, so a revoked grant or a lost scope holds at once on every
web process: a copy read before the change can only be stored under a version nobody asks for
any more. Writes (POST, PUT, DELETE) always read the database.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from django.core.cache import cache
from django.db import transaction

if TYPE_CHECKING:
    from partners.models import Partner
    from sellers.models import Seller

GRANTED_SELLER_SECONDS = 30


def _version_key(seller_pk: int) -> str:
    return f"api-seller-version:{seller_pk}"


def _entry_key(partner_pk: int, seller_pk: int) -> str:
    return f"api-seller:{partner_pk}:{seller_pk}"


def _new_version(seller_pk: int) -> None:
    # No timeout: an entry outlives no version, and an evicted version starts a new one.
    cache.set(_version_key(seller_pk), secrets.token_hex(8), timeout=None)


def forget_granted_seller(seller_pk: int) -> None:
    """The seller or a grant on it changed: no request may trust a cached copy of it."""
    _new_version(seller_pk)
    # A request that read the row between now and the commit stored the old row under the
    # version just made; the commit's own version retires that copy too.
    transaction.on_commit(lambda: _new_version(seller_pk))


def granted_seller(partner: Partner, seller_pk: int) -> Seller | None:
    """The seller ``seller_pk`` if ``partner`` holds a grant on it (with ``granted_scopes``),
    else None; from the cache when read lately under the seller's current version."""
    version_key, entry_key = _version_key(seller_pk), _entry_key(partner.pk, seller_pk)
    found = cache.get_many([version_key, entry_key])
    version = found.get(version_key)
    entry = found.get(entry_key)
    if version is not None and entry is not None and entry[0] == version:
        return entry[1]
    seller = partner.granted_sellers().filter(pk=seller_pk).first()
    if version is None:
        # No version yet (or evicted): start one; the next request stores what it reads.
        cache.add(version_key, secrets.token_hex(8), timeout=None)
    elif seller is not None:
        cache.set(entry_key, (version, seller), timeout=GRANTED_SELLER_SECONDS)
    return seller
