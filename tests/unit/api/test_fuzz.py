"""A property-based run of every operation in the OpenAPI schema, against the portal served on
loopback: schemathesis draws parameters and bodies from the schema the portal serves (valid
and not) and checks each answer against it: no server error, only documented status codes,
content types and headers, and bodies that match their schema.

Schemathesis's data-acceptance checks are left out on purpose: the API validates more than a
schema can say (a feed file's content, a cursor's, which schedules a report type allows), so
schema-valid input may rightly be refused, and it ignores query parameters it does not know.

Bounded: ``API_FUZZ_EXAMPLES`` examples per operation (15 by default; ``.ci/run`` asks for
more) and ``API_FUZZ_SECONDS`` for the whole run. Nothing leaves loopback: a connection
anywhere else fails the test, and every webhook URL drawn is replaced by a local receiver's.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from threading import Thread
from typing import Any

import pytest
import requests
import schemathesis
from django.test import Client
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.factories import ReportFactory, ReportRequestFactory

EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "15"))
SECONDS = float(os.environ.get("API_FUZZ_SECONDS", "600"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
LOOPBACK = ("127.0.0.1", "::1", "localhost")


def _served_schema() -> dict[str, Any]:
    """The schema as the portal serves it; ``test_the_live_server_serves_the_fuzzed_schema``
    checks the live server answers the same."""
    return Client().get("/api/schema/?format=json", HTTP_HOST="127.0.0.1").json()


SERVED_SCHEMA = _served_schema()
schema = schemathesis.openapi.from_dict(SERVED_SCHEMA)


class _Receiver(BaseHTTPRequestHandler):
    """The only webhook target a drawn body may name: it accepts every delivery."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="session")
def receiver() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    Thread(target=server.serve_forever, daemon=True).start()
    yield f"https://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()


@pytest.fixture
def loopback_only(monkeypatch) -> None:
    connect = socket.socket.connect

    def guarded(sock: socket.socket, address: Any) -> Any:
        host = address[0] if isinstance(address, tuple) else address
        if sock.family in (socket.AF_INET, socket.AF_INET6) and host not in LOOPBACK:
            raise AssertionError(f"the API fuzz run tried to reach {host}")
        return connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture
def granted(transactional_db, loopback_only, media, api, seller) -> Any:
    # Rows to find, so the draws reach past the 404s as well.
    ReportRequestFactory(seller=seller)
    ReportFactory(seller=seller, body=b"sku\tqty\n")
    return seller


@pytest.fixture(scope="module")
def deadline() -> float:
    return time.monotonic() + SECONDS


def test_the_live_server_serves_the_fuzzed_schema(live_server, loopback_only):
    served = requests.get(f"{live_server.url}/api/schema/?format=json", timeout=30)
    assert served.json() == SERVED_SCHEMA


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_operation_answers_as_its_schema_says(
    case, granted, api, receiver, live_server, deadline
):
    if time.monotonic() > deadline:
        pytest.skip(f"the run's {SECONDS:.0f} s are used up")
    if "seller_pk" in (case.path_parameters or {}):
        case.path_parameters["seller_pk"] = granted.pk
    # Registering is all a run does with a URL (no event fires during it); pointing every drawn
    # URL at the local receiver means no registration check resolves or reaches another host.
    if (
        case.path == "/api/v1/webhooks/"
        and isinstance(case.body, dict)
        and isinstance(case.body.get("url"), str)
    ):
        case.body["url"] = receiver
    case.call_and_validate(
        base_url=live_server.url,
        headers={"Authorization": f"Api-Key {api.key}"},
        checks=CHECKS,
        timeout=30,
    )
