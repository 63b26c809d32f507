"""Masks secrets before anything about an MWS call is logged, stored or shown.

``redact`` takes a URL, a query string, a form body, free text, a parameter or header mapping
(nested containers too) and returns the same kind of value with:

- ``Signature`` and ``MWSAuthToken`` values masked wherever they appear as ``name=value``,
  ``name: value`` or ``"name": "value"`` (also with the ``=`` percent-encoded);
- secret-key, password, API-key and Authorization values masked the same way;
- ``AWSAccessKeyId`` cut to its last four characters, which is enough to tell keys apart;
- anything shaped like an MWS auth token (``amzn.mws.<uuid>``) masked wherever it is, so a
  token pasted into an unexpected field or echoed in a server message does not leak;
- passwords in URL user-info (``https://user:secret@host``) masked.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, TypeVar, cast

MASK = "***"

# Normalised (lower case, no "-" or "_") names whose values are secret.
_SECRET_KEYS = frozenset(
    {
        "signature",
        "mwsauthtoken",
        "secretkey",
        "secretaccesskey",
        "awssecretaccesskey",
        "awssecretkey",
        "password",
        "authorization",
        "proxyauthorization",
        "apikey",
        "xapikey",
        "cookie",
        "setcookie",
    }
)
_PARTIAL_KEYS = frozenset({"awsaccesskeyid", "accesskeyid"})

_SECRET_TEXT_NAMES = (
    "Signature",
    "MWSAuthToken",
    "AWSSecretAccessKey",
    "aws_secret_access_key",
    "SecretAccessKey",
    "secret_access_key",
    "SecretKey",
    "secret_key",
    "password",
    "api_key",
    "X-Api-Key",
)

_PAIR = r"""
    # The parameter name, not the tail of a longer one (but possibly right after a %XX escape,
    # as inside a URL that was itself percent-encoded into a parameter).
    (?P<name>(?:(?<=%[0-9A-Fa-f]{{2}})|(?<![A-Za-z0-9_.-])){names})
    (?P<q1>["']?)                           # a closing quote around a JSON/dict key
    (?P<sep>\s*[:=]\s*|%3[Dd])              # = or : (or %3D inside an encoded URL)
    (?P<q2>["']?)
    (?P<value>[^"'&\s,;}}<>)]*)
"""
_SECRET_PAIR_RE = re.compile(
    _PAIR.format(names="(?:" + "|".join(map(re.escape, _SECRET_TEXT_NAMES)) + ")"),
    re.IGNORECASE | re.VERBOSE,
)
_ACCESS_KEY_PAIR_RE = re.compile(
    _PAIR.format(names="(?:AWSAccessKeyId|access_key_id)"), re.IGNORECASE | re.VERBOSE
)
_AUTH_TOKEN_RE = re.compile(r"amzn\.mws\.[0-9A-Fa-f]{4,}(?:-[0-9A-Za-z]{2,})*")
_USERINFO_RE = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<user>[^/@\s:]*):[^/@\s]*@")

T = TypeVar("T")


def partial(value: str) -> str:
    """The last four characters of an identifier, the rest masked."""
    return MASK + value[-4:] if len(value) > 8 else MASK


def _mask_pair(match: re.Match[str]) -> str:
    return f"{match['name']}{match['q1']}{match['sep']}{match['q2']}{MASK}"


def _partial_pair(match: re.Match[str]) -> str:
    return f"{match['name']}{match['q1']}{match['sep']}{match['q2']}{partial(match['value'])}"


def redact_text(text: str) -> str:
    text = _SECRET_PAIR_RE.sub(_mask_pair, text)
    text = _ACCESS_KEY_PAIR_RE.sub(_partial_pair, text)
    text = _AUTH_TOKEN_RE.sub(MASK, text)
    return _USERINFO_RE.sub(lambda m: f"{m['scheme']}{m['user']}:{MASK}@", text)


def _normalise(key: str) -> str:
    return key.replace("-", "").replace("_", "").lower()


def _redact_entry(key: object, value: Any) -> Any:
    if isinstance(key, str):
        name = _normalise(key)
        if name in _SECRET_KEYS:
            return MASK
        if name in _PARTIAL_KEYS and isinstance(value, str):
            return partial(value)
    return redact(value)


def redact(value: T) -> T:
    """``value`` with its secrets masked; types other than text, bytes, mappings and
    sequences come back unchanged."""
    if isinstance(value, str):
        return cast(T, redact_text(value))
    if isinstance(value, bytes | bytearray):
        return cast(T, type(value)(redact_text(bytes(value).decode("latin-1")).encode("latin-1")))
    if isinstance(value, Mapping):
        return cast(T, {key: _redact_entry(key, item) for key, item in value.items()})
    if isinstance(value, list | tuple | set | frozenset):
        return cast(T, type(value)(redact(item) for item in value))
    return value
