"""Business actions on seller accounts, called alike by views, the admin, tasks and the gateway.

Every action that stores a token first proves it with ``ListMarketplaceParticipations`` and
stores nothing when MWS says no. Failures become ``AuthorizationCheckFailed`` whose message is
written for the seller: what went wrong and what to do about it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from mwsportal.developer import developer_account
from mwsportal.gateway.handlers import MAX_PAGING_RESTARTS
from mwsportal.gateway.interactive import INTERACTIVE_MAX_WAIT_SECONDS, BucketBusy, call_now
from mwsportal.gateway.models import RequestLogEntry
from mwsportal.gateway.mws import (
    MARKETPLACES,
    REGIONS,
    ListMarketplaceParticipationsResult,
    get_operation,
    has_more,
)
from mwsportal.gateway.mws import errors as mws_errors
from mwsportal.keyset import Page, SortColumn, keyset_page, parse_sort
from sellers import notices, signals
from sellers.models import Seller, SellerMarketplace

logger = logging.getLogger(__name__)

# Merchant tokens are upper-case letters and digits (A1EXAMPLE ... A3F1LGRLCQDI4D).
SELLER_ID_RE = re.compile(r"^[A-Z0-9]{8,20}$")
# amzn.mws. followed by a UUID; the guide's own example has letters beyond a-f in it.
AUTH_TOKEN_RE = re.compile(
    r"^amzn\.mws\.[0-9A-Za-z]{8}-[0-9A-Za-z]{4}-[0-9A-Za-z]{4}-[0-9A-Za-z]{4}-[0-9A-Za-z]{12}$"
)
PARTICIPATIONS = "ListMarketplaceParticipations"
# A person waits on the page for these checks: a short timeout (and the gateway's one quick
# resend) instead of the guide's background schedule.
INTERACTIVE_TIMEOUT_SECONDS = 20
# When a worker's check met a server error, the guide's advice: back off, then try again.
SERVER_ERROR_RETRY_SECONDS = 60.0
# A seller sells in a handful of marketplaces; more pages than this is a listing gone wrong
# (a NextToken that never ends), not an account.
MAX_PARTICIPATION_PAGES = 20
MARKETPLACE_FIELDS = (
    "name",
    "country_code",
    "currency_code",
    "language_code",
    "domain",
    "has_suspended_listings",
)


class AuthorizationCheckFailed(Exception):
    """An authorization could not be proven; ``message`` tells the seller what to do.

    ``field`` names the form field the message belongs to (None: the whole form).
    ``access_denied`` is True when MWS refused the Seller ID and token themselves.
    """

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        access_denied: bool = False,
        retry_in: float | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.field = field
        self.access_denied = access_denied
        # Seconds until the same check can succeed, when the seller's quota is what stopped it.
        self.retry_in = retry_in


@dataclass(frozen=True)
class Participation:
    marketplace_id: str
    name: str
    country_code: str
    currency_code: str
    language_code: str
    domain: str
    has_suspended_listings: bool

    @property
    def region(self) -> str | None:
        """The MWS region of a retail marketplace; None for others (Amazon Pay, IBA ...)."""
        known = MARKETPLACES.get(self.marketplace_id)
        return known.region if known else None


# ---- input checks ---------------------------------------------------------------------------


def clean_region(raw: str) -> str:
    region = raw.strip().upper()
    if region not in REGIONS:
        raise AuthorizationCheckFailed("Choose one of the regions in the list.", field="region")
    return region


def clean_seller_id(raw: str) -> str:
    seller_id = raw.strip().upper()
    if not SELLER_ID_RE.match(seller_id):
        raise AuthorizationCheckFailed(
            "This is not a Seller ID. It is 8 to 20 capital letters and digits, such as "
            "A1B2C3D4E5F6G7: Seller Central shows it under Settings > Account Info > "
            "Merchant Token, and on the page that confirms the authorization.",
            field="seller_id",
        )
    return seller_id


@sensitive_variables("raw", "token")
def clean_auth_token(raw: str) -> str:
    token = raw.strip()
    if not AUTH_TOKEN_RE.match(token):
        raise AuthorizationCheckFailed(
            "This is not an MWS Authorization Token. It starts with amzn.mws. followed by 36 "
            "letters, digits and dashes; copy it whole from the page Seller Central shows "
            "after you authorize the developer.",
            field="auth_token",
        )
    return token


# ---- the MWS check ---------------------------------------------------------------------------


@sensitive_variables("auth_token")
def check_authorization(
    *,
    region: str,
    seller_id: str,
    auth_token: str,
    seller: Seller | None = None,
    logged: list[RequestLogEntry] | None = None,
    waiting: bool = True,
) -> list[Participation]:
    """The retail marketplaces the seller sells in, read with ListMarketplaceParticipations
    (every page).

    The calls go through the gateway at once (``call_now``): they take tokens from the Seller
    ID's bucket and are written to the request log, for ``seller`` when it is stored already
    (``logged`` receives the entries, for a seller stored afterwards). ``waiting``: a person
    waits on the page, so a token due within a few seconds is waited for and a server error
    resent once; a worker (``waiting=False``) never sleeps: it gets the failure with
    ``retry_in`` and schedules itself again.

    Raises ``AuthorizationCheckFailed`` when MWS refuses, cannot be reached, or lists only
    marketplaces of another region.
    """
    developer = developer_account(region)
    try:
        pages = _participation_pages(region, seller_id, auth_token, seller, logged, waiting)
    except BucketBusy as busy:
        raise AuthorizationCheckFailed(
            "This seller account has used up its Amazon MWS requests for checking the "
            f"authorization for now. Nothing was saved; try again in {max(1, round(busy.retry_in))}"
            " seconds.",
            retry_in=busy.retry_in,
        ) from None
    except mws_errors.AccessDeniedError:
        raise AuthorizationCheckFailed(
            f"Amazon refused this Seller ID and token for the developer "
            f"“{developer.developer_name}” (account {developer.developer_id}). Check that the "
            f"Seller ID is the one of the account you logged in to in Seller Central, that you "
            f"authorized developer account {developer.developer_id} there, and that you copied "
            f"the token shown after that authorization (not one made for another developer). "
            "Nothing was saved.",
            access_denied=True,
        ) from None
    except (mws_errors.ThrottledError, mws_errors.QuotaExceededError):
        raise AuthorizationCheckFailed(
            "Amazon MWS is receiving too many requests for this seller account right now. "
            "Nothing was saved; wait a minute and try again."
        ) from None
    except (mws_errors.ServerError, mws_errors.TransportError):
        raise AuthorizationCheckFailed(
            "Amazon MWS is not answering right now. Nothing was saved; try again in a few minutes.",
            retry_in=SERVER_ERROR_RETRY_SECONDS,
        ) from None
    except mws_errors.InvalidCredentialsError as error:
        logger.error(
            "MWS refused the developer keys of region %s (%s); check MWS_ACCESS_KEY_ID and "
            "MWS_SECRET_KEY",
            region,
            error.code,
        )
        raise AuthorizationCheckFailed(
            "The portal cannot sign in to Amazon MWS at the moment. This is on our side, not "
            "yours. Nothing was saved and the operator has been alerted; try again later."
        ) from None
    except mws_errors.MWSError as error:
        logger.warning("ListMarketplaceParticipations failed for seller %s: %s", seller_id, error)
        raise AuthorizationCheckFailed(
            f"Amazon MWS answered with an error we did not expect ({error.code or 'no code'}). "
            "Nothing was saved; try again later."
        ) from None
    participations = _participations(pages)
    _require_region(region, participations)
    # MWS also lists marketplaces an account only takes part in (IBA, Amazon Pay ...); the
    # portal keeps the ones a seller can sell in, where reports and feeds make sense.
    return [p for p in participations if p.region is not None]


@sensitive_variables("auth_token")
def _participation_pages(
    region: str,
    seller_id: str,
    auth_token: str,
    seller: Seller | None,
    logged: list[RequestLogEntry] | None,
    waiting: bool,
) -> list[ListMarketplaceParticipationsResult]:
    """Every page of the listing, each page one call through the gateway."""
    common = {
        "region": region,
        "seller_id": seller_id,
        "auth_token": auth_token,
        "seller": seller,
        "logged": logged,
        "timeout": min(settings.MWS_REQUEST_TIMEOUT, INTERACTIVE_TIMEOUT_SECONDS),
        "max_wait": INTERACTIVE_MAX_WAIT_SECONDS if waiting else 0.0,
        "retries": 1 if waiting else 0,
    }
    op = get_operation(PARTICIPATIONS)
    restarts = 0
    while True:
        pages = [call_now(op.name, **common).result]
        try:
            while has_more(op.paging, pages[-1]):
                if len(pages) >= MAX_PARTICIPATION_PAGES:
                    raise mws_errors.InvalidResponseError(
                        f"{op.name} had more than {MAX_PARTICIPATION_PAGES} pages",
                        operation=op.name,
                    )
                token = pages[-1].next_token
                pages.append(
                    call_now(op.next_token_operation, {"NextToken": token}, **common).result
                )
        except mws_errors.NextTokenCorruptedError:
            # The guide: call the original operation again. A token refused every time
            # fails the check like any other unexpected error.
            if restarts >= MAX_PAGING_RESTARTS:
                raise
            restarts += 1
            continue
        return pages


def _participations(pages: Iterable[ListMarketplaceParticipationsResult]) -> list[Participation]:
    described = {}
    suspended: dict[str, bool] = {}
    for page in pages:
        described.update({m.marketplace_id: m for m in page.marketplaces})
        for participation in page.participations:
            suspended[participation.marketplace_id] = participation.has_seller_suspended_listings
    result = []
    for marketplace_id, has_suspended in suspended.items():
        info = described.get(marketplace_id)
        result.append(
            Participation(
                marketplace_id=marketplace_id,
                name=(info and info.name) or marketplace_id,
                country_code=(info and info.default_country_code) or "",
                currency_code=(info and info.default_currency_code) or "",
                language_code=(info and info.default_language_code) or "",
                domain=(info and info.domain_name) or "",
                has_suspended_listings=has_suspended,
            )
        )
    return result


def _require_region(region: str, participations: list[Participation]) -> None:
    regions = {p.region for p in participations if p.region}
    if region in regions:
        return
    if regions:
        names = ", ".join(sorted(p.name for p in participations if p.region))
        elsewhere = " and ".join(sorted(REGIONS[code].name for code in regions))
        raise AuthorizationCheckFailed(
            f"This seller account sells in {elsewhere} ({names}), not in "
            f"{REGIONS[region].name}. Start again and choose {elsewhere}: the authorization "
            f"must be made in that region's Seller Central.",
            field="region",
        )
    raise AuthorizationCheckFailed(
        f"Amazon lists no marketplace in {REGIONS[region].name} where this seller account is "
        "active. Check in Seller Central that the account can sell, then try again."
    )


# ---- actions ---------------------------------------------------------------------------------


@sensitive_variables("auth_token", "token")
def onboard_seller(
    *, owner: AbstractBaseUser, region: str, seller_id: str, auth_token: str, name: str = ""
) -> Seller:
    """Connect a seller account after MWS accepted its Seller ID and token.

    Connecting a seller account that the owner removed earlier revives that row.
    """
    region = clean_region(region)
    seller_id = clean_seller_id(seller_id)
    token = clean_auth_token(auth_token)
    existing = Seller.objects.for_user(owner).filter(seller_id=seller_id, region=region).first()
    if existing is not None and existing.status != Seller.Status.REMOVED:
        raise _already_connected(existing)
    logged: list[RequestLogEntry] = []
    participations = check_authorization(
        region=region, seller_id=seller_id, auth_token=token, seller=existing, logged=logged
    )
    seller = existing or Seller(owner=owner, seller_id=seller_id, region=region)
    seller.name = name.strip() or seller.name or seller_id
    try:
        _store_authorization(seller, token, participations)
    except IntegrityError:
        # Two submissions raced past the check above; the first one won.
        raise _already_connected(
            Seller.objects.for_user(owner).get(seller_id=seller_id, region=region)
        ) from None
    # The check ran before the row existed: its log entries now belong to the new seller.
    RequestLogEntry.objects.filter(pk__in=[e.pk for e in logged], seller=None).update(seller=seller)
    logger.info(
        "user %s connected seller %s (%s, %s)", owner.pk, seller.pk, seller.seller_id, region
    )
    return seller


def _already_connected(seller: Seller) -> AuthorizationCheckFailed:
    return AuthorizationCheckFailed(
        f"You have already connected this seller account as “{seller.name}”. To use a new "
        "token for it, open its settings and replace the token there.",
        field="seller_id",
    )


def verify_seller(seller: Seller, *, waiting: bool = True) -> None:
    """Check the stored authorization now and refresh the marketplaces. ``waiting=False``
    for workers: see ``check_authorization``.

    On AccessDenied the seller is flagged for re-authorization before the error is raised;
    other failures change nothing. A suspended seller is refused without a call.
    """
    _refuse_suspended(seller)
    if not seller.auth_token:
        raise AuthorizationCheckFailed(
            "This seller account has no authorization any more. Paste a new token to connect it "
            "again."
        )
    try:
        participations = check_authorization(
            region=seller.region,
            seller_id=seller.seller_id,
            auth_token=seller.auth_token,
            seller=seller,
            waiting=waiting,
        )
    except AuthorizationCheckFailed as failure:
        if not failure.access_denied:
            raise
        mark_needs_reauthorization(
            seller,
            reason="Amazon MWS refused the stored token (AccessDenied) during a verification. "
            "The authorization was probably revoked in Seller Central or has expired; paste a "
            "new token to continue.",
        )
        # The Seller ID was accepted before, so the token is what changed.
        raise AuthorizationCheckFailed(
            "Amazon no longer accepts the stored token for this seller account: the "
            "authorization was revoked in Seller Central or has expired. Authorize the "
            "developer again and paste the new token under “Replace the token”.",
            access_denied=True,
        ) from None
    _store_authorization(seller, seller.auth_token, participations)
    logger.info("seller %s (%s) verified", seller.pk, seller.seller_id)


@sensitive_variables("auth_token", "token")
def replace_token(seller: Seller, *, auth_token: str) -> None:
    """Store a new token once MWS accepted it; the old one stays until then. A suspended
    seller is refused without a call."""
    _refuse_suspended(seller)
    token = clean_auth_token(auth_token)
    participations = check_authorization(
        region=seller.region, seller_id=seller.seller_id, auth_token=token, seller=seller
    )
    store_authorization(seller, auth_token=token, participations=participations)


def _refuse_suspended(seller: Seller) -> None:
    """Staff stopped every MWS call for this seller: checking its token would be one."""
    if seller.status == Seller.Status.SUSPENDED:
        reason = seller.status_reason or "Suspended by staff."
        raise AuthorizationCheckFailed(
            f"This seller account is suspended ({reason.rstrip('.')}), so the portal makes no "
            "call to Amazon for it, not even to check its token. Nothing was changed. Contact "
            "support to have the suspension lifted."
        )


@sensitive_variables("auth_token")
def store_authorization(
    seller: Seller, *, auth_token: str, participations: list[Participation]
) -> None:
    """Store a token that ``check_authorization`` has just accepted (the admin checks in its
    form and stores on save)."""
    _store_authorization(seller, auth_token, participations)
    logger.info("seller %s (%s) has a new token", seller.pk, seller.seller_id)


@sensitive_variables("auth_token")
def _store_authorization(
    seller: Seller, auth_token: str, participations: list[Participation]
) -> None:
    """Save a proven authorization. A suspension by staff outlives it; every other state
    becomes active, because MWS has just accepted the token."""
    with transaction.atomic():
        seller.auth_token = auth_token
        seller.verified_at = timezone.now()
        if seller.status != Seller.Status.SUSPENDED:
            seller.status = Seller.Status.ACTIVE
            seller.status_reason = ""
        seller.save()
        _sync_marketplaces(seller, participations)


def _sync_marketplaces(seller: Seller, participations: list[Participation]) -> None:
    current = {m.marketplace_id: m for m in seller.marketplaces.all()}
    wanted = {p.marketplace_id: p for p in participations}
    SellerMarketplace.objects.filter(
        seller=seller, marketplace_id__in=set(current) - set(wanted)
    ).delete()
    changed, created = [], []
    for marketplace_id, participation in wanted.items():
        values = {name: getattr(participation, name) for name in MARKETPLACE_FIELDS}
        row = current.get(marketplace_id)
        if row is None:
            created.append(
                SellerMarketplace(seller=seller, marketplace_id=marketplace_id, **values)
            )
        elif any(getattr(row, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(row, key, value)
            changed.append(row)
    SellerMarketplace.objects.bulk_create(created)
    SellerMarketplace.objects.bulk_update(changed, MARKETPLACE_FIELDS)


def rename_seller(seller: Seller, *, name: str) -> None:
    seller.name = name.strip() or seller.seller_id
    seller.save(update_fields=["name", "updated_at"])


def remove_authorization(seller: Seller) -> None:
    """Erase the token and stop every call. The seller must still revoke the authorization in
    Seller Central: erasing our copy does not cancel it at Amazon."""
    seller.auth_token = None
    seller.status = Seller.Status.REMOVED
    seller.status_reason = (
        f"The owner removed the authorization on {timezone.now():%Y-%m-%d}; the token was erased."
    )
    seller.save(update_fields=["auth_token", "status", "status_reason", "updated_at"])
    logger.info("seller %s (%s): authorization removed", seller.pk, seller.seller_id)


def mark_needs_reauthorization(seller: Seller, *, reason: str) -> None:
    """MWS answered AccessDenied: stop calling for this seller until it pastes a new token.

    Only an active seller changes state, in one conditional UPDATE, so concurrent callers (the
    gateway's workers) cannot overwrite a suspension or a removal.
    """
    updated = Seller.objects.filter(pk=seller.pk, status=Seller.Status.ACTIVE).update(
        status=Seller.Status.NEEDS_REAUTH, status_reason=reason, updated_at=timezone.now()
    )
    if updated:
        seller.status = Seller.Status.NEEDS_REAUTH
        seller.status_reason = reason
        logger.warning("seller %s (%s) needs re-authorization", seller.pk, seller.seller_id)
        signals.needs_reauthorization.send(Seller, seller=seller, reason=reason)
        notices.notify_needs_reauthorization(seller, reason=reason)


# An answered call proves the token again, but is written down at most this often, so a busy
# seller does not cost an UPDATE on every call.
VERIFIED_REFRESH = timedelta(hours=1)


def note_token_accepted(seller: Seller, *, at: datetime) -> None:
    """MWS answered a call made with the seller's Seller ID and token: "Last verified" is now,
    also for a seller whose token was stored without a check of its own (the demo seed)."""
    if seller.verified_at is not None and at - seller.verified_at < VERIFIED_REFRESH:
        return
    Seller.objects.filter(pk=seller.pk).update(verified_at=at)
    seller.verified_at = at


def on_token_accepted(sender: object, *, seller: Seller, at: datetime, **kwargs: object) -> None:
    """Receiver of the gateway's ``token_accepted`` signal."""
    note_token_accepted(seller, at=at)


def on_authorization_refused(
    sender: object, *, seller: Seller, reason: str, **kwargs: object
) -> None:
    """Receiver of the gateway's ``authorization_refused`` signal."""
    mark_needs_reauthorization(seller, reason=reason)


def suspend_seller(seller: Seller, *, reason: str) -> None:
    """Staff stop every call for a seller; the reason is shown to its owner."""
    if seller.status == Seller.Status.REMOVED:
        return
    seller.status = Seller.Status.SUSPENDED
    seller.status_reason = reason.strip() or "Suspended by staff."
    seller.save(update_fields=["status", "status_reason", "updated_at"])
    logger.info("seller %s (%s) suspended", seller.pk, seller.seller_id)


def reactivate_seller(seller: Seller) -> None:
    """Lift a suspension. The next MWS call (or a verification) shows whether the token still
    works."""
    if seller.status != Seller.Status.SUSPENDED:
        return
    seller.status = Seller.Status.ACTIVE
    seller.status_reason = ""
    seller.save(update_fields=["status", "status_reason", "updated_at"])
    logger.info("seller %s (%s) reactivated", seller.pk, seller.seller_id)


# ---- the seller's request history -----------------------------------------------------------

# What a seller filters the history by: an answer, a refusal to wait for, or any other failure.
HISTORY_OUTCOMES = {
    "ok": "Answered",
    "throttled": "Asked to slow down",
    "failed": "Failed",
}
# Amazon's answers that say "too many requests" rather than "this request is wrong".
THROTTLING_CODES = ("RequestThrottled", "QuotaExceeded")
# Each sort walks a (seller, column, id) index of the log (see mwsportal.keyset). "answer"
# sorts by Amazon's error code: the requests it answered (no code) come first ascending,
# then each refusal's code in turn, so a run of one error is read together.
HISTORY_SORTS = {
    "sent": SortColumn("sent", "sent_at", "Sent"),
    "operation": SortColumn("operation", "operation", "Request"),
    "answer": SortColumn("answer", "error_code", "Answer"),
}
HISTORY_DEFAULT_SORT = "-sent"
HISTORY_PAGE_SIZE = 25


def list_request_history(
    seller: Seller,
    *,
    search: str = "",
    outcome: str | None = None,
    operation: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    sort: str = HISTORY_DEFAULT_SORT,
    before: str | None = None,
    after: str | None = None,
    size: int = HISTORY_PAGE_SIZE,
) -> Page:
    """One page of the seller's MWS requests (the 30-day log), latest first unless ``sort``
    names another ``HISTORY_SORTS`` column. ``search`` matches the operation, the MWS request
    id or the error code; ``outcome`` is a ``HISTORY_OUTCOMES`` key. Pages walk the index of
    the sort column. Raises ``SortError`` for a bad sort or cursor, ``ValueError`` for an
    unknown outcome."""
    order = parse_sort(sort, HISTORY_SORTS, HISTORY_DEFAULT_SORT)
    rows = RequestLogEntry.objects.filter(seller=seller)
    failed = ~Q(error_code="") | ~Q(error_family="")
    if outcome == "ok":
        rows = rows.exclude(failed)
    elif outcome == "throttled":
        rows = rows.filter(error_code__in=THROTTLING_CODES)
    elif outcome == "failed":
        rows = rows.filter(failed).exclude(error_code__in=THROTTLING_CODES)
    elif outcome:
        raise ValueError(f"{outcome!r} is not an outcome of the request history")
    if operation:
        rows = rows.filter(operation=operation)
    for word in search.split():
        rows = rows.filter(
            Q(operation__icontains=word)
            | Q(request_id__icontains=word)
            | Q(error_code__icontains=word)
        )
    if since:
        rows = rows.filter(sent_at__gte=since)
    if until:
        rows = rows.filter(sent_at__lte=until)
    return keyset_page(rows, order, size, before=before, after=after)
