"""NextTokens: sealed, scoped and expiring."""

from __future__ import annotations

import base64

import pytest

from mwssandbox.clock import ManualClock
from mwssandbox.errors import MWSError
from mwssandbox.paging import NextTokens

SCOPE = {"kind": "reports", "seller": "A1", "developer": "1234-5678-9012"}


def _corrupted(tokens, token, scope=SCOPE):
    with pytest.raises(MWSError) as caught:
        tokens.open(token, scope)
    assert caught.value.code == "NextTokenCorrupted"
    return caught.value.message


def test_a_token_round_trips_its_cursor():
    tokens = NextTokens(ManualClock(), ttl_seconds=60)
    cursor = {"after": [1591862400.0, "51781018424"], "filters": {"types": None}, "max": 10}
    token = tokens.issue(SCOPE, cursor)
    assert tokens.open(token, SCOPE) == cursor


def test_edited_truncated_foreign_and_garbage_tokens_are_corrupted():
    clock = ManualClock()
    tokens = NextTokens(clock, ttl_seconds=60)
    token = tokens.issue(SCOPE, {"after": [1.0, "1"]})
    raw = bytearray(base64.b64decode(token))
    raw[-1] ^= 1
    _corrupted(tokens, base64.b64encode(bytes(raw)).decode())
    _corrupted(tokens, token[:-8])
    _corrupted(tokens, "not base64 at all!")
    _corrupted(tokens, token, {**SCOPE, "seller": "A2"})
    _corrupted(NextTokens(clock, ttl_seconds=60), token)  # another sandbox run


def test_tokens_expire():
    clock = ManualClock()
    tokens = NextTokens(clock, ttl_seconds=60)
    token = tokens.issue(SCOPE, {"after": [1.0, "1"]})
    clock.advance(60)
    assert tokens.open(token, SCOPE)
    clock.advance(1)
    assert "expired" in _corrupted(tokens, token)
