"""A real Celery worker process picks up a task, on the embedded transport and on Redis."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from celery import Celery

ROOT = Path(__file__).resolve().parents[3]


def start_worker(broker: str, backend: str, data_dir: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "MWSPORTAL_DATA_DIR": str(data_dir),
        "CELERY_BROKER_URL": broker,
        "CELERY_RESULT_BACKEND": backend,
    }
    env.pop("DATABASE_URL", None)  # the health task only needs a database it can open
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "mwsportal",
            "worker",
            "--pool",
            "solo",
            "--loglevel",
            "WARNING",
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


@pytest.fixture
def worker_for(tmp_path, monkeypatch) -> Iterator:
    started: list[subprocess.Popen[bytes]] = []
    # Celery prefers these variables over the URLs given to the app, and CI sets them.
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    monkeypatch.delenv("CELERY_RESULT_BACKEND", raising=False)

    def start(broker: str, backend: str) -> Celery:
        started.append(start_worker(broker, backend, tmp_path))
        return Celery("probe", broker=broker, backend=backend)

    yield start
    for process in started:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.mark.integration
def test_worker_completes_a_task_on_the_embedded_sqlite_transport(worker_for, tmp_path):
    probe = worker_for(
        f"sqla+sqlite:///{tmp_path / 'broker.sqlite3'}",
        f"db+sqlite:///{tmp_path / 'results.sqlite3'}",
    )
    result = probe.send_task("mwsportal.health_check")
    assert result.get(timeout=60) == {"worker": "ok", "database": "ok"}


@pytest.mark.integration
def test_worker_completes_a_task_on_redis(worker_for, test_redis_url):
    probe = worker_for(test_redis_url, test_redis_url)
    result = probe.send_task("mwsportal.health_check")
    assert result.get(timeout=60) == {"worker": "ok", "database": "ok"}
