"""The log filter and the error-report filter mask tokens and configured secrets."""

from __future__ import annotations

import io
import logging
import sys

import pytest
from django.test import RequestFactory
from django.views.debug import ExceptionReporter

from mwsportal.logredaction import RedactSecretsFilter, redact

TOKEN = "amzn.mws.canary00-1111-2222-3333-444455556666"


def test_redact_masks_tokens_parameters_and_configured_secrets(settings):
    settings.MWS_SECRET_KEY = "operator-secret-key-value"
    text = (
        f"token {TOKEN} in /Sellers?MWSAuthToken=abc&Signature=xyz "
        f"auth_token={TOKEN} with key operator-secret-key-value"
    )
    redacted = redact(text)
    for secret in (TOKEN, "MWSAuthToken=abc", "Signature=xyz", "operator-secret-key-value"):
        assert secret not in redacted
    assert "MWSAuthToken=***" in redacted


def test_redact_leaves_ordinary_text_alone():
    text = "seller A1DEMOSELLER0001 verified, 3 marketplaces"
    assert redact(text) == text


def make_handler() -> tuple[logging.Handler, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactSecretsFilter())
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    return handler, stream


def test_the_log_filter_masks_arguments_and_tracebacks():
    handler, stream = make_handler()
    logger = logging.getLogger("tests.redaction")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("calling with %s", {"MWSAuthToken": TOKEN})
        try:
            raise RuntimeError(f"request failed: MWSAuthToken={TOKEN}")
        except RuntimeError:
            logger.exception("call for %s failed", "A1SELLER")
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
    output = stream.getvalue()
    assert TOKEN not in output
    assert "canary00" not in output
    assert "call for A1SELLER failed" in output
    assert "RuntimeError: request failed" in output


def test_the_console_handler_of_the_settings_redacts():
    handlers = [
        h
        for h in logging.getLogger().handlers
        if any(isinstance(f, RedactSecretsFilter) for f in h.filters)
    ]
    assert handlers, "the root logger's console handler must carry RedactSecretsFilter"


def _fails_holding_a_token(auth_token: str) -> None:
    params = {"SellerId": "A1SELLER", "MWSAuthToken": auth_token}
    raise ValueError(f"failed with {len(params)} parameters")


@pytest.mark.parametrize("debug", [True, False])
def test_error_reports_mask_tokens_in_local_variables(settings, debug):
    settings.DEBUG = debug
    request = RequestFactory().post("/sellers/connect/NA/", {"auth_token": TOKEN})
    try:
        _fails_holding_a_token(TOKEN)
    except ValueError:
        reporter = ExceptionReporter(request, *sys.exc_info())
    html = reporter.get_traceback_html()
    text = reporter.get_traceback_text()
    assert "failed with 2 parameters" in html
    assert TOKEN not in html
    assert TOKEN not in text
