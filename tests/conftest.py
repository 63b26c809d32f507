"""Fixtures shared by the whole suite: personas and small helpers.

The suite is built on two personas, as the product is: ``owner`` owns the objects a test looks
at, ``stranger`` is another tenant who must never see them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Personas' passwords are hashed on creation; the strength of the hash is not under test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# What the suite's webhook host names resolve to: no test sends a DNS query. A name missing here
# does not resolve, as an unknown name would not.
FAKE_DNS: dict[str, list[str]] = {
    "localhost": ["127.0.0.1", "::1"],
    # Public addresses (documentation ranges count as private, so real ones are used).
    "hooks.example.com": ["93.184.215.14"],
    "a.example.com": ["93.184.215.14"],
    "b.example.com": ["93.184.215.15"],
    "h.example.com": ["93.184.215.16"],
}


@pytest.fixture(autouse=True)
def fake_dns(monkeypatch) -> dict[str, list[str]]:
    """The webhook resolver answers from a table a test may change, never from the network."""
    from partners import webhooks

    table = {name: list(addresses) for name, addresses in FAKE_DNS.items()}

    def resolve(host: str, port: int) -> list[str]:
        try:
            return table[host.lower()]
        except KeyError:
            raise OSError(f"fake DNS: {host} is not in the table") from None

    monkeypatch.setattr(webhooks, "resolver", resolve)
    return table


@pytest.fixture
def media(settings, tmp_path) -> Path:
    """A storage folder of the test's own, so what a test finds there is what it wrote."""
    root = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": root},
        },
    }
    return root


@pytest.fixture
def make_user(db):
    def make(username: str, *, staff: bool = False, password: str = PASSWORD):
        user = get_user_model().objects.create_user(
            username=username, email=username, password=password, is_staff=staff
        )
        user.raw_password = password
        return user

    return make


@pytest.fixture
def owner(make_user):
    return make_user("owner@example.com")


@pytest.fixture
def stranger(make_user):
    return make_user("stranger@example.com")


@pytest.fixture
def staff(make_user):
    return make_user("staff@example.com", staff=True)


@pytest.fixture
def owner_client(owner) -> Client:
    client = Client()
    client.force_login(owner)
    return client


@pytest.fixture
def stranger_client(stranger) -> Client:
    client = Client()
    client.force_login(stranger)
    return client


# --- Redis ----------------------------------------------------------------------------------
# Tests that need Redis (the gateway's Lua bucket script, atomic cache counters, a worker on a
# Redis broker) use one database of their own, flushed before each such test: TEST_REDIS_URL,
# by default database 10 on loopback. Without a Redis answering they skip, except under CI=true,
# where .ci/run provides Redis and its absence is a failure.

TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/10")


def redis_missing(reason: str) -> None:
    """Skip a test that needs Redis, or fail it in CI, where a quiet skip would hide it."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: Redis tests may not skip)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture
def test_redis_url() -> str:
    """TEST_REDIS_URL, emptied for this test."""
    import redis

    client = redis.Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=0.5)
    try:
        client.flushdb()
    except redis.exceptions.ConnectionError:
        redis_missing(f"Redis does not answer at {TEST_REDIS_URL}")
    finally:
        client.close()
    return TEST_REDIS_URL


@pytest.fixture
def gateway_redis_url(test_redis_url: str) -> str:
    """The Redis database the gateway's Redis bucket backend is tested on."""
    return test_redis_url


@pytest.fixture
def redis_cache(settings, test_redis_url: str) -> str:
    """Django's cache on the test Redis database, whatever CACHE_URL says, for the tests of what
    only a Redis cache does (atomic counters shared by processes)."""
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": test_redis_url,
        },
    }
    return test_redis_url


# --- Browser tests ------------------------------------------------------------------------
# Playwright drives Debian's Chromium (never a downloaded browser). Where Chromium cannot be
# had, the tests that use ``page`` are skipped with a loud reason, except under CI=true, where
# a missing browser is a failure.

CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # the suite runs as root in CI, where Chromium's sandbox refuses to start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "page" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)


def _chromium_missing_reason() -> str | None:
    if not (os.path.exists(CHROMIUM_PATH) and os.access(CHROMIUM_PATH, os.X_OK)):
        return f"Chromium not found at {CHROMIUM_PATH} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -r requirements-dev.txt)"
    return None


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    reason = _chromium_missing_reason()
    if reason:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"Browser tests cannot run under CI=true: {reason}", pytrace=False)
        print(f"\n!!! SKIPPING BROWSER TESTS: {reason} !!!")
        pytest.skip(f"BROWSER TESTS SKIPPED: {reason}")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in the test thread; the ORM calls that tests
    # make between page actions are still synchronous and safe there.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    # Playwright gives every launch a fresh, empty profile of its own.
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM_PATH, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(chromium) -> Iterator[object]:
    context = chromium.new_context()
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()
