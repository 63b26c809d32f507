"""Run the whole portal in the foreground: MWS sandbox, web server, Celery workers and beat."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Any

import requests
from django.conf import settings
from django.core.management import get_commands
from django.core.management.base import BaseCommand, CommandError

from mwsportal.demo import DEMO_PASSWORD, DEMO_STAFF_PASSWORD, DEMO_STAFF_USERNAME, DEMO_USERNAME
from mwsportal.health import endpoint_for_display

STOP_GRACE_SECONDS = 10


def worker_argv() -> list[str]:
    """The worker of MWS calls and every other task, with the embedded beat."""
    return [
        *("-m", "celery", "-A", "mwsportal", "worker", "-n", "mws@%h"),
        *("--queues", settings.CELERY_TASK_DEFAULT_QUEUE),
        *("--beat", "--schedule", settings.CELERY_BEAT_SCHEDULE_FILE),
        *("--loglevel", "INFO", "--concurrency", "2"),
    ]


def webhook_worker_argv() -> list[str]:
    """Webhook deliveries wait on partners' servers, so they get a worker of their own: a
    partner whose endpoints never answer keeps it busy, never the worker of MWS calls."""
    return [
        *("-m", "celery", "-A", "mwsportal", "worker", "-n", "webhooks@%h"),
        *("--queues", settings.WEBHOOK_QUEUE),
        *("--loglevel", "INFO", "--concurrency", "2"),
    ]


def ingest_worker_argv() -> list[str]:
    """Reading stored reports into rows: minutes for a large report, so on its own worker."""
    return [
        *("-m", "celery", "-A", "mwsportal", "worker", "-n", "ingest@%h"),
        *("--queues", settings.INGEST_QUEUE),
        *("--loglevel", "INFO", "--concurrency", "1"),
    ]


@dataclass
class Child:
    name: str
    process: subprocess.Popen[bytes]


class Command(BaseCommand):
    help = (
        "Start the MWS sandbox, the web server, one Celery worker with embedded beat, one for "
        "webhook deliveries and one for reading reports into rows as one foreground command; "
        "Ctrl-C stops every process it started."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--addr", default=os.environ.get("PORTAL_ADDR", "127.0.0.1:8000"))
        parser.add_argument(
            "--no-sandbox",
            action="store_true",
            help="Do not start the bundled MWS sandbox (MWS_ENDPOINT points elsewhere).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        self.children: list[Child] = []
        previous_handler = signal.signal(signal.SIGTERM, self._on_sigterm)
        try:
            if not options["no_sandbox"] and self._sandbox_wanted():
                self._start(
                    "sandbox",
                    ["manage.py", "mws_sandbox", "--addr", settings.SANDBOX_ADDR],
                )
                self._wait_for_sandbox()
            self._start("web", ["manage.py", "runserver", options["addr"], "--noreload"])
            self._start("worker", worker_argv())
            self._start("webhook-worker", webhook_worker_argv())
            self._start("ingest-worker", ingest_worker_argv())
            self._announce(options["addr"])
            self._supervise()
        except KeyboardInterrupt:
            self.stdout.write("\nStopping…")
        finally:
            self._stop_all()
            signal.signal(signal.SIGTERM, previous_handler)

    def _sandbox_wanted(self) -> bool:
        # The sandbox only makes sense when the portal is pointed at it.
        return "mws_sandbox" in get_commands() and settings.MWS_ENDPOINT.rstrip("/").endswith(
            settings.SANDBOX_ADDR
        )

    def _start(self, name: str, argv: list[str]) -> None:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and fixed arguments
            [sys.executable, *argv], cwd=settings.BASE_DIR
        )
        self.children.append(Child(name, process))

    def _wait_for_sandbox(self) -> None:
        deadline = time.monotonic() + 30
        url = f"http://{settings.SANDBOX_ADDR}/"
        while time.monotonic() < deadline:
            self._raise_if_any_exited()
            try:
                requests.get(url, timeout=1)
                return
            except requests.RequestException:
                time.sleep(0.2)
        raise CommandError(f"The MWS sandbox did not answer at {url} within 30 seconds.")

    def _announce(self, addr: str) -> None:
        line = "-" * 64
        self.stdout.write(
            f"\n{line}\n"
            f"MWS Portal is running at http://{addr}/\n"
            f"  seller login: {DEMO_USERNAME} / {DEMO_PASSWORD}\n"
            f"  staff login:  {DEMO_STAFF_USERNAME} / {DEMO_STAFF_PASSWORD}  (admin at /admin/)\n"
            f"  MWS endpoint: {endpoint_for_display() if settings.MWS_ENDPOINT else 'real hosts'}\n"
            f"Press Ctrl-C to stop everything.\n{line}\n"
        )

    def _supervise(self) -> None:
        while True:
            self._raise_if_any_exited()
            time.sleep(0.5)

    def _raise_if_any_exited(self) -> None:
        for child in self.children:
            code = child.process.poll()
            if code is not None:
                raise CommandError(f"The {child.name} process stopped (exit code {code}).")

    def _on_sigterm(self, signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    def _stop_all(self) -> None:
        for child in reversed(self.children):
            if child.process.poll() is None:
                child.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for child in reversed(self.children):
            remaining = max(0.1, deadline - time.monotonic())
            try:
                child.process.wait(timeout=remaining)
            except subprocess.TimeoutExpired:
                child.process.kill()
                child.process.wait()
