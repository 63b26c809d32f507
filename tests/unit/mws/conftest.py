from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from mwsclient.client import AttemptRecord, Credentials, MWSClient

from .server import ScriptedServer

ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
AUTH_TOKEN = "amzn.mws.4ea38b7b-f563-7709-4bae-87aeaEXAMPLE"
SELLER = "A1EXAMPLE0SELLER"
# 2020-06-11T08:01:49.704Z, a moment of the recorded traffic.
NOW = 1591862509.704


class FakeClock:
    def __init__(self, now: float = NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    scripted = ScriptedServer()
    yield scripted
    scripted.close()


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def attempts() -> list[AttemptRecord]:
    return []


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_client(
    server: ScriptedServer, sleeps: list[float], attempts: list[AttemptRecord], clock: FakeClock
) -> Iterator[Callable[..., MWSClient]]:
    made: list[MWSClient] = []

    def make(**overrides: Any) -> MWSClient:
        options: dict[str, Any] = {
            "app_name": "MWS Portal tests",
            "app_version": "1.0",
            "endpoint": server.url,
            "sleep": sleeps.append,
            "clock": clock,
            "observer": attempts.append,
            "timeout": 5,
        }
        options.update(overrides)
        client = MWSClient(Credentials(ACCESS_KEY, SECRET_KEY), **options)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()
