"""Slow clients cannot starve the web server: gunicorn, started as README says with the shipped
``gunicorn.conf.py`` and a single worker process, keeps answering ordinary requests while
clients that connected hold their connections open, sending nothing or a byte now and then."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
SLOW_CLIENTS = 4
NORMAL_REQUESTS = 3


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"gunicorn exited: {process.stderr.read().decode()[-2000:]}")
        try:
            requests.get(f"http://127.0.0.1:{port}/accounts/login/", timeout=2)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise AssertionError("gunicorn did not answer within 60 seconds")


@pytest.fixture
def gunicorn(tmp_path) -> Iterator[int]:
    port = _free_port()
    env = {**os.environ, "MWSPORTAL_DATA_DIR": str(tmp_path), "DEBUG": "true"}
    for name in ("DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL"):
        env.pop(name, None)
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "gunicorn", "mwsportal.wsgi"),
            *("--workers", "1", "--bind", f"127.0.0.1:{port}", "--log-level", "warning"),
        ],
        cwd=ROOT,  # where gunicorn finds gunicorn.conf.py, as in production
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_for(port, process)
        yield port
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _slow_client(port: int, trickle: bool, stop: threading.Event) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
        if not trickle:
            stop.wait(30)
            return
        conn.sendall(b"GET /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        while not stop.wait(0.5):
            try:
                conn.sendall(b"X")
            except OSError:
                return


@pytest.mark.integration
@pytest.mark.parametrize("trickle", [False, True], ids=["silent", "trickling"])
def test_slow_connections_do_not_block_normal_requests(gunicorn, trickle):
    stop = threading.Event()
    slow = [
        threading.Thread(target=_slow_client, args=(gunicorn, trickle, stop), daemon=True)
        for _ in range(SLOW_CLIENTS)
    ]
    for thread in slow:
        thread.start()
    time.sleep(1)  # every slow client is connected and has sent what it will
    try:
        answers = []
        for _ in range(NORMAL_REQUESTS):
            try:
                response = requests.get(f"http://127.0.0.1:{gunicorn}/accounts/login/", timeout=5)
                answers.append(response.status_code)
            except requests.RequestException as error:
                answers.append(type(error).__name__)
        assert answers == [200] * NORMAL_REQUESTS
    finally:
        stop.set()
        for thread in slow:
            thread.join(timeout=5)
