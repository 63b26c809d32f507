"""Last-line defences that keep secrets out of log output and error reports.

Code is written so it never logs a secret in the first place; these filters catch the mistake
that slips through anyway (an exception text quoting a URL, a dict logged whole, a local
variable shown on an error page).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from django.conf import settings
from django.views.debug import SafeExceptionReporterFilter

from mwsclient.redaction import MASK, redact_text

# Broader than the client's pattern: any amzn.mws. value, even one that is not a well-formed
# token, is what a seller pasted as a token.
AUTH_TOKEN = re.compile(r"amzn\.mws\.[A-Za-z0-9-]+")
# The portal's own partner API keys (partners.services.create_api_key): prefix and secret part
# alike, since together they are the key.
API_KEY = re.compile(r"mwsp_[A-Za-z0-9_-]+")
# Form fields whose whole value is secret, whatever it looks like.
SECRET_FORM_FIELDS = frozenset(
    {
        "auth_token",
        "new_auth_token",
        "password",
        "password1",
        "password2",
        "old_password",
        "new_password1",
        "new_password2",
    }
)
# Shorter configured values are not treated as secrets to look for: masking every occurrence of
# a short string would garble ordinary text.
MIN_KNOWN_SECRET_LENGTH = 8


def _configured_secrets() -> list[str]:
    values = [
        settings.SECRET_KEY,
        getattr(settings, "MWS_SECRET_KEY", ""),
        getattr(settings, "EMAIL_HOST_PASSWORD", ""),
        getattr(settings, "HEALTHZ_TOKEN", ""),
        *getattr(settings, "FIELD_ENCRYPTION_KEYS", []),
        *(
            override.get("secret_key", "")
            for override in getattr(settings, "MWS_REGION_ACCOUNTS", {}).values()
        ),
    ]
    return [value for value in values if value and len(value) >= MIN_KNOWN_SECRET_LENGTH]


def redact(text: str) -> str:
    """``text`` with MWS Auth Tokens, API keys, signatures and configured secret values
    masked."""
    text = redact_text(text)
    text = AUTH_TOKEN.sub(MASK, text)
    text = API_KEY.sub(MASK, text)
    for secret in _configured_secrets():
        text = text.replace(secret, MASK)
    return text


class RedactSecretsFilter(logging.Filter):
    """Masks secrets in a record's message, arguments and traceback before a handler sees it.

    Attached to handlers (not loggers) so it also covers records propagated from every logger.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class RedactingExceptionReporterFilter(SafeExceptionReporterFilter):
    """Django's filter (which hides settings and decorated variables) plus masking of tokens in
    every local variable and of secret form fields, on the debug page and in error e-mails.

    Django only honours ``sensitive_post_parameters`` with DEBUG off; this filter masks the
    portal's secret fields in both modes, so a developer's error page is safe to share too.
    """

    def get_post_parameters(self, request: Any) -> Any:
        parameters = super().get_post_parameters(request)
        if not parameters:
            return parameters
        cleansed = parameters.copy()
        for name in cleansed:
            if name in SECRET_FORM_FIELDS:
                cleansed[name] = self.cleansed_substitute
            else:
                cleansed.setlist(
                    name,
                    [
                        redact(value) if isinstance(value, str) else value
                        for value in cleansed.getlist(name)
                    ],
                )
        return cleansed

    def cleanse_special_types(self, request: Any, value: Any) -> Any:
        value = super().cleanse_special_types(request, value)
        try:
            shown = repr(value)
        except Exception:
            return value
        redacted = redact(shown)
        return value if redacted == shown else redacted
