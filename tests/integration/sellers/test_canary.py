"""A canary MWS Auth Token goes through every seller flow and must never come out again.

It is looked for in every log record (SQL included), every page and error page the flows
produce, the admin, error e-mails, exception messages, task arguments and every column of
every table, where only its ciphertext may be.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterator

import pytest
from celery import Celery
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mwsportal.fields import decrypt
from sellers import services
from sellers.models import Seller
from tests.integration.sellers.sandbox import CANARY_SELLER_ID, CANARY_TOKEN, DEVELOPER_ID

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

# The random tail alone, so a token cut up or re-quoted on its way out is caught as well.
CANARY_TAIL = CANARY_TOKEN.rsplit("-", 1)[1]


def leaks(text: str) -> bool:
    return CANARY_TOKEN in text or CANARY_TAIL in text


class RecordEverything(logging.Handler):
    """Keeps the text of every record as it was logged. Taken at once, because a later handler
    (the redacting console handler) may mask the record in place."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.texts: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.texts.append(record.getMessage())
        self.texts.append(repr(record.args))
        if record.exc_info:
            self.texts.append("".join(traceback.format_exception(*record.exc_info)))
        if record.stack_info:
            self.texts.append(record.stack_info)


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
        # First, to see each record before the redacting console handler masks it: the code
        # must not log the token at all, masking is only the safety net.
        logger.handlers.insert(0, recorder)
    logging.getLogger().setLevel(logging.DEBUG)
    try:
        yield recorder
    finally:
        for logger, level in levels:
            logger.removeHandler(recorder)
            logger.setLevel(level)


@pytest.fixture
def every_sql_statement() -> Iterator[CaptureQueriesContext]:
    """Capturing also sends every statement, parameters included, to the log."""
    with CaptureQueriesContext(connection) as queries:
        yield queries


@pytest.fixture
def sent_tasks(monkeypatch) -> list[tuple]:
    sent: list[tuple] = []

    def record(self, name, args=None, kwargs=None, **options):
        sent.append((name, args, kwargs, options))

    monkeypatch.setattr(Celery, "send_task", record)
    return sent


@pytest.fixture
def admin_client(make_user) -> Client:
    user = make_user("root@example.com", staff=True)
    user.is_superuser = True
    user.save()
    client = Client()
    client.force_login(user)
    return client


def every_stored_value() -> Iterator[str]:
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, bytes | memoryview):
                        yield bytes(value).decode("latin-1")
                    elif isinstance(value, str):
                        yield value


def test_the_canary_token_never_leaks(
    sandbox,
    settings,
    owner,
    owner_client,
    admin_client,
    every_log_record,
    every_sql_statement,
    sent_tasks,
    monkeypatch,
):
    settings.ADMINS = [("Operations", "ops@example.com")]
    seen: list[str] = []

    def look(response):
        seen.append(response.content.decode("utf-8", "replace"))
        seen.append(str(response.cookies))
        seen.extend(str(value) for value in response.headers.values())
        for redirect, _ in getattr(response, "redirect_chain", []):
            seen.append(redirect)
        return response

    connect = reverse("sellers:connect_region", args=["NA"])
    look(
        owner_client.post(
            connect,
            {"seller_id": CANARY_SELLER_ID, "auth_token": CANARY_TOKEN, "name": "Canary"},
            follow=True,
        )
    )
    seller = Seller.objects.get(owner=owner)
    assert seller.auth_token == CANARY_TOKEN, "the flow really stored the canary"

    # The seller's own pages and actions.
    for name in ("sellers:dashboard", "sellers:settings"):
        look(owner_client.get(reverse(name, args=[seller.pk])))
    look(owner_client.get(reverse("sellers:list")))
    look(owner_client.get("/"))
    look(owner_client.post(reverse("sellers:verify", args=[seller.pk]), follow=True))
    look(
        owner_client.post(
            reverse("sellers:replace_token", args=[seller.pk]),
            {"auth_token": CANARY_TOKEN},
            follow=True,
        )
    )

    # Refusals: not authorized for this seller, malformed, already connected.
    for seller_id, token in (
        ("A4DEMOSELLER0004", CANARY_TOKEN),
        (CANARY_SELLER_ID, CANARY_TOKEN + "x"),
        (CANARY_SELLER_ID, CANARY_TOKEN),
    ):
        response = owner_client.post(connect, {"seller_id": seller_id, "auth_token": token})
        assert response.status_code == 400
        look(response)

    # Staff pages, including a refused token replacement.
    look(admin_client.get(reverse("admin:sellers_seller_changelist")))
    look(admin_client.get(reverse("admin:sellers_seller_change", args=[seller.pk])))
    other = Seller.objects.create(
        owner=owner, seller_id="A4DEMOSELLER0004", region="NA", name="x", auth_token=None
    )
    look(
        admin_client.post(
            reverse("admin:sellers_seller_change", args=[other.pk]),
            {
                "name": "x",
                "new_auth_token": CANARY_TOKEN,
                "marketplaces-TOTAL_FORMS": "0",
                "marketplaces-INITIAL_FORMS": "0",
            },
        )
    )

    # Revoked in Seller Central: the next call flags the seller, and the pages say why.
    sandbox.state.accounts.revoke(CANARY_SELLER_ID, DEVELOPER_ID)
    look(owner_client.post(reverse("sellers:verify", args=[seller.pk]), follow=True))
    seller.refresh_from_db()
    assert seller.status == Seller.Status.NEEDS_REAUTH
    look(owner_client.get(reverse("sellers:dashboard", args=[seller.pk])))
    look(admin_client.get(reverse("admin:sellers_seller_changelist")))

    # Exception messages, whole chains included.
    try:
        services.verify_seller(seller)
    except services.AuthorizationCheckFailed as failure:
        chain: BaseException | None = failure
        while chain is not None:
            seen.extend([str(chain), repr(chain)])
            chain = chain.__context__ or chain.__cause__

    # Error pages, for users (DEBUG off, with an e-mail to the admins) and for developers.
    def crash(*args, **kwargs):
        raise RuntimeError("storage failed")

    monkeypatch.setattr("sellers.services._sync_marketplaces", crash)
    sandbox.state.accounts.authorize(
        CANARY_SELLER_ID, sandbox.state.accounts.find_developer("MWS Portal", DEVELOPER_ID)
    )
    owner_client.raise_request_exception = False
    for debug in (False, True):
        settings.DEBUG = debug
        response = owner_client.post(
            reverse("sellers:replace_token", args=[seller.pk]),
            {"auth_token": sandbox.state.accounts.grants(CANARY_SELLER_ID)[0].mws_auth_token},
        )
        assert response.status_code == 500
        look(response)
        response = owner_client.post(
            connect, {"seller_id": "A1DEMOSELLER0001", "auth_token": CANARY_TOKEN}
        )
        look(response)
    settings.DEBUG = False
    assert mail.outbox, "the error e-mail to the admins was sent"
    for message in mail.outbox:
        seen.append(message.subject)
        seen.append(message.body)
        seen.extend(str(content) for content, _ in getattr(message, "alternatives", []))

    assert every_sql_statement.captured_queries
    seen.extend(query["sql"] for query in every_sql_statement.captured_queries)

    leaked_pages = [text[:200] for text in seen if leaks(text)]
    assert not leaked_pages, leaked_pages
    leaked_logs = [text[:300] for text in every_log_record.texts if leaks(text)]
    assert not leaked_logs, leaked_logs
    assert any("connected seller" in text for text in every_log_record.texts)
    assert not [task for task in sent_tasks if leaks(repr(task))]

    assert not [value[:80] for value in every_stored_value() if leaks(value)]
    with connection.cursor() as cursor:
        cursor.execute("SELECT auth_token FROM sellers_seller WHERE id = %s", [seller.pk])
        ciphertext = cursor.fetchone()[0]
    assert decrypt(ciphertext) == CANARY_TOKEN, "the canary is stored, as ciphertext"
