"""A Celery worker outlives a restart of its Redis broker while a task is in flight."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from celery import Celery

from tests.conftest import redis_missing

ROOT = Path(__file__).resolve().parents[3]
REDIS_SERVER = Path("/usr/bin/redis-server")

pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True)
def _redis_server_installed() -> None:
    if not REDIS_SERVER.exists():
        redis_missing(f"{REDIS_SERVER} is not installed")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_redis(port: int, folder: Path) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [
            *(str(REDIS_SERVER), "--port", str(port), "--bind", "127.0.0.1"),
            *("--save", "", "--appendonly", "no", "--dir", str(folder)),
        ],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise AssertionError("redis-server did not start")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_a_worker_survives_a_redis_restart_with_a_late_acked_task_in_flight(tmp_path, monkeypatch):
    port = free_port()
    url = f"redis://127.0.0.1:{port}/0"
    redis = start_redis(port, tmp_path)
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "CACHE_URL", "CELERY_RESULT_BACKEND")
    }
    env.update(MWSPORTAL_DATA_DIR=str(tmp_path), CELERY_BROKER_URL=url)
    worker = subprocess.Popen(
        [
            *(sys.executable, "-m", "celery", "-A", "mwsportal", "worker"),
            *("--include", "tests.integration.portal.slow_tasks", "--concurrency", "2"),
            *("--loglevel", "WARNING", "--without-mingle", "--without-gossip"),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    # Celery prefers these variables over the URLs given to the app, and CI sets them.
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    monkeypatch.delenv("CELERY_RESULT_BACKEND", raising=False)
    probe = Celery("probe", broker=url, backend=url)
    try:
        assert probe.send_task("mwsportal.health_check").get(timeout=60)["worker"] == "ok"
        probe.send_task("tests.sleep", args=[5])
        # Picked up and not acknowledged (acks_late), while the other pool slot waits in BRPOP.
        time.sleep(1.5)
        redis.kill()
        redis.wait()
        time.sleep(1)
        redis = start_redis(port, tmp_path)

        # Redis lost everything it held; the worker reconnects and takes new work.
        result = probe.send_task("mwsportal.health_check")
        deadline = time.monotonic() + 60
        while not result.ready():
            assert worker.poll() is None, worker.stderr.read().decode()[-3000:]
            assert time.monotonic() < deadline, "the worker took no task after the restart"
            time.sleep(0.2)
        assert result.get(timeout=5)["worker"] == "ok"
    finally:
        stop(worker)
        stop(redis)
