"""The User-Agent header MWS requires: ``AppName/AppVersion (Language=...; Key=Value)``.

Quoting follows the guide: a backslash is always doubled; a ``/`` in the application name, a
``(`` in the version, a ``=`` in an attribute name, and ``)`` or ``;`` in an attribute value are
escaped with a backslash. Runs of whitespace (including line breaks, which would split the
header) collapse to one space. MWS rejects headers over 500 characters, so that limit is
enforced when the header is built rather than discovered on the first call.

HTTP header values are Latin-1 on the wire, so a header with other characters cannot be sent at
all (requests would fail with UnicodeEncodeError on the first call); such a header is refused
when it is built, naming the part that holds the character. Attribute names are identifiers
(Language, Platform, Host): one containing ``;``, ``)`` or ``=`` is refused rather than escaped,
so the header never depends on how a parser reads an escaped name.
"""

from __future__ import annotations

import platform
import re
from collections.abc import Mapping

from mwsclient.errors import InvalidParameterError

MAX_LENGTH = 500

_WHITESPACE = re.compile(r"\s+")
_NAME_BREAKERS = frozenset(";)=")


def _clean(text: str) -> str:
    return _WHITESPACE.sub(" ", text).strip()


def _quote(text: str, specials: str) -> str:
    text = _clean(text).replace("\\", "\\\\")
    for char in specials:
        text = text.replace(char, "\\" + char)
    return text


def build_user_agent(
    app_name: str, app_version: str, attributes: Mapping[str, str] | None = None
) -> str:
    """The header for this application, with Language and Platform filled in.

    Extra ``attributes`` (for example ``{"Host": "worker-3"}``) follow Language and Platform.
    """
    if not _clean(app_name):
        raise InvalidParameterError.local("app_name", "must not be empty")
    if not _clean(app_version):
        raise InvalidParameterError.local("app_version", "must not be empty")
    pairs = {
        "Language": f"Python/{platform.python_version()}",
        "Platform": f"{platform.system()}/{platform.release()}",
        **(attributes or {}),
    }
    _check_latin_1("app_name", app_name)
    _check_latin_1("app_version", app_version)
    for key, value in pairs.items():
        breakers = sorted(_NAME_BREAKERS.intersection(key))
        if breakers:
            raise InvalidParameterError.local(
                f"User-Agent attribute {key!r}",
                f"an attribute name cannot contain {' or '.join(repr(c) for c in breakers)}",
            )
        _check_latin_1(f"User-Agent attribute {key!r}", key)
        _check_latin_1(f"User-Agent attribute {key!r} value", value)
    rendered = "; ".join(
        f"{_quote(key, '=')}={_quote(value, ');')}" for key, value in pairs.items()
    )
    header = f"{_quote(app_name, '/')}/{_quote(app_version, '(')} ({rendered})"
    if len(header) > MAX_LENGTH:
        raise InvalidParameterError.local(
            "User-Agent", f"is {len(header)} characters; MWS accepts at most {MAX_LENGTH}"
        )
    return header


def _check_latin_1(part: str, text: str) -> None:
    for position, char in enumerate(text, start=1):
        if ord(char) > 0xFF:
            raise InvalidParameterError.local(
                part,
                f"character {position} ({char!r}, U+{ord(char):04X}) is not Latin-1, which is "
                "all an HTTP header can carry",
            )
