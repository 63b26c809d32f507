"""The demo data that ``make run`` seeds: idempotent, safe to run on every start."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from mwsportal.gateway.buckets import bucket_backend
from mwssandbox.config import load_config
from mwssandbox.marketplaces import MARKETPLACES as SANDBOX_MARKETPLACES
from reports.services import sync_report_list
from sellers.models import Seller, SellerMarketplace

DEMO_USERNAME = "demo@example.com"
DEMO_PASSWORD = "demo-password"  # noqa: S105 - a published demo login, development only
DEMO_STAFF_USERNAME = "admin@example.com"
DEMO_STAFF_PASSWORD = "admin-password"  # noqa: S105 - a published demo login, development only
# The sandbox's default config has this seller authorize the demo developer.
DEMO_SELLER_ID = "A1DEMOSELLER0001"
DEMO_SELLER_REGION = "NA"
DEMO_SELLER_NAME = "Demo Outdoor Goods"
# Long enough for every throttle bucket of the sandbox's catalog to refill.
SANDBOX_BUCKETS_FULL_AFTER_SECONDS = 3600.0


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    created: bool


def _ensure_user(username: str, password: str, *, staff: bool) -> DemoLogin:
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(
        username=username, defaults={"email": username, "is_staff": staff, "is_superuser": staff}
    )
    if created:
        user.set_password(password)
        user.save(update_fields=["password"])
    return DemoLogin(username, password, created)


def _ensure_demo_seller(owner: AbstractBaseUser) -> Seller:
    """Give the demo user the sandbox's already-authorized demo seller, as onboarding would
    have stored it. The token and marketplaces come from the sandbox's default config rather
    than from a call, so seeding works before the sandbox is started."""
    existing = (
        Seller.objects.for_user(owner)
        .filter(seller_id=DEMO_SELLER_ID, region=DEMO_SELLER_REGION)
        .first()
    )
    if existing is not None:
        return existing
    sandbox_seller = load_config().seller(DEMO_SELLER_ID)
    token = next(
        (
            grant.mws_auth_token
            for grant in (sandbox_seller.authorizations if sandbox_seller else ())
            if grant.access_key_id == settings.SANDBOX_DEMO_ACCESS_KEY_ID
        ),
        None,
    )
    if sandbox_seller is None or token is None:
        raise ImproperlyConfigured(
            f"The sandbox's default config no longer has {DEMO_SELLER_ID} authorizing the demo "
            f"developer {settings.SANDBOX_DEMO_ACCESS_KEY_ID}; update mwsportal/demo.py."
        )
    seller = Seller.objects.create(
        owner=owner,
        seller_id=DEMO_SELLER_ID,
        region=DEMO_SELLER_REGION,
        name=DEMO_SELLER_NAME,
        auth_token=token,
    )
    SellerMarketplace.objects.bulk_create(
        SellerMarketplace(
            seller=seller,
            marketplace_id=marketplace.marketplace_id,
            name=marketplace.name,
            country_code=marketplace.country,
            currency_code=marketplace.currency,
            language_code=marketplace.language,
            domain=marketplace.domain,
            has_suspended_listings=marketplace.marketplace_id in sandbox_seller.suspended_listings,
        )
        for marketplace in (SANDBOX_MARKETPLACES[mid] for mid in sandbox_seller.marketplaces)
    )
    return seller


def _queue_first_sync(seller: Seller) -> None:
    """Queue a real MWS call for the demo seller (a report-list sync through the gateway), so
    the dashboard's request log and quota show live traffic as soon as the worker runs,
    before anyone clicks anything. A seller whose authorization the demo user removed gets
    nothing."""
    if not seller.is_callable:
        return
    if settings.MWS_ENDPOINT.rstrip("/").endswith(settings.SANDBOX_ADDR):
        # The embedded sandbox starts every run with full buckets; without this, a fresh
        # database would take its Seller ID's buckets for empty and hold the call a minute.
        backend = bucket_backend()
        known_since = backend.now() - SANDBOX_BUCKETS_FULL_AFTER_SECONDS
        if backend.epoch() > known_since:
            backend.set_epoch(known_since)
    sync_report_list(seller)


@transaction.atomic
def seed_demo() -> list[DemoLogin]:
    """Create the demo seller user, its demo seller account and the demo staff user when they
    do not exist yet, and queue a first MWS call for the demo seller (one per run: a sync
    still waiting is not queued twice)."""
    logins = [
        _ensure_user(DEMO_USERNAME, DEMO_PASSWORD, staff=False),
        _ensure_user(DEMO_STAFF_USERNAME, DEMO_STAFF_PASSWORD, staff=True),
    ]
    seller = _ensure_demo_seller(get_user_model().objects.get(username=DEMO_USERNAME))
    _queue_first_sync(seller)
    return logins
