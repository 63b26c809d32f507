"""MWS Signature Version 2, exactly as the developer guide states it.

- Names and values are UTF-8, percent-encoded per RFC 3986: ``A-Z a-z 0-9 - _ . ~`` stay as
  they are, every other byte becomes ``%XY`` with upper-case hex, so a space is ``%20`` and
  never ``+``.
- Pairs are sorted by parameter name in byte order and joined as ``name=value`` (even for an
  empty value) with ``&``.
- The string to sign is ``METHOD\\nhost\\npath\\ncanonical-query``: the host lower-cased, with
  its port when the port is not the scheme's default (the caller passes the Host header value),
  and ``/`` for an empty path.
- The signature is the base64 HMAC of that string with the secret key, HmacSHA256 by default.

The canonical query string is also the exact wire encoding of the parameters, so the client
builds it once and uses it both for signing and as the request body or URL query.
"""

from __future__ import annotations

import base64
import hmac
import re
from collections.abc import Mapping

ALGORITHMS: Mapping[str, str] = {"HmacSHA256": "sha256", "HmacSHA1": "sha1"}

_UNRESERVED = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~"
_is_unreserved = re.compile(r"[A-Za-z0-9\-_.~]*").fullmatch

# Indexed by byte value: the byte itself when unreserved, "%XY" otherwise. Applied with
# str.translate to the UTF-8 bytes seen as Latin-1 text, which maps each byte to one character.
_BYTE_TABLE: list[str] = [chr(b) if b in _UNRESERVED else f"%{b:02X}" for b in range(256)]


def percent_encode(value: str) -> str:
    """RFC 3986 encoding of a name or value, as the guide specifies it."""
    # Most names and many values (ids, enumerations) are plain ASCII words: skip the work.
    if _is_unreserved(value):
        return value
    return value.encode("utf-8").decode("latin-1").translate(_BYTE_TABLE)


def encode_base64(value: str) -> str:
    """``percent_encode`` for base64 text (a signature), whose only reserved characters are
    ``+``, ``/`` and ``=``."""
    return value.replace("+", "%2B").replace("/", "%2F").replace("=", "%3D")


def encode_path(path: str) -> str:
    """The URL-encoded absolute path, ``/`` when empty; slashes separate segments."""
    if not path:
        return "/"
    return "/".join(percent_encode(segment) for segment in path.split("/"))


def canonical_query(params: Mapping[str, str]) -> str:
    """Parameters sorted by name in byte order, RFC 3986 encoded, joined ``a=b&c=d``.

    Python orders ``str`` by code point, which is the byte order of their UTF-8 encoding, so
    sorting the names sorts their UTF-8 bytes. Names are sorted before encoding, as the guide
    and the official libraries do.
    """
    enc = percent_encode
    return "&".join([f"{enc(name)}={enc(params[name])}" for name in sorted(params)])


def string_to_sign(method: str, host: str, path: str, params: Mapping[str, str]) -> str:
    """The Signature Version 2 string to sign; a ``Signature`` entry in params is ignored."""
    if "Signature" in params:
        params = {name: value for name, value in params.items() if name != "Signature"}
    return f"{method.upper()}\n{host.lower()}\n{encode_path(path)}\n{canonical_query(params)}"


def digest_name(algorithm: str) -> str:
    try:
        return ALGORITHMS[algorithm]
    except KeyError:
        raise ValueError(
            f"unsupported SignatureMethod {algorithm!r}; MWS accepts {', '.join(ALGORITHMS)}"
        ) from None


def sign(string_to_sign: str, secret_key: str, algorithm: str = "HmacSHA256") -> str:
    """base64(HMAC(secret_key, string_to_sign)) with HmacSHA256 or HmacSHA1."""
    digest = hmac.digest(
        secret_key.encode("utf-8"), string_to_sign.encode("utf-8"), digest_name(algorithm)
    )
    return base64.b64encode(digest).decode("ascii")


class Signer:
    """``sign`` with the key and digest resolved once, for the client's hot path."""

    __slots__ = ("_digest", "_key", "algorithm")

    def __init__(self, secret_key: str, algorithm: str = "HmacSHA256") -> None:
        self.algorithm = algorithm
        self._digest = digest_name(algorithm)
        self._key = secret_key.encode("utf-8")

    def __repr__(self) -> str:
        return f"Signer(algorithm={self.algorithm!r})"

    def sign(self, string_to_sign: str) -> str:
        digest = hmac.digest(self._key, string_to_sign.encode("utf-8"), self._digest)
        return base64.b64encode(digest).decode("ascii")
