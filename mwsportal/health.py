"""Reachability checks behind ``/healthz``: database, Celery broker, MWS endpoint."""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.db import connection
from django.http import HttpRequest
from django.views.decorators.debug import sensitive_variables

from mwsportal.celery import app as celery_app


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    detail: str
    duration_ms: float

    def as_dict(self) -> dict[str, object]:
        return {"ok": self.ok, "detail": self.detail, "duration_ms": round(self.duration_ms, 1)}


def _timed(check: Callable[[], str]) -> CheckResult:
    started = time.perf_counter()
    try:
        detail = check()
    except Exception as exc:
        return CheckResult(False, _describe(exc), (time.perf_counter() - started) * 1000)
    return CheckResult(True, detail, (time.perf_counter() - started) * 1000)


def _describe(exc: Exception) -> str:
    # Exception texts of drivers can carry connection strings; the class name and the first
    # line are enough to act on and never contain a password.
    first_line = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {first_line}"[:300]


def check_database() -> CheckResult:
    def query() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return connection.vendor

    return _timed(query)


def check_broker() -> CheckResult:
    def connect() -> str:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=3)
            return conn.transport_cls if isinstance(conn.transport_cls, str) else conn.as_uri()

    return _timed(connect)


def mws_endpoint_url() -> str:
    """The base URL the portal calls: the configured override (sandbox) or real MWS (NA host)."""
    return settings.MWS_ENDPOINT or "https://mws.amazonservices.com"


def endpoint_for_display() -> str:
    """The endpoint as scheme://host[:port]: a proxy URL may carry a user and password."""
    parts = urlsplit(mws_endpoint_url())
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname}{port}"


def check_mws_endpoint() -> CheckResult:
    def ping() -> str:
        # GET / is MWS's unauthenticated ping; any HTTP answer proves the endpoint is reachable.
        response = requests.get(mws_endpoint_url() + "/", timeout=3)
        return f"HTTP {response.status_code} from {endpoint_for_display()}"

    return _timed(ping)


def run_all_checks() -> dict[str, CheckResult]:
    return {
        "database": check_database(),
        "broker": check_broker(),
        "mws_endpoint": check_mws_endpoint(),
    }


@sensitive_variables("token", "sent")
def may_see_detail(request: HttpRequest) -> bool:
    """Staff, or a monitor sending ``Authorization: Bearer <HEALTHZ_TOKEN>`` (a header, never
    the URL, which access logs keep)."""
    user = getattr(request, "user", None)
    if user is not None and user.is_active and user.is_staff:
        return True
    token = settings.HEALTHZ_TOKEN
    scheme, _, sent = request.headers.get("Authorization", "").partition(" ")
    return bool(token) and scheme == "Bearer" and hmac.compare_digest(sent.encode(), token.encode())
