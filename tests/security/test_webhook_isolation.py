"""The attack of the report, replayed with real worker processes: a partner's 40 endpoints point
at a server that accepts connections and never answers, and their deliveries are queued. The
workers ``make run`` starts (run_portal's own arguments) keep answering the default queue, where
MWS calls run, at once: the deliveries wait on their own queue and worker."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from celery import Celery
from django.conf import settings

from mwsportal.management.commands import run_portal

ROOT = Path(__file__).resolve().parents[2]
ENDPOINTS = 40

# Runs in the workers' environment: a database of theirs with the partner's endpoints and one
# due delivery each; prints the delivery ids.
SETUP = """
import sys, django
django.setup()
from django.core.management import call_command
from django.utils import timezone
from partners.models import Partner, WebhookDelivery, WebhookEndpoint
call_command("migrate", verbosity=0)
partner = Partner.objects.create(name="Silent Partner")
ids = []
for n in range(int(sys.argv[2])):
    endpoint = WebhookEndpoint.objects.create(
        partner=partner, url=f"http://127.0.0.1:{sys.argv[1]}/{n}", events=["feed.done"],
        secret="whsec_isolation",
    )
    ids.append(WebhookDelivery.objects.create(
        endpoint=endpoint, event="feed.done", payload={"n": n}, next_attempt_at=timezone.now()
    ).pk)
print(" ".join(map(str, ids)))
"""


@pytest.fixture
def silent_server() -> Iterator[int]:
    listener = socket.create_server(("127.0.0.1", 0))
    listener.listen(128)
    yield listener.getsockname()[1]
    listener.close()


@pytest.fixture
def environment(tmp_path, monkeypatch) -> dict[str, str]:
    # Celery prefers these variables over the URLs given to the app, and CI sets them.
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    monkeypatch.delenv("CELERY_RESULT_BACKEND", raising=False)
    env = {**os.environ, "MWSPORTAL_DATA_DIR": str(tmp_path), "DEBUG": "true"}
    for name in ("DATABASE_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "CACHE_URL"):
        env.pop(name, None)
    return env


@pytest.fixture
def workers(environment, tmp_path) -> Iterator[None]:
    started = []
    schedule = str(tmp_path / "celerybeat-schedule")
    for argv in (run_portal.worker_argv(), run_portal.webhook_worker_argv()):
        argv = [schedule if arg == settings.CELERY_BEAT_SCHEDULE_FILE else arg for arg in argv]
        started.append(
            subprocess.Popen(
                [sys.executable, *argv, "--without-mingle", "--without-gossip"],
                cwd=ROOT,
                env=environment,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
    yield
    for process in started:
        process.send_signal(signal.SIGTERM)
    for process in started:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.mark.integration
def test_deliveries_to_a_silent_server_do_not_delay_the_queue_of_mws_calls(
    environment, silent_server, tmp_path, workers
):
    setup = subprocess.run(
        [sys.executable, "-c", SETUP, str(silent_server), str(ENDPOINTS)],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    deliveries = [int(pk) for pk in setup.stdout.split()]
    probe = Celery(
        "probe",
        broker=f"sqla+sqlite:///{tmp_path / 'celery-broker.sqlite3'}",
        backend=f"db+sqlite:///{tmp_path / 'celery-results.sqlite3'}",
    )
    probe.conf.task_routes = settings.CELERY_TASK_ROUTES
    # The workers are up once the default queue answers.
    assert probe.send_task("mwsportal.health_check").get(timeout=90)["worker"] == "ok"

    for pk in deliveries:
        probe.send_task("webhooks.deliver", args=[pk])
    time.sleep(2)  # the webhook worker has taken deliveries and waits on the silent server
    started = time.monotonic()
    answer = probe.send_task("mwsportal.health_check").get(timeout=60)
    waited = time.monotonic() - started

    assert answer == {"worker": "ok", "database": "ok"}
    # Queued behind 40 deliveries of up to 10 s each on two slots, it would wait minutes.
    assert waited < 5, f"a task on the default queue waited {waited:.1f} s"
