"""Fixtures for tests that talk HTTP to a sandbox running in this process on loopback."""

from __future__ import annotations

import copy
import json
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from mwssandbox.clock import ManualClock
from mwssandbox.server import RunningSandbox, running_sandbox
from tests.integration.sandbox.signed_client import Client

MANAGE = Path(__file__).resolve().parents[3] / "manage.py"

DEVELOPER = {
    "access_key_id": "AKIATESTDEVELOPER001",
    "secret_key": "test-developer-secret",
    "account_number": "1111-2222-3333",
    "name": "Test Developer",
}
OTHER_DEVELOPER = {
    "access_key_id": "AKIAOTHERDEVELOPER02",
    "secret_key": "other-developer-secret",
    "account_number": "4444-5555-6666",
    "name": "Other Developer",
}
SELLER = "A1TESTSELLER"
TOKEN = "amzn.mws.11111111-2222-3333-4444-555555555555"
UNAUTHORIZED_SELLER = "A2NOTAUTHORIZED"
EU_SELLER = "A3EUSELLER"
EU_TOKEN = "amzn.mws.33333333-2222-3333-4444-555555555555"

BASE_CONFIG: dict[str, Any] = {
    "developers": [DEVELOPER, OTHER_DEVELOPER],
    "sellers": [
        {
            "seller_id": SELLER,
            "name": "Test Seller",
            "region": "NA",
            "marketplaces": ["ATVPDKIKX0DER", "A2EUQ1WTGCTBG2"],
            "authorizations": [
                {"access_key_id": DEVELOPER["access_key_id"], "mws_auth_token": TOKEN}
            ],
            "seller_central": {"email": "seller@example.com", "password": "seller-password"},
        },
        {
            "seller_id": UNAUTHORIZED_SELLER,
            "region": "NA",
            "marketplaces": ["A2EUQ1WTGCTBG2"],
            "seller_central": {"email": "new@example.com", "password": "new-password"},
        },
        {
            "seller_id": EU_SELLER,
            "region": "EU",
            "marketplaces": ["A1PA6795UKMFR9", "A1F83G8C2ARO7P", "A13V1IB3VIYZZH"],
            "authorizations": [
                {"access_key_id": DEVELOPER["access_key_id"], "mws_auth_token": EU_TOKEN}
            ],
        },
    ],
    "reports": {"catalogue_size": 40, "settlement_interval_days": None},
    "delays": {
        "report_submitted": 10,
        "report_in_progress": 20,
        "feed_submitted": 10,
        "feed_in_progress": 30,
    },
}


def config(**sections: Any) -> dict[str, Any]:
    """The base test config with whole top-level sections replaced."""
    raw = copy.deepcopy(BASE_CONFIG)
    raw.update(copy.deepcopy(sections))
    return raw


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(start=float(int(time.time())))


@pytest.fixture
def make_sandbox(clock: ManualClock) -> Iterator[Callable[..., RunningSandbox]]:
    with ExitStack() as stack:

        def make(raw: dict[str, Any] | None = None, **options: Any) -> RunningSandbox:
            options.setdefault("clock", clock)
            return stack.enter_context(running_sandbox(raw or config(), **options))

        yield make


@pytest.fixture
def sandbox(make_sandbox: Callable[..., RunningSandbox]) -> RunningSandbox:
    return make_sandbox()


@pytest.fixture
def make_client(clock: ManualClock) -> Callable[..., Client]:
    def make(
        running: RunningSandbox,
        *,
        seller: str = SELLER,
        token: str | None = TOKEN,
        developer: dict[str, str] = DEVELOPER,
    ) -> Client:
        return Client(
            running.url,
            developer["access_key_id"],
            developer["secret_key"],
            seller,
            token,
            now=running.state.clock.time,
        )

    return make


@pytest.fixture
def client(sandbox: RunningSandbox, make_client: Callable[..., Client]) -> Client:
    return make_client(sandbox)


@dataclass
class SandboxProcess:
    url: str
    process: subprocess.Popen[str]
    log: Path

    def output(self) -> str:
        return self.log.read_text()


@pytest.fixture
def start_sandbox_process(tmp_path: Path) -> Iterator[Callable[..., SandboxProcess]]:
    """``manage.py mws_sandbox`` in a child process on a free loopback port."""
    started: list[SandboxProcess] = []

    def start(raw: dict[str, Any] | None = None, *args: str) -> SandboxProcess:
        path = tmp_path / f"sandbox-{len(started)}.json"
        path.write_text(json.dumps(raw or config()))
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        log = tmp_path / f"sandbox-{len(started)}.log"
        with log.open("w") as sink:
            process = subprocess.Popen(
                [
                    sys.executable,
                    str(MANAGE),
                    "mws_sandbox",
                    "--addr",
                    f"127.0.0.1:{port}",
                    "--config",
                    str(path),
                    "--state-file",
                    "",
                    *args,
                ],
                stdout=sink,
                stderr=subprocess.STDOUT,
                text=True,
            )
        running = SandboxProcess(f"http://127.0.0.1:{port}", process, log)
        started.append(running)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"the sandbox exited early:\n{running.output()}")
            try:
                requests.get(running.url + "/", timeout=1)
                return running
            except requests.ConnectionError:
                time.sleep(0.1)
        pytest.fail(f"the sandbox did not start:\n{running.output()}")

    yield start
    for running in started:
        if running.process.poll() is None:
            running.process.terminate()
            try:
                running.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                running.process.kill()
                running.process.wait()
