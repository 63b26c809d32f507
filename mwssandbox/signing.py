"""Signature Version 2, as the MWS server checks it.

Written from the developer guide ("Creating the Canonicalized Query String", "Signing the query
request") and kept independent of ``mwsclient``: if the portal's client signed wrongly, a
shared implementation would agree with it and the mistake would never surface.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from urllib.parse import quote, unquote

SIGNATURE_METHODS = {"HmacSHA256": hashlib.sha256, "HmacSHA1": hashlib.sha1}
SIGNATURE_VERSION = "2"


def percent_encode(value: str) -> str:
    """RFC 3986: unreserved characters stay, everything else is %XY of its UTF-8 bytes."""
    return quote(value, safe="-_.~")


def canonical_query(params: Mapping[str, str]) -> str:
    """All parameters but ``Signature``, in natural byte order of their names."""
    names = sorted((name for name in params if name != "Signature"), key=lambda n: n.encode())
    return "&".join(f"{percent_encode(name)}={percent_encode(params[name])}" for name in names)


def string_to_sign(method: str, host: str, path: str, params: Mapping[str, str]) -> str:
    canonical_path = quote(unquote(path), safe="/-_.~") or "/"
    return f"{method.upper()}\n{host.lower()}\n{canonical_path}\n{canonical_query(params)}"


def compute_signature(secret_key: str, signature_method: str, text: str) -> str:
    digest = SIGNATURE_METHODS[signature_method]
    mac = hmac.new(secret_key.encode(), text.encode(), digest).digest()
    return base64.b64encode(mac).decode("ascii")


def signature_matches(
    secret_key: str, method: str, host: str, path: str, params: Mapping[str, str]
) -> bool:
    """Whether ``params["Signature"]`` is right; ``SignatureMethod`` must already be valid."""
    expected = compute_signature(
        secret_key, params["SignatureMethod"], string_to_sign(method, host, path, params)
    )
    return hmac.compare_digest(expected.encode(), params.get("Signature", "").encode())
