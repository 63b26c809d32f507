"""The sandbox keeps its own throttle table (it must not import the client, so a mistake in the
client cannot be mirrored by the server); the two are written from the same reference and must
agree, operation by operation, or one of them drifted."""

from __future__ import annotations

import pytest

from mwsclient.operations import OPERATIONS
from mwssandbox.throttle import THROTTLE_TABLE, throttle_group


def test_the_sandbox_throttles_exactly_the_operations_of_the_catalog():
    grouped = {throttle_group(name) for name in OPERATIONS}
    assert grouped == set(THROTTLE_TABLE)


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_bucket_numbers_agree(name):
    client_side = OPERATIONS[name].throttle
    sandbox_side = THROTTLE_TABLE[throttle_group(name)]
    assert client_side.name == throttle_group(name)
    assert (client_side.quota, client_side.restore_seconds, client_side.hourly_quota) == (
        sandbox_side.quota,
        sandbox_side.restore_seconds,
        sandbox_side.hourly,
    )
