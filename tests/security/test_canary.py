"""Canary secrets go through every flow of the product and must never come out again.

The seller's MWS Auth Token, the developer account's secret key and a partner's API key are
unique strings made for this run. A seller is onboarded with them in the browser, requests a
report and submits a feed (through the real gateway, dispatcher and Celery tasks, with a 500
and a wrong Content-MD5 on the way), a partner reads everything over the API, MWS refuses a
call, a page crashes (DEBUG off and on), and
staff open the admin page of every model. Then the canaries are looked for in every log record
of every logger, every response (pages, fragments, downloads, API, admin, error pages), every
argument of every Celery task the flow sent, every error e-mail and exception message, and every
column of every table (the request log and the queued MWS calls included), where only the
token's ciphertext may be.
"""

from __future__ import annotations

import json
import logging
import secrets
import traceback
import urllib.request
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from celery import Celery
from celery.app.task import Task
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.client import Client as DjangoClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from feeds.models import FeedSubmission
from mwsportal.celery import app as celery_app
from mwsportal.fields import decrypt
from mwsportal.gateway.models import MWSCall, RequestLogEntry
from mwssandbox.server import RunningSandbox, running_sandbox
from partners import services as partner_services
from partners.models import Grant, Partner
from reports.models import Report, ReportRequest
from sellers import services
from sellers.models import Seller
from sellers.tasks import verify_seller
from tests import sandbox_support
from tests.factories import FEED_BODY
from tests.security.conftest import admin_page_urls

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

# What a worker does at start: import every app's tasks module. Done here, before any test,
# because it sets Django up again, and that would drop a log handler installed earlier.
celery_app.loader.import_default_modules()

# Well-formed, so they pass the portal's checks, and different on every run.
CANARY_TOKEN = (
    f"amzn.mws.c0ffee00-{secrets.token_hex(2)}-{secrets.token_hex(2)}-4ca7-{secrets.token_hex(6)}"
)
CANARY_SECRET_KEY = f"canary-secret-{secrets.token_urlsafe(24)}"
CANARY_SELLER_ID = "A5CANARYSELLER5"
OTHER_SELLER_ID = "A5OTHERSELLER05"
DEVELOPER = {
    "access_key_id": "AKIACANARYDEVELOPER1",
    "secret_key": CANARY_SECRET_KEY,
    "account_number": "5555-6666-7777",
    "name": "Canary Developer",
}
TIME_SCALE = 200.0


def sandbox_config() -> dict[str, Any]:
    def seller(seller_id: str, authorizations: list[dict[str, str]]) -> dict[str, Any]:
        return {
            "seller_id": seller_id,
            "name": f"Store {seller_id}",
            "region": "NA",
            "marketplaces": ["ATVPDKIKX0DER"],
            "home_marketplace": "ATVPDKIKX0DER",
            "authorizations": authorizations,
        }

    grant = {"access_key_id": DEVELOPER["access_key_id"], "mws_auth_token": CANARY_TOKEN}
    return {
        "developers": [DEVELOPER],
        "sellers": [seller(CANARY_SELLER_ID, [grant]), seller(OTHER_SELLER_ID, [])],
        "reports": {"catalogue_size": 20, "settlement_interval_days": None},
    }


class Canaries:
    def __init__(self) -> None:
        # The random tails too, so a secret cut up or re-quoted on its way out is caught.
        self.strings = [CANARY_TOKEN, CANARY_TOKEN.rsplit("-", 1)[1], CANARY_SECRET_KEY]

    def add(self, secret: str) -> None:
        self.strings.append(secret)

    def leaks(self, text: str) -> bool:
        return any(canary in text for canary in self.strings)


# ---- what is watched ------------------------------------------------------------------------


class RecordEverything(logging.Handler):
    """Keeps the text of every record as it was logged. Taken first, before the redacting
    console handler masks the record in place: the code must not log a secret at all, the
    masking is only the safety net."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.texts: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.texts.append(record.getMessage())
        self.texts.append(repr(record.args))
        self.texts.append(repr(vars(record)))
        if record.exc_info:
            self.texts.append("".join(traceback.format_exception(*record.exc_info)))


@pytest.fixture
def every_log_record() -> Iterator[RecordEverything]:
    """Records of every logger at every level, including loggers that do not propagate."""
    recorder = RecordEverything()
    loggers = [logging.getLogger()] + [
        logger
        for logger in logging.Logger.manager.loggerDict.values()
        if isinstance(logger, logging.Logger) and not logger.propagate
    ]
    levels = [(logger, logger.level) for logger in loggers]
    for logger in loggers:
        logger.handlers.insert(0, recorder)
        logger.setLevel(logging.DEBUG)
    try:
        # Capturing queries also sends every statement, with its parameters, to the log.
        with CaptureQueriesContext(connection):
            yield recorder
    finally:
        for logger, level in levels:
            logger.removeHandler(recorder)
            logger.setLevel(level)


@pytest.fixture
def every_response(monkeypatch) -> list[str]:
    """The body, headers and cookies of every response any test client receives (the API
    client included), downloads and streamed answers read whole."""
    seen: list[str] = []
    original = DjangoClient.request

    def request(self, **request_args):
        response = original(self, **request_args)
        if response.streaming:
            body = b"".join(response.streaming_content)
            response.streaming_content = iter([body])
        else:
            body = response.content
        seen.append(body.decode("utf-8", "replace"))
        seen.append(str(response.cookies))
        seen.extend(f"{name}: {value}" for name, value in response.headers.items())
        return response

    monkeypatch.setattr(DjangoClient, "request", request)
    return seen


class Broker:
    """Stands in for the broker and a worker. Every task the code sends, by ``delay``,
    ``apply_async`` or ``send_task``, is kept with its arguments and options as the broker
    would receive them, then run in the test's thread in the order it was sent."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, Any, Any, dict[str, Any]]] = []
        self._queue: deque[tuple[str, tuple, dict]] = deque()

    def receive(self, name: str, args: Any, kwargs: Any, options: dict[str, Any]) -> None:
        self.sent.append((name, args, kwargs, options))
        self._queue.append((name, tuple(args or ()), dict(kwargs or {})))

    def beat(self) -> None:
        """What celery beat sends on each of its schedules."""
        for entry in celery_app.conf.beat_schedule.values():
            celery_app.send_task(entry["task"], options=entry.get("options", {}))

    def work(self) -> int:
        worked = 0
        while self._queue:
            name, args, kwargs = self._queue.popleft()
            celery_app.tasks[name].apply(args=args, kwargs=kwargs, throw=True)
            worked += 1
        return worked


@pytest.fixture
def broker(monkeypatch) -> Broker:
    running = Broker()

    def apply_async(task, args=None, kwargs=None, **options):
        running.receive(task.name, args, kwargs, options)

    def send_task(app, name, args=None, kwargs=None, **options):
        running.receive(name, args, kwargs, options)

    monkeypatch.setattr(Task, "apply_async", apply_async)
    monkeypatch.setattr(Celery, "send_task", send_task)
    return running


def pump(broker: Broker, done: Callable[[], bool], failure: str) -> None:
    """Beat and worker, turn by turn, until ``done()``: the gateway's dispatcher, the report
    poll and the feed sync all run as the tasks they are in production."""
    sandbox_support.pump_until(
        done, before_tick=lambda: (broker.beat(), broker.work()), failure=failure
    )


@pytest.fixture
def sandbox(settings, media) -> Iterator[RunningSandbox]:
    settings.FEED_RECONCILE_SETTLE_SECONDS = 0
    # Beat's periodic polls spread each seller's calls over their period, at an offset that
    # depends on the seller: short periods here, so the offset is never longer than the pump.
    settings.FEED_SYNC_SECONDS = 0.2
    settings.REPORTS_POLL_SECONDS = 0.2
    settings.REPORTS_SYNC_MINUTES = 0.01
    with running_sandbox(sandbox_config(), time_scale=TIME_SCALE) as running:
        sandbox_support.point_portal_at(settings, running.url, DEVELOPER, time_scale=TIME_SCALE)
        yield running


def every_stored_value() -> Iterator[str]:
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, bytes | memoryview):
                        yield bytes(value).decode("latin-1")
                    elif value is not None:
                        yield str(value)


# ---- the flows --------------------------------------------------------------------------------


def onboard(client: Client) -> Seller:
    connect = reverse("sellers:connect_region", args=["NA"])
    answer = client.post(
        connect, {"seller_id": CANARY_SELLER_ID, "auth_token": CANARY_TOKEN, "name": "Canary"}
    )
    assert answer.status_code == 302, "onboarding went through"
    # Refusals: not authorized for this seller, malformed, already connected.
    for seller_id, token in (
        (OTHER_SELLER_ID, CANARY_TOKEN),
        (CANARY_SELLER_ID, CANARY_TOKEN + "x"),
        (CANARY_SELLER_ID, CANARY_TOKEN),
    ):
        refused = client.post(connect, {"seller_id": seller_id, "auth_token": token})
        assert refused.status_code == 400
    return Seller.objects.get(seller_id=CANARY_SELLER_ID)


def add_fault(sandbox: RunningSandbox, **rule: Any) -> None:
    request = urllib.request.Request(
        f"{sandbox.url}/_sandbox/faults",
        data=json.dumps(rule).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=5) as answer:
        assert answer.status == 201


def request_a_report(
    client: Client, broker: Broker, sandbox: RunningSandbox, seller: Seller
) -> Report:
    # Failed calls on the way, which the gateway logs and retries.
    add_fault(sandbox, kind="internal_error", actions=["RequestReport"], count=1)
    add_fault(sandbox, kind="wrong_md5", actions=["GetReport"], count=1)
    answer = client.post(
        reverse("reports:request_new", args=[seller.pk]),
        {"report_type": "_GET_FLAT_FILE_OPEN_LISTINGS_DATA_", "marketplaces": ["ATVPDKIKX0DER"]},
    )
    assert answer.status_code == 302, answer.content.decode()[:500]
    report_request = ReportRequest.objects.get(seller=seller)
    pump(
        broker,
        lambda: Report.objects.filter(request=report_request, state="stored").exists(),
        "the report was not downloaded",
    )
    report = Report.objects.get(request=report_request)
    for url in (
        reverse("reports:seller", args=[seller.pk]),
        reverse("reports:request", args=[report_request.pk]),
        reverse("reports:request_status", args=[report_request.pk]),
        reverse("reports:preview", args=[report.pk]),
        reverse("reports:download", args=[report.pk]),
        reverse("reports:schedules", args=[seller.pk]),
    ):
        assert client.get(url).status_code == 200, url
    return report


def submit_a_feed(client: Client, broker: Broker, seller: Seller) -> FeedSubmission:
    answer = client.post(
        reverse("feeds:upload", args=[seller.pk]),
        {
            "feed_type": "_POST_INVENTORY_AVAILABILITY_DATA_",
            "marketplaces": ["ATVPDKIKX0DER"],
            "file": SimpleUploadedFile("inventory.xml", FEED_BODY, "text/xml"),
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:500]
    feed = FeedSubmission.objects.get(seller=seller)
    pump(
        broker,
        lambda: FeedSubmission.objects.filter(pk=feed.pk, state="complete").exists(),
        "the feed was not processed",
    )
    for url in (
        reverse("feeds:seller", args=[seller.pk]),
        reverse("feeds:detail", args=[feed.pk]),
        reverse("feeds:status", args=[feed.pk]),
        reverse("feeds:original", args=[feed.pk]),
        reverse("feeds:report", args=[feed.pk]),
        reverse("feeds:results_csv", args=[feed.pk]),
        reverse("sellers:activity", args=[seller.pk]),
    ):
        assert client.get(url).status_code == 200, url
    return feed


def use_the_api(canaries: Canaries, seller: Seller, report: Report, feed: FeedSubmission) -> None:
    partner = Partner.objects.create(name="Canary Partner")
    partner_services.grant_partner(seller, partner, scopes=list(Grant.Scope.values))
    _, key = partner_services.create_api_key(partner, name="canary")
    canaries.add(key)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    seller_kwargs = {"seller_pk": seller.pk}
    for name, kwargs in (
        ("api:sellers", {}),
        ("api:seller", seller_kwargs),
        ("api:request_log", seller_kwargs),
        ("api:report_requests", seller_kwargs),
        ("api:reports", seller_kwargs),
        ("api:report", {**seller_kwargs, "pk": report.pk}),
        ("api:report_download", {**seller_kwargs, "pk": report.pk}),
        ("api:schedules", seller_kwargs),
        ("api:feeds", seller_kwargs),
        ("api:feed", {**seller_kwargs, "pk": feed.pk}),
        ("api:feed_result", {**seller_kwargs, "pk": feed.pk}),
        ("api:feed_result_download", {**seller_kwargs, "pk": feed.pk}),
        ("api:webhooks", {}),
    ):
        assert api.get(reverse(name, kwargs=kwargs)).status_code == 200, name
    created = api.post(
        reverse("api:report_requests", kwargs=seller_kwargs),
        {"report_type": "_GET_MERCHANT_LISTINGS_DATA_"},
        format="json",
        headers={"Idempotency-Key": "canary-1"},
    )
    assert created.status_code == 201, created.content
    # A wrong key is refused without being echoed.
    assert (
        APIClient(headers={"Authorization": f"Api-Key {key}x"}).get("/api/v1/sellers/").status_code
        == 401
    )


def fail_and_crash(
    canaries: Canaries,
    client: Client,
    sandbox: RunningSandbox,
    seller: Seller,
    monkeypatch,
    settings,
) -> list[str]:
    """MWS refuses a call (the seller revoked the developer), then a page crashes with the
    token in its local variables, with DEBUG off (error page and e-mail) and on."""
    seen: list[str] = []
    sandbox.state.accounts.revoke(CANARY_SELLER_ID, DEVELOPER["account_number"])
    client.post(reverse("sellers:verify", args=[seller.pk]))
    seller.refresh_from_db()
    assert seller.status == Seller.Status.NEEDS_REAUTH
    assert client.get(reverse("sellers:dashboard", args=[seller.pk])).status_code == 200
    try:
        services.verify_seller(seller)
    except services.AuthorizationCheckFailed as failure:
        chain: BaseException | None = failure
        while chain is not None:
            seen.extend([str(chain), repr(chain)])
            chain = chain.__context__ or chain.__cause__
    else:
        pytest.fail("the revoked authorization was refused")

    def crash(*args, **kwargs):
        raise RuntimeError("storage failed")

    monkeypatch.setattr("sellers.services._sync_marketplaces", crash)
    sandbox.state.accounts.authorize(
        CANARY_SELLER_ID,
        sandbox.state.accounts.find_developer(DEVELOPER["name"], DEVELOPER["account_number"]),
    )
    # Authorizing again gives the seller a new token, as Seller Central does: a canary too.
    new_token = sandbox.state.accounts.grants(CANARY_SELLER_ID)[0].mws_auth_token
    canaries.add(new_token)
    settings.ADMINS = [("Operations", "ops@example.com")]
    client.raise_request_exception = False
    for debug in (False, True):
        settings.DEBUG = debug
        crashed = client.post(
            reverse("sellers:replace_token", args=[seller.pk]), {"auth_token": new_token}
        )
        assert crashed.status_code == 500
    settings.DEBUG = False
    client.raise_request_exception = True
    assert mail.outbox, "the error e-mail to the admins was sent"
    for message in mail.outbox:
        seen.extend([message.subject, message.body])
        seen.extend(str(content) for content, _ in getattr(message, "alternatives", []))
    return seen


def staff_pages(admin_client: Client, seller: Seller) -> None:
    for url in admin_page_urls():
        assert admin_client.get(url).status_code in (200, 403), url
    # A token typed into the admin and refused by MWS is not shown back.
    refused = admin_client.post(
        reverse("admin:sellers_seller_change", args=[seller.pk]),
        {
            "name": "x",
            "new_auth_token": CANARY_TOKEN + "0",
            "marketplaces-TOTAL_FORMS": "0",
            "marketplaces-INITIAL_FORMS": "0",
        },
    )
    assert refused.status_code == 200
    # The verify action queues a task per seller once the transaction commits.
    admin_client.post(
        reverse("admin:sellers_seller_changelist"),
        {"action": "verify_now", "_selected_action": [seller.pk]},
    )


# ---- the test -----------------------------------------------------------------------------------


def test_the_canary_secrets_never_leak(
    sandbox,
    settings,
    owner,
    owner_client,
    admin_client,
    every_log_record,
    every_response,
    broker,
    monkeypatch,
):
    canaries = Canaries()
    seller = onboard(owner_client)
    assert seller.auth_token == CANARY_TOKEN, "the flow really stored the canary"
    assert settings.MWS_SECRET_KEY == CANARY_SECRET_KEY, "and signs with the canary secret"

    report = request_a_report(owner_client, broker, sandbox, seller)
    feed = submit_a_feed(owner_client, broker, seller)
    use_the_api(canaries, seller, report, feed)
    staff_pages(admin_client, seller)
    broker.work()
    seen = fail_and_crash(canaries, owner_client, sandbox, seller, monkeypatch, settings)
    seen.extend(every_response)

    # The flow went where the checks look.
    sent = {name for name, *_ in broker.sent}
    assert {
        "gateway.dispatch",
        "gateway.work_queue",
        "reports.poll_open_requests",
        "feeds.sync",
        "sellers.verify",
    } <= sent, sent
    assert RequestLogEntry.objects.filter(seller=seller).count() >= 5
    assert RequestLogEntry.objects.filter(seller=seller).exclude(error_code="").exists()
    assert MWSCall.objects.filter(seller=seller).exists()

    assert not [text[:200] for text in seen if canaries.leaks(text)]
    logging.getLogger("sellers.canary").debug("the recorder still listens")
    assert "the recorder still listens" in every_log_record.texts
    assert len(every_log_record.texts) > 100
    assert not [text[:300] for text in every_log_record.texts if canaries.leaks(text)]
    assert not [task for task in broker.sent if canaries.leaks(repr(task))]
    assert not [value[:80] for value in every_stored_value() if canaries.leaks(value)]
    with connection.cursor() as cursor:
        cursor.execute("SELECT auth_token FROM sellers_seller WHERE id = %s", [seller.pk])
        ciphertext = cursor.fetchone()[0]
    assert decrypt(ciphertext) == CANARY_TOKEN, "the canary is stored, as ciphertext"


def test_the_broker_sees_a_secret_passed_to_a_task(broker):
    # The task-argument check above would catch a task that carried a secret.
    verify_seller.delay(CANARY_TOKEN)
    celery_app.send_task("reports.poll_open_requests", kwargs={"token": CANARY_SECRET_KEY})
    assert [Canaries().leaks(repr(task)) for task in broker.sent] == [True, True]
