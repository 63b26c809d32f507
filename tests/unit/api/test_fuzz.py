"""A property-based run of every operation in the OpenAPI schema: schemathesis draws
parameters and bodies from the schema (valid and not), and no answer may be a server error."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from mwsportal.wsgi import application
from tests.factories import ReportFactory, ReportRequestFactory

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)


@pytest.fixture
def connections_kept_open() -> Iterator[None]:
    # The WSGI application closes "old" database connections around each request; inside the
    # test's transaction that would close the test's own connection (PostgreSQL notices, the
    # in-memory SQLite does not). Django's test client detaches the same handlers.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def granted(connections_kept_open, media, api, seller):
    # Rows to find, so the draws reach past the 404s as well.
    ReportRequestFactory(seller=seller)
    ReportFactory(seller=seller, body=b"sku\tqty\n")
    return seller


@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_operation_answers_with_a_server_error(case, granted, api):
    if "seller_pk" in (case.path_parameters or {}):
        case.path_parameters["seller_pk"] = granted.pk
    response = case.call(headers={"Authorization": f"Api-Key {api.key}"})
    assert response.status_code < 500, (case.method, case.formatted_path, response.text[:500])
