"""The base of every partner endpoint: seller lookup through the partner's
``granted_sellers()`` (another partner's seller is a 404), scope checks, cursor pages and
idempotent POSTs.

The framework imports no app: the authentication class is DRF's default
(``REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"]``), the authenticated partner
(``request.user``) answers which sellers it may reach, and the model that records
Idempotency-Keys is named by ``API_IDEMPOTENCY_MODEL``, as Django names its user model.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Protocol, cast

from django.apps import apps
from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions, permissions, serializers, viewsets
from rest_framework.fields import empty
from rest_framework.request import Request
from rest_framework.response import Response

from mwsportal.api.errors import ScopeMissing, error_body
from mwsportal.api.throttling import ApiKeyRateThrottle
from mwsportal.keyset import NEWEST_FIRST, keyset_page

PAGE_SIZE = 25
MAX_PAGE_SIZE = 100
IDEMPOTENCY_HEADER = "HTTP_IDEMPOTENCY_KEY"
PAGE_PARAMETERS = [
    OpenApiParameter("cursor", str, description="The `next` link's cursor."),
    OpenApiParameter(
        "page_size",
        {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE, "default": PAGE_SIZE},
        description=f"1 to {MAX_PAGE_SIZE}, {PAGE_SIZE} by default.",
    ),
]


# A retry is recognised this long; after it, the same key starts a new request.
IDEMPOTENCY_KEY_LIFETIME = timedelta(hours=24)
# A first request still unanswered after this long died with its process (no request runs
# this long behind the web server's timeout): a retry takes over.
IDEMPOTENCY_ABANDONED_AFTER = timedelta(minutes=10)


def free_again(now: datetime) -> Q:
    """The recorded keys a new request may take over."""
    return Q(created_at__lt=now - IDEMPOTENCY_KEY_LIFETIME) | Q(
        status__isnull=True, created_at__lt=now - IDEMPOTENCY_ABANDONED_AFTER
    )


def idempotency_model() -> type[models.Model]:
    """The model ``API_IDEMPOTENCY_MODEL`` names: fields ``partner`` (the principal),
    ``key``, ``path``, ``fingerprint``, ``scopes``, ``status``, ``body`` and ``created_at``,
    unique on (partner, key)."""
    return apps.get_model(settings.API_IDEMPOTENCY_MODEL, require_ready=True)


class Principal(Protocol):
    """What the API asks of ``request.user``, the authenticated partner."""

    pk: int

    def granted_sellers(self) -> QuerySet[Any]:
        """The sellers it may reach, each annotated with ``granted_scopes``."""
        ...

    def granted_seller(self, seller_pk: int) -> Any | None:
        """One of ``granted_sellers()``, or None; may come from a cache that any change of
        the seller or its grant gives up at once."""
        ...


def _canonical(value: Any) -> Any:
    """The parsed body in a form that ignores what does not change the request: JSON key
    order, multipart boundaries and field order. A file counts by its content's hash."""
    if isinstance(value, MultiValueDict):
        return {key: [_canonical(item) for item in value.getlist(key)] for key in value}
    if isinstance(value, dict):
        return {key: _canonical(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(item) for item in value]
    if hasattr(value, "read") and hasattr(value, "seek"):
        digest = hashlib.sha256()
        value.seek(0)
        while chunk := value.read(1024 * 1024):
            digest.update(chunk)
        value.seek(0)
        return {"file_sha256": digest.hexdigest()}
    return value


def request_fingerprint(request: Request) -> str:
    """SHA-256 of the method, path, query and canonical body: what a retry must repeat."""
    canonical = {
        "method": request.method,
        "path": request.path,
        "query": sorted(request.query_params.lists()),
        "body": _canonical(request.data),
    }
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def iso_datetime(value: datetime | None) -> str | None:
    """A datetime as DRF's ``DateTimeField`` writes it: in the current time zone, ISO 8601,
    ``Z`` for UTC, None for None."""
    if value is None:
        return None
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    text = value.astimezone(timezone.get_current_timezone()).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


RowWriter = Callable[[Any], dict[str, Any]]


@functools.cache
def _writer(serializer_class: type[serializers.BaseSerializer]) -> RowWriter:
    """How answers of ``serializer_class`` are written, decided once per process.

    A serializer of the partner's hot paths names a plain function as ``write_row``: one
    dict built straight from the row, the same output as DRF's per-field machinery (which
    asks every field for its source, its attribute and its representation, a quarter of a
    list page's CPU), held to that field for field by the tests. Any other serializer is one
    instance per process, its fields built once: DRF builds every field of a ModelSerializer
    again for each instance. Answers are written without request context, and the fields
    only read the objects they are given, so the instance is shared by every request and
    thread."""
    # Its own, not inherited: a subclass may add fields its parent's function does not write.
    write_row: RowWriter | None = vars(serializer_class).get("write_row")
    if write_row is not None:
        return write_row
    writer = serializer_class()
    writer.fields  # noqa: B018  (built now, not by the first request)
    return writer.to_representation


def represent(serializer_class: type[serializers.BaseSerializer], instance: Any) -> Any:
    """``serializer_class(instance).data`` without building the serializer again."""
    return _writer(serializer_class)(instance)


class FilterSerializer(serializers.Serializer):
    """Query-string filters. A parameter given empty (``?since=``) is refused naming it: DRF
    would skip an empty optional value, so the list would silently come back unfiltered."""

    @classmethod
    def validated(cls, query: Any) -> dict[str, Any]:
        """The filters ``query`` gives, checked (a 400 naming the parameter at fault).

        A query that names none of them (most pages) answers ``{}`` at once when no filter
        has a default: building the fields would copy every choice of every filter, which
        cost a list page more CPU than its query."""
        if not cls._has_defaults() and not any(name in query for name in cls._declared_fields):
            return {}
        filters = cls(data=query)
        filters.is_valid(raise_exception=True)
        return filters.validated_data

    @classmethod
    @functools.cache
    def _has_defaults(cls) -> bool:
        return any(f.default is not empty for f in cls._declared_fields.values())

    def to_internal_value(self, data: Any) -> Any:
        blank = {
            name: ["Give a value, or leave the parameter out."]
            for name in self.fields
            if name in data and data.get(name) == ""
        }
        if blank:
            raise exceptions.ValidationError(blank)
        return super().to_internal_value(data)


class _Replay(Exception):
    """Raised to answer a retried POST with the first answer."""

    def __init__(self, response: Response) -> None:
        self.response = response


def encode_cursor(before: str) -> str:
    """The ``next`` link's cursor: opaque to partners, a ``mwsportal.keyset`` cursor inside."""
    return base64.urlsafe_b64encode(f"before:{before}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _, value = raw.partition(":")
        before = int(value)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise exceptions.ValidationError({"cursor": ["This cursor is not valid."]}) from None
    if kind != "before" or before < 1:
        raise exceptions.ValidationError({"cursor": ["This cursor is not valid."]})
    return before


class PartnerViewSet(viewsets.ViewSet):
    # Whether the actions check a grant scope (403 when it is missing), for the schema.
    needs_scope = True
    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = [ApiKeyRateThrottle]

    # ---- tenancy and scopes

    def principal(self) -> Principal:
        """The authenticated partner (``IsAuthenticated`` lets no anonymous request in)."""
        return cast(Principal, self.request.user)

    def granted_sellers(self) -> QuerySet[Any]:
        """The partner's sellers, each with its grant's scopes as ``granted_scopes``."""
        return self.principal().granted_sellers()

    def get_seller(self, *, fresh: bool = False) -> Any:
        """The seller the URL names, with ``granted_scopes``; 404 when the partner holds no
        grant on it. A read-only request takes it from the partner's recent reads
        (``granted_seller``, kept until the seller or a grant on it changes); a write, or an
        answer about the seller itself (``fresh``), reads the database."""
        seller_pk = self.kwargs["seller_pk"]
        if fresh or self.request.method not in permissions.SAFE_METHODS:
            return get_object_or_404(self.granted_sellers(), pk=seller_pk)
        seller = self.principal().granted_seller(seller_pk)
        if seller is None:
            raise Http404
        return seller

    def require(self, seller: Any, scope: str) -> None:
        if scope not in seller.granted_scopes:
            raise ScopeMissing(scope)
        self._scopes_used.add(scope)

    # ---- cursor pages

    def page_args(self) -> tuple[str | None, int]:
        """(before, size) from ``?cursor=`` and ``?page_size=``: the keyset cursor of the rows
        past the last page, newest first by primary key."""
        cursor = self.request.query_params.get("cursor")
        before = str(decode_cursor(cursor)) if cursor else None
        return before, self.page_size()

    def page_of(self, rows: QuerySet, serializer: type) -> Response:
        """One cursor page of ``rows``, newest first, as the list answer."""
        before, size = self.page_args()
        page = keyset_page(rows, NEWEST_FIRST, size, before=before)
        return self.paginated(page.items, page.before, serializer)

    def page_size(self) -> int:
        """``?page_size=``, checked."""
        raw_size = self.request.query_params.get("page_size", str(PAGE_SIZE))
        try:
            size = int(raw_size)
        except ValueError:
            size = 0
        if not 1 <= size <= MAX_PAGE_SIZE:
            raise exceptions.ValidationError(
                {"page_size": [f"Give a number from 1 to {MAX_PAGE_SIZE}."]}
            )
        return size

    def paginated(self, items: list[Any], next_before: str | None, serializer: type) -> Response:
        next_url = None
        if next_before:
            query = self.request.query_params.copy()
            query["cursor"] = encode_cursor(next_before)
            next_url = self.request.build_absolute_uri(f"{self.request.path}?{query.urlencode()}")
        write_row = _writer(serializer)
        data = [write_row(item) for item in items]
        return Response({"results": data, "next": next_url})

    # ---- Idempotency-Key on POST

    _idempotency: models.Model | None = None

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        # The scopes this request is checked for, kept with its answer for any replay.
        self._scopes_used: set[str] = set()
        key = request.META.get(IDEMPOTENCY_HEADER, "").strip()
        if request.method != "POST" or not key:
            return
        if len(key) > 255:
            raise exceptions.ValidationError({"Idempotency-Key": ["At most 255 characters."]})
        # A retry is no way past a grant the seller has since revoked: 404 as for any seller
        # the partner cannot see (and a 403 when the grant lost a scope the answer needed).
        seller = self.get_seller() if "seller_pk" in self.kwargs else None
        fingerprint = request_fingerprint(request)
        records = idempotency_model().objects
        keys = records.filter(partner=request.user, key=key)
        keys.filter(free_again(timezone.now())).delete()
        try:
            with transaction.atomic():
                self._idempotency = records.create(
                    partner=request.user, key=key, path=request.path, fingerprint=fingerprint
                )
        except IntegrityError:
            raise _Replay(self._replay(keys.first(), request, fingerprint, seller)) from None

    @staticmethod
    def _replay(
        earlier: Any,
        request: Request,
        fingerprint: str,
        seller: Any,
    ) -> Response:
        if earlier is not None and (
            earlier.path != request.path
            or (earlier.fingerprint and earlier.fingerprint != fingerprint)
        ):
            return Response(
                error_body(
                    "idempotency_key_reused",
                    "This Idempotency-Key was used for another request (another method, path "
                    "or body).",
                    {"Idempotency-Key": ["Use a new key for every distinct request."]},
                ),
                status=422,
            )
        if earlier is None or earlier.status is None:
            # Still running (or freed by another retry a moment ago).
            return Response(
                error_body(
                    "idempotency_key_in_use",
                    "The first request with this Idempotency-Key is still running; retry later.",
                ),
                status=409,
                headers={"Retry-After": "1"},
            )
        granted = seller.granted_scopes if seller is not None else ()
        missing = [scope for scope in earlier.scopes if scope not in granted]
        if missing:
            raise ScopeMissing(missing[0])
        return Response(earlier.body, status=earlier.status, headers={"Idempotent-Replay": "true"})

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, _Replay):
            return exc.response
        try:
            return super().handle_exception(exc)
        except Exception:
            # A crash must not leave the key "in use" for ever.
            if self._idempotency is not None:
                self._idempotency.delete()
                self._idempotency = None
            raise

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        record = self._idempotency
        if record is not None:
            self._idempotency = None
            if 200 <= response.status_code < 300:
                record.status = response.status_code
                record.body = response.data
                record.scopes = sorted(self._scopes_used)
                record.save(update_fields=["status", "body", "scopes"])
            else:
                # Refusals are not remembered: the partner may fix the request and retry.
                record.delete()
        return super().finalize_response(request, response, *args, **kwargs)
