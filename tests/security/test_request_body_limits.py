"""The whole request body is capped before a byte of it is read: the feed limit on the feed
upload routes (all parts together), a small limit everywhere else, and anything over a few KiB
only from a logged-in user or a valid API key. Requests go through Django's WSGI handler with a
body that records whether it was read, as a server would hand it over."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from django.test import Client
from django.urls import reverse

from partners import services
from partners.models import Partner
from tests.factories import SellerFactory, SellerMarketplaceFactory

pytestmark = pytest.mark.django_db
BOUNDARY = "LimitBoundary7MA4YWxkTrZu0gW"


class UnreadBody(io.RawIOBase):
    """A body of ``size`` bytes that notes how much of it was read."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def readinto(self, target) -> int:
        wanted = min(len(target), self.size - self.read_bytes)
        target[:wanted] = b"x" * wanted
        self.read_bytes += wanted
        return wanted


def call(
    path: str, length: int, *, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes, UnreadBody]:
    body = UnreadBody(length)
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_TYPE": f"multipart/form-data; boundary={BOUNDARY}",
        "CONTENT_LENGTH": str(length),
        "wsgi.input": body,
        "wsgi.url_scheme": "http",
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
        **(headers or {}),
    }
    answer: dict[str, object] = {}

    def start_response(status: str, response_headers: list[tuple[str, str]]) -> None:
        answer["status"] = int(status.split()[0])
        answer["headers"] = dict(response_headers)

    # As Django's test client does: the handler's signals would close the test's database
    # connection (its transaction) at the start and end of the request.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        content = b"".join(WSGIHandler()(environ, start_response))
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
    return answer["status"], answer["headers"], content, body  # type: ignore[return-value]


@pytest.fixture
def limits(settings) -> None:
    settings.FEED_UPLOAD_MAX_BYTES = 1024 * 1024
    settings.REQUEST_BODY_MAX_BYTES = 256 * 1024
    settings.ANONYMOUS_BODY_MAX_BYTES = 16 * 1024


@pytest.fixture
def seller(owner):
    seller = SellerFactory(owner=owner)
    SellerMarketplaceFactory(seller=seller)
    return seller


@pytest.fixture
def api_key(seller) -> str:
    partner = Partner.objects.create(name="Bulk Uploader")
    services.grant_partner(seller, partner, scopes=["submit_feeds", "request_reports"])
    return services.create_api_key(partner, name="ci")[1]


@pytest.fixture
def session_cookie(owner) -> str:
    client = Client()
    client.force_login(owner)
    return f"sessionid={client.cookies['sessionid'].value}"


def _api(api_key: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Api-Key {api_key}"}


FEED_ROUTES: dict[str, Callable[[int], str]] = {
    "api": lambda pk: f"/api/v1/sellers/{pk}/feeds/",
    "browser-upload": lambda pk: reverse("feeds:upload", kwargs={"seller_pk": pk}),
    "browser-build": lambda pk: reverse("feeds:build", kwargs={"seller_pk": pk}),
}


@pytest.mark.parametrize("route", FEED_ROUTES)
def test_a_feed_route_refuses_a_body_over_the_feed_limit_unread(
    limits, settings, seller, api_key, session_cookie, route
):
    length = settings.FEED_UPLOAD_MAX_BYTES + 64 * 1024 + 1
    headers = _api(api_key) if route == "api" else {"HTTP_COOKIE": session_cookie}
    status, _, content, body = call(FEED_ROUTES[route](seller.pk), length, headers=headers)
    assert status == 413
    assert body.read_bytes == 0
    assert f"larger than the {settings.FEED_UPLOAD_MAX_BYTES + 64 * 1024} bytes" in content.decode()


def _multipart(parts: int, size: int) -> bytes:
    chunks = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="feed_type"\r\n\r\n'
        "_POST_INVENTORY_AVAILABILITY_DATA_\r\n".encode()
    ]
    for n in range(parts):
        chunks.append(
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file{n}"; '
            f'filename="part{n}.xml"\r\nContent-Type: text/xml\r\n\r\n'.encode()
            + b"<a/>".ljust(size, b" ")
            + b"\r\n"
        )
    chunks.append(f"--{BOUNDARY}--\r\n".encode())
    return b"".join(chunks)


def test_five_parts_each_under_the_limit_are_refused_together(limits, settings, seller, api_key):
    # The attack: five parts of 90% of the limit each; every one passes the per-file check.
    body = _multipart(5, int(settings.FEED_UPLOAD_MAX_BYTES * 0.9))
    response = Client().post(
        f"/api/v1/sellers/{seller.pk}/feeds/",
        data=body,
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
        **_api(api_key),
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "request_too_large"


def test_every_other_url_takes_a_small_body_only(limits, settings, seller, api_key):
    length = settings.REQUEST_BODY_MAX_BYTES + 1
    status, _, content, body = call(
        f"/api/v1/sellers/{seller.pk}/report-requests/", length, headers=_api(api_key)
    )
    assert (status, body.read_bytes) == (413, 0)
    assert b"request_too_large" in content


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/login/",
        "/accounts/signup/",
        "/feeds/sellers/1/upload/",
        "/api/v1/sellers/1/feeds/",
    ],
)
def test_an_anonymous_body_is_refused_before_it_is_read(limits, settings, path):
    status, _, content, body = call(path, settings.ANONYMOUS_BODY_MAX_BYTES + 1)
    assert (status, body.read_bytes) == (401, 0)
    assert b"Log in" in content


def test_a_wrong_api_key_counts_as_anonymous(limits, settings, seller):
    status, _, _, body = call(
        f"/api/v1/sellers/{seller.pk}/feeds/",
        settings.ANONYMOUS_BODY_MAX_BYTES + 1,
        headers=_api("mwsp_000000000000_not-a-key"),
    )
    assert (status, body.read_bytes) == (401, 0)


def test_a_content_length_that_is_not_a_number_is_refused(limits):
    environ_length = "12abc"
    status, _, content, _ = call("/accounts/login/", 0, headers={"CONTENT_LENGTH": environ_length})
    assert status == 400
    assert b"Content-Length" in content


def test_a_logged_in_upload_within_the_limit_reaches_the_view(limits, settings, seller, api_key):
    # Over the anonymous limit, under the feed limit: the view reads it and answers itself.
    response = Client().post(
        f"/api/v1/sellers/{seller.pk}/feeds/",
        data=_multipart(1, settings.ANONYMOUS_BODY_MAX_BYTES * 4),
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
        **_api(api_key),
    )
    assert response.status_code not in (401, 413), response.content
