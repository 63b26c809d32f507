"""NextToken: opaque, tamper-evident, expiring page cursors.

A token carries the listing's filters and the position after the last item served, and is sealed
with an HMAC under a key that lives only in this process. Anything that does not verify (edited,
truncated, issued by another sandbox run, or for another seller or operation) is answered with
``NextTokenCorrupted``, which the developer guide says to handle by calling the original operation
again; an expired token gets the same answer.

The cursor is a position, not an offset, so items created between two pages neither repeat nor
shift the rest of the listing (lists are newest first and new items sort before the cursor).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import zlib
from typing import Any

from mwssandbox.clock import Clock
from mwssandbox.errors import MWSError

_MAC_BYTES = 20


def corrupted(message: str = "The NextToken provided is invalid or corrupted.") -> MWSError:
    return MWSError("NextTokenCorrupted", message)


class NextTokens:
    def __init__(self, clock: Clock, *, ttl_seconds: float, key: bytes | None = None) -> None:
        self._clock = clock
        self._ttl = ttl_seconds
        self._key = key or secrets.token_bytes(32)

    def issue(self, scope: dict[str, str], cursor: dict[str, Any]) -> str:
        body = json.dumps(
            {"scope": scope, "cursor": cursor, "issued": self._clock.time()},
            separators=(",", ":"),
            sort_keys=True,
        ).encode()
        packed = zlib.compress(body)
        mac = hmac.new(self._key, packed, hashlib.sha256).digest()[:_MAC_BYTES]
        return base64.b64encode(mac + packed).decode("ascii")

    def open(self, token: str, scope: dict[str, str]) -> dict[str, Any]:
        """The cursor sealed in ``token`` if it is genuine, unexpired and for ``scope``."""
        try:
            raw = base64.b64decode(token.encode("ascii"), validate=True)
        except (binascii.Error, UnicodeEncodeError, ValueError):
            raise corrupted() from None
        mac, packed = raw[:_MAC_BYTES], raw[_MAC_BYTES:]
        expected = hmac.new(self._key, packed, hashlib.sha256).digest()[:_MAC_BYTES]
        if len(mac) != _MAC_BYTES or not hmac.compare_digest(mac, expected):
            raise corrupted()
        body = json.loads(zlib.decompress(packed))
        if body["scope"] != scope:
            raise corrupted()
        if self._clock.time() - body["issued"] > self._ttl:
            raise corrupted("The NextToken provided has expired.")
        cursor: dict[str, Any] = body["cursor"]
        return cursor
