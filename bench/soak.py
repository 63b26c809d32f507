"""Soak: the production layout on one machine, under MWS faults, worker crashes and a Redis restart.

The run starts a database of its own on PostgreSQL (created and dropped by the run), a private
``redis-server`` on a free loopback port (broker, cache and bucket store, without persistence, so
restarting it loses everything it held), the MWS sandbox at a time scale, gunicorn, two or more
Celery workers, one webhook worker and one beat. It then drives N sellers through onboarding, report
requests (from the services and over the partner API), a report schedule, feed submissions (both
ways) and partner API reads, while the sandbox injects 500s, 503 ``ServiceUnavailable``, latency,
resets after the request was received, truncated bodies and wrong Content-MD5. During that window it
SIGKILLs a worker (its whole process tree) at random moments and starts it again, and restarts Redis
once. Then the faults stop, the schedules are deleted, and the run waits until nothing is open any
more (or ``--drain-timeout`` passes) before checking:

- ``report_requests_terminal``: every report request reached a final status;
- ``reports_stored_whole``: every report is stored, and its file has the stored size and MD5;
- ``feeds_exactly_once``: every feed is processed and the sandbox received each exactly once,
  under the id the portal holds, and nothing the portal does not know of;
- ``no_self_inflicted_throttling``: no ``RequestThrottled``/``QuotaExceeded``, by the
  sandbox's own count and by the portal's request log;
- ``nothing_stuck``: no MWS call, report, feed or schedule change still pending, and no queue
  leased to a worker that is gone;
- ``no_partial_files``: every stored file a row points at has its recorded size and MD5
  (stray whole files and hidden temporaries left by a crash are listed, not failed);
- ``webhooks_delivered_or_retrying``: no delivery given up, every delivered one received once
  by the partner's endpoint with a valid signature, one per finished report and feed;
- ``memory_flat``: the RSS of every long-lived portal process (with its children) did not grow
  from the middle of the run to its end (the sandbox's is reported, not judged).

Prints one JSON object and exits 1 when a check fails. Usage:

    python bench/soak.py [--sellers 200] [--duration 600] [--time-scale 30] [--workers 2]
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import io
import json
import os
import platform
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psutil
import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.support import cpu_model, file_md5_base64, free_port  # noqa: E402

MIB = 1024 * 1024
REDIS_SERVER = "/usr/bin/redis-server"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/mwsportal_soak"
DEVELOPER = {
    "access_key_id": "AKIASOAKDEVELOPER001",
    "secret_key": "soak-developer-secret-key",
    "account_number": "7777-6666-5555",
    "name": "Soak Developer",
}
US = "ATVPDKIKX0DER"
REPORT_TYPES = (
    "_GET_FLAT_FILE_OPEN_LISTINGS_DATA_",
    "_GET_MERCHANT_LISTINGS_DATA_",
    "_GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_",
)
SCHEDULED_REPORT = "_GET_FLAT_FILE_OPEN_LISTINGS_DATA_"
# Hourly: one scheduled report per seller every two minutes at the default time scale.
SCHEDULE = "_1_HOUR_"
FEED_TYPE = "_POST_FLAT_FILE_PRICEANDQUANTITYONLY_UPDATE_DATA_"
# Every fifth webhook POST is answered 503, so deliveries go through their retries too.
RECEIVER_FAILS_EVERY = 5
# Settings that would point the started processes at the machine's shared services.
FOREIGN = (
    "DATABASE_URL",
    "CACHE_URL",
    "CELERY_BROKER_URL",
    "CELERY_RESULT_BACKEND",
    "MWS_GATEWAY_REDIS_URL",
    "MWS_GATEWAY_BUCKET_BACKEND",
    "MEDIA_ROOT",
    "STORAGE_BACKEND",
)


# What the run checks at the end; each is reported as {"ok": bool, ...details}.
CHECKS = (
    "report_requests_terminal",
    "reports_stored_whole",
    "feeds_exactly_once",
    "no_self_inflicted_throttling",
    "nothing_stuck",
    "no_partial_files",
    "webhooks_delivered_or_retrying",
    "memory_flat",
)


def seller_id(n: int) -> str:
    return f"A{n:05d}SOAKSELLER"


def auth_token(n: int) -> str:
    return f"amzn.mws.{n:08d}-50a4-4000-8000-000000000000"


@dataclass
class SoakOptions:
    sellers: int = 200
    # Seconds of load with faults; the drain that follows is not counted here.
    duration: float = 600.0
    time_scale: float = 30.0
    workers: int = 2
    concurrency: int = 2
    # SIGKILLs of a worker during the load; None: one every two minutes, at least one.
    kills: int | None = None
    redis_restart: bool = True
    # Probability of each server-side fault per call (truncations and wrong MD5s: twice this).
    fault_rate: float = 0.03
    drain_timeout: float = 600.0
    database_url: str = DEFAULT_DATABASE_URL
    seed: int = 1
    gunicorn_workers: int = 2
    # Leave the database in place after the run, to look into a failed check.
    keep_database: bool = False

    @property
    def kill_count(self) -> int:
        return self.kills if self.kills is not None else max(1, int(self.duration // 120))


def wait_for_port(port: int, timeout: float, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{process.args[:3]} exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing answered on 127.0.0.1:{port} within {timeout} s")


# ---- processes ----------------------------------------------------------------------------------


@dataclass
class Role:
    """One long-lived process of the layout, restartable with the same command."""

    name: str
    argv: list[str]
    process: subprocess.Popen | None = None


class Layout:
    """The started processes, their restarts and their memory over time."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env = env
        self.logs = logs
        self.roles: dict[str, Role] = {}
        # (role, pid) -> [(seconds since start, RSS of the process and its children)]
        self.rss: dict[tuple[str, int], list[tuple[float, int]]] = defaultdict(list)
        self.started = time.monotonic()
        self._lock = threading.Lock()

    def start(self, name: str, argv: list[str]) -> Role:
        role = self.roles.setdefault(name, Role(name, argv))
        log = (self.logs / f"{name}.log").open("ab")
        role.process = subprocess.Popen(
            argv, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
        )
        return role

    def kill(self, name: str) -> int:
        """SIGKILL the role's process and every child it has, as a crashed machine would."""
        role = self.roles[name]
        assert role.process is not None
        try:
            tree = [psutil.Process(role.process.pid)]
            tree += tree[0].children(recursive=True)
        except psutil.NoSuchProcess:
            tree = []
        for member in tree:
            with suppress(psutil.NoSuchProcess):
                member.send_signal(signal.SIGKILL)
        role.process.wait(timeout=30)
        return len(tree)

    def restart(self, name: str) -> None:
        self.start(name, self.roles[name].argv)

    def sample(self) -> None:
        now = time.monotonic() - self.started
        for role in list(self.roles.values()):
            if role.process is None or role.process.poll() is not None:
                continue
            try:
                parent = psutil.Process(role.process.pid)
                total = parent.memory_info().rss
                for child in parent.children(recursive=True):
                    with suppress(psutil.NoSuchProcess):
                        total += child.memory_info().rss
            except psutil.NoSuchProcess:
                continue
            with self._lock:
                self.rss[(role.name, role.process.pid)].append((now, total))

    def exited(self) -> list[str]:
        return [
            f"{r.name} (exit {r.process.returncode})"
            for r in self.roles.values()
            if r.process is not None and r.process.poll() is not None
        ]

    def stop_all(self) -> None:
        for role in reversed(list(self.roles.values())):
            if role.process is not None and role.process.poll() is None:
                role.process.send_signal(signal.SIGTERM)
        for role in reversed(list(self.roles.values())):
            if role.process is None:
                continue
            try:
                role.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill(role.name)


# ---- the partner's webhook endpoint -------------------------------------------------------------


class WebhookReceiver:
    """A partner's endpoint on loopback: checks signatures, fails now and then, records all."""

    def __init__(self) -> None:
        self.secret = ""
        self.received: Counter[int] = Counter()
        self.bad_signatures = 0
        self.requests = 0
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver._lock:
                    receiver.requests += 1
                    refuse = receiver.requests % RECEIVER_FAILS_EVERY == 0
                    if not refuse:
                        receiver._record(self.headers, body)
                self.send_response(503 if refuse else 204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _record(self, headers: Any, body: bytes) -> None:
        timestamp = headers.get("X-MWSPortal-Timestamp", "")
        expected = hmac.new(self.secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
        if headers.get("X-MWSPortal-Signature") != f"sha256={expected.hexdigest()}":
            self.bad_signatures += 1
            return
        self.received[int(headers["X-MWSPortal-Delivery"])] += 1

    def __enter__(self) -> WebhookReceiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


# ---- the partner API client ---------------------------------------------------------------------


class PartnerClient:
    """The partner's side of the API: every POST carries an Idempotency-Key and is retried with
    it while the portal answers 5xx/409 or cannot be reached (during the Redis restart)."""

    def __init__(self, base: str, key: str) -> None:
        self.base = base
        self.key = key
        self.local = threading.local()
        self.retries = 0
        self.errors: Counter[str] = Counter()

    @property
    def session(self) -> requests.Session:
        if not hasattr(self.local, "session"):
            self.local.session = requests.Session()
            self.local.session.headers["Authorization"] = f"Api-Key {self.key}"
        return self.local.session

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        if method == "POST":
            kwargs.setdefault("headers", {})["Idempotency-Key"] = uuid.uuid4().hex
        for attempt in range(30):
            try:
                response = self.session.request(method, self.base + path, timeout=30, **kwargs)
            except requests.RequestException as error:
                self.errors[type(error).__name__] += 1
            else:
                if response.status_code < 500 and response.status_code != 409:
                    return response
                self.errors[f"HTTP {response.status_code}"] += 1
            self.retries += 1
            time.sleep(min(5.0, 0.5 * (attempt + 1)))
        raise RuntimeError(f"{method} {path} kept failing")


# ---- the run ------------------------------------------------------------------------------------


@dataclass
class Driven:
    """What the driver did, for the report and the checks."""

    onboarded: int = 0
    onboarding_retries: int = 0
    report_requests: int = 0
    feeds: int = 0
    schedules: int = 0
    api_reads: int = 0
    api_refusals: Counter[str] = field(default_factory=Counter)
    kills: list[dict[str, Any]] = field(default_factory=list)
    redis_restarts: list[dict[str, Any]] = field(default_factory=list)
    action_errors: Counter[str] = field(default_factory=Counter)


def sandbox_config(sellers: int) -> dict[str, Any]:
    return {
        "developers": [DEVELOPER],
        "sellers": [
            {
                "seller_id": seller_id(n),
                "region": "NA",
                "marketplaces": [US],
                "authorizations": [
                    {"access_key_id": DEVELOPER["access_key_id"], "mws_auth_token": auth_token(n)}
                ],
            }
            for n in range(1, sellers + 1)
        ],
        "reports": {"catalogue_size": 25, "settlement_interval_days": None},
    }


def fault_rules(rate: float) -> list[dict[str, Any]]:
    downloads = ["GetReport", "GetFeedSubmissionResult"]
    return [
        {"kind": "internal_error", "probability": rate},
        {"kind": "service_unavailable", "probability": rate},
        {"kind": "latency", "seconds": 1.5, "probability": rate},
        {"kind": "reset", "probability": rate},
        {"kind": "truncate", "actions": downloads, "probability": 2 * rate},
        {"kind": "wrong_md5", "actions": downloads, "probability": 2 * rate},
    ]


def database_admin_url(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if name in ("", "test", "test_test", "postgres"):
        raise SystemExit(f"the soak needs a database of its own, not {name!r}")
    return parts._replace(path="/postgres").geturl(), name


@contextmanager
def own_database(url: str, *, keep: bool = False) -> Iterator[None]:
    import psycopg

    admin, name = database_admin_url(url)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield
    finally:
        if not keep:
            with psycopg.connect(admin, autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def portal_env(
    options: SoakOptions, data: Path, redis_port: int, sandbox_port: int
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in FOREIGN}
    redis_url = f"redis://127.0.0.1:{redis_port}"
    tick = 0.5
    env.update(
        DJANGO_SETTINGS_MODULE="mwsportal.settings",
        PYTHONPATH=str(ROOT),
        DEBUG="true",  # webhooks to a plain-http loopback endpoint are allowed in DEBUG only
        SECRET_KEY="soak-" + "s" * 50,
        FIELD_ENCRYPTION_KEYS=base64.urlsafe_b64encode(
            b"soak-field-encryption-key-32byte"
        ).decode(),
        MWSPORTAL_DATA_DIR=str(data),
        MEDIA_ROOT=str(data / "media"),
        FILE_UPLOAD_TEMP_DIR=str(data / "tmp"),
        CELERY_BEAT_SCHEDULE_FILE=str(data / "celerybeat-schedule"),
        DATABASE_URL=options.database_url,
        CELERY_BROKER_URL=f"{redis_url}/0",
        CACHE_URL=f"{redis_url}/1",
        MWS_ENDPOINT=f"http://127.0.0.1:{sandbox_port}",
        SELLER_CENTRAL_URL="",
        MWS_ACCESS_KEY_ID=DEVELOPER["access_key_id"],
        MWS_SECRET_KEY=DEVELOPER["secret_key"],
        MWS_DEVELOPER_ID=DEVELOPER["account_number"],
        MWS_DEVELOPER_NAME=DEVELOPER["name"],
        MWS_GATEWAY_TIME_SCALE=str(options.time_scale),
        MWS_GATEWAY_TICK_SECONDS=str(tick),
        REPORTS_POLL_SECONDS="5",
        REPORTS_SYNC_MINUTES="1",
        FEED_SYNC_SECONDS="5",
        FEED_RECONCILE_SETTLE_SECONDS="5",
        WEBHOOK_DISPATCH_SECONDS="2",
        API_RATE_LIMIT="100000/minute",
        LOG_LEVEL="WARNING",
    )
    (data / "media").mkdir(parents=True, exist_ok=True)
    (data / "tmp").mkdir(parents=True, exist_ok=True)
    return env


class Soak:
    def __init__(self, options: SoakOptions, data: Path) -> None:
        self.options = options
        self.data = data
        self.rng = random.Random(options.seed)
        self.redis_port = free_port()
        self.sandbox_port = free_port()
        self.web_port = free_port()
        self.env = portal_env(options, data, self.redis_port, self.sandbox_port)
        (data / "logs").mkdir(exist_ok=True)
        self.layout = Layout(self.env, data / "logs")
        self.driven = Driven()
        self.sandbox_url = f"http://127.0.0.1:{self.sandbox_port}"
        self.stop_sampling = threading.Event()

    # -- starting --

    def start_redis(self) -> None:
        role = self.layout.start(
            "redis",
            [
                REDIS_SERVER,
                *("--port", str(self.redis_port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--dir", str(self.data)),
            ],
        )
        wait_for_port(self.redis_port, 20, role.process)

    def start_sandbox(self) -> None:
        config = self.data / "sandbox.json"
        config.write_text(json.dumps(sandbox_config(self.options.sellers)))
        role = self.layout.start(
            "sandbox",
            [
                sys.executable,
                "manage.py",
                "mws_sandbox",
                *("--addr", f"127.0.0.1:{self.sandbox_port}", "--config", str(config)),
                *("--time-scale", str(self.options.time_scale), "--seed", str(self.options.seed)),
                *("--state-file", ""),
            ],
        )
        wait_for_port(self.sandbox_port, 60, role.process)

    def worker_argv(self, n: int) -> list[str]:
        return [
            *(sys.executable, "-m", "celery", "-A", "mwsportal", "worker", "--queues", "celery"),
            *("-n", f"soak{n}@%h", "--concurrency", str(self.options.concurrency)),
            *("--loglevel", "WARNING", "--without-mingle", "--without-gossip"),
        ]

    def webhook_worker_argv(self) -> list[str]:
        # Deliveries have their own queue and worker, as in production (README).
        return [
            *(sys.executable, "-m", "celery", "-A", "mwsportal", "worker", "--queues", "webhooks"),
            *("-n", "soak-webhooks@%h", "--concurrency", str(self.options.concurrency)),
            *("--loglevel", "WARNING", "--without-mingle", "--without-gossip"),
        ]

    def ingest_worker_argv(self) -> list[str]:
        # Reading reports into rows has its own queue and worker, as in production (README).
        return [
            *(sys.executable, "-m", "celery", "-A", "mwsportal", "worker", "--queues", "ingest"),
            *("-n", "soak-ingest@%h", "--concurrency", "1"),
            *("--loglevel", "WARNING", "--without-mingle", "--without-gossip"),
        ]

    def start_portal(self) -> None:
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=self.env,
            check=True,
        )
        web = self.layout.start(
            "web",
            [
                *(sys.executable, "-m", "gunicorn", "mwsportal.wsgi"),
                *("--workers", str(self.options.gunicorn_workers)),
                *("--bind", f"127.0.0.1:{self.web_port}", "--log-level", "warning"),
            ],
        )
        for n in range(1, self.options.workers + 1):
            self.layout.start(f"worker{n}", self.worker_argv(n))
        self.layout.start("webhook-worker", self.webhook_worker_argv())
        self.layout.start("ingest-worker", self.ingest_worker_argv())
        self.layout.start(
            "beat",
            [
                *(sys.executable, "-m", "celery", "-A", "mwsportal", "beat"),
                *("--schedule", self.env["CELERY_BEAT_SCHEDULE_FILE"], "--loglevel", "WARNING"),
            ],
        )
        wait_for_port(self.web_port, 60, web.process)

    def sandbox_control(self, method: str, path: str, body: Any = None) -> Any:
        response = requests.request(
            method, f"{self.sandbox_url}/_sandbox/{path}", json=body, timeout=30
        )
        response.raise_for_status()
        return response.json()

    # -- sampling memory --

    def sample_memory(self) -> None:
        while not self.stop_sampling.wait(2.0):
            self.layout.sample()

    # -- the load --

    def setup_partner(self, receiver: WebhookReceiver) -> PartnerClient:
        from partners import services as partner_services
        from partners.models import Partner

        partner = Partner.objects.create(name="Soak partner")
        _, key = partner_services.create_api_key(partner, name="soak")
        client = PartnerClient(f"http://127.0.0.1:{self.web_port}", key)
        response = client.call(
            "POST",
            "/api/v1/webhooks/",
            json={"url": receiver.url, "events": ["report.done", "report.failed", "feed.done"]},
        )
        if response.status_code != 201:
            raise RuntimeError(f"webhook registration refused: {response.text}")
        receiver.secret = response.json()["secret"]
        self.partner_pk = partner.pk
        return client

    def onboard(self, n: int) -> int:
        """Sign a seller up and connect it as the onboarding wizard does; returns its pk."""
        from django.contrib.auth import get_user_model

        from partners import services as partner_services
        from partners.models import Partner
        from reports import services as report_services
        from sellers import services as seller_services

        user = get_user_model().objects.create_user(
            f"soak{n}@example.com", f"soak{n}@example.com", "soak-password-1"
        )
        for attempt in range(20):
            try:
                seller = seller_services.onboard_seller(
                    owner=user, region="NA", seller_id=seller_id(n), auth_token=auth_token(n)
                )
                break
            except seller_services.AuthorizationCheckFailed:
                # A fault hit the check; the seller tries again, as the page tells them to.
                self.driven.onboarding_retries += 1
                time.sleep(1 + attempt)
        else:
            raise RuntimeError(f"seller {n} could not be onboarded")
        partner_services.grant_partner(
            seller,
            Partner.objects.get(pk=self.partner_pk),
            scopes=["read_reports", "request_reports", "submit_feeds"],
        )
        report_services.save_schedule(seller, SCHEDULED_REPORT, SCHEDULE)
        self.driven.schedules += 1
        self.driven.onboarded += 1
        return seller.pk

    def feed_body(self, seller_pk: int) -> bytes:
        # Unique per feed, so the sandbox's record can be matched by MD5.
        sku = f"SOAK-{seller_pk}-{uuid.uuid4().hex[:12]}"
        return f"sku\tprice\tquantity\n{sku}\t\t{self.rng.randint(1, 50)}\n".encode("iso-8859-1")

    def act(self, action: str, seller_pk: int, client: PartnerClient) -> None:
        from django.db import close_old_connections

        from feeds import services as feed_services
        from reports import services as report_services
        from sellers.models import Seller

        close_old_connections()
        report_type = self.rng.choice(REPORT_TYPES)
        base = f"/api/v1/sellers/{seller_pk}"
        if action == "report_service":
            report_services.request_report(Seller.objects.get(pk=seller_pk), report_type)
            self.driven.report_requests += 1
        elif action == "report_api":
            response = client.call(
                "POST", f"{base}/report-requests/", json={"report_type": report_type}
            )
            self._expect(response, 201, action)
            self.driven.report_requests += response.status_code == 201
        elif action == "feed_service":
            feed_services.upload_feed(
                Seller.objects.get(pk=seller_pk),
                source=io.BytesIO(self.feed_body(seller_pk)),
                filename="soak.txt",
                feed_type=FEED_TYPE,
            )
            self.driven.feeds += 1
        elif action == "feed_api":
            response = client.call(
                "POST",
                f"{base}/feeds/",
                params={"feed_type": FEED_TYPE, "filename": "soak.txt"},
                data=self.feed_body(seller_pk),
                headers={"Content-Type": "application/octet-stream"},
            )
            self._expect(response, 201, action)
            self.driven.feeds += response.status_code == 201
        elif action == "api_reads":
            for path in (
                "/api/v1/sellers/",
                f"{base}/",
                f"{base}/report-requests/",
                f"{base}/reports/",
                f"{base}/feeds/",
                f"{base}/request-log/",
            ):
                self._expect(client.call("GET", path), 200, action)
                self.driven.api_reads += 1

    def _expect(self, response: requests.Response, status: int, action: str) -> None:
        if response.status_code != status:
            self.driven.api_refusals[f"{action}: HTTP {response.status_code}"] += 1

    def plan(self, sellers: list[int]) -> list[tuple[float, str, int]]:
        """Each seller's actions at random moments of the load window."""
        per_seller = (
            ["report_service"] * 2
            + ["report_api"] * 2
            + ["feed_service", "feed_api"]
            + ["api_reads"] * 2
        )
        window = self.options.duration * 0.85
        plan = [
            (self.rng.uniform(0, window), action, pk) for pk in sellers for action in per_seller
        ]
        return sorted(plan)

    def chaos(self, started: float, stop: threading.Event) -> None:
        """SIGKILL a random worker at random moments (restarting it) and restart Redis once."""
        duration = self.options.duration
        moments = sorted(
            self.rng.uniform(0.15 * duration, 0.85 * duration)
            for _ in range(self.options.kill_count)
        )
        events: list[tuple[float, str]] = [(m, "kill") for m in moments]
        if self.options.redis_restart:
            events.append((0.5 * duration + self.rng.uniform(-0.05, 0.05) * duration, "redis"))
        for at, what in sorted(events):
            if stop.wait(max(0.0, started + at - time.monotonic())):
                return
            elapsed = round(time.monotonic() - started, 1)
            if what == "kill":
                name = f"worker{self.rng.randint(1, self.options.workers)}"
                killed = self.layout.kill(name)
                self.layout.restart(name)
                self.driven.kills.append({"at_s": elapsed, "worker": name, "processes": killed})
            else:
                self.layout.roles["redis"].process.send_signal(signal.SIGKILL)
                self.layout.roles["redis"].process.wait(timeout=30)
                time.sleep(2)
                self.start_redis()
                self.driven.redis_restarts.append({"at_s": elapsed, "down_s": 2})

    def load(self, client: PartnerClient) -> float:
        """Onboard every seller and run the plan with the faults on; returns the load seconds."""
        from django.db import close_old_connections

        self.sandbox_control("POST", "faults", {"rules": fault_rules(self.options.fault_rate)})
        started = time.monotonic()
        stop = threading.Event()
        chaos = threading.Thread(target=self.chaos, args=(started, stop), daemon=True)
        chaos.start()

        def onboard(n: int) -> int:
            close_old_connections()
            try:
                return self.onboard(n)
            finally:
                close_old_connections()

        with ThreadPoolExecutor(max_workers=4) as pool:
            sellers = list(pool.map(onboard, range(1, self.options.sellers + 1)))
        plan = self.plan(sellers)
        plan_started = time.monotonic()

        def run(item: tuple[float, str, int]) -> None:
            at, action, pk = item
            time.sleep(max(0.0, plan_started + at - time.monotonic()))
            try:
                self.act(action, pk, client)
            except Exception as error:
                self.driven.action_errors[f"{action}: {type(error).__name__}: {error}"[:200]] += 1

        with ThreadPoolExecutor(max_workers=6) as pool:
            list(pool.map(run, plan))
        remaining = started + self.options.duration - time.monotonic()
        if remaining > 0:
            time.sleep(remaining)
        stop.set()
        chaos.join()
        self.faults_fired = {
            rule["kind"]: {"seen": rule["seen"], "fired": rule["fired"]}
            for rule in self.sandbox_control("GET", "faults")["rules"]
        }
        self.sandbox_control("DELETE", "faults")
        self.sellers = sellers
        return time.monotonic() - started

    def stop_schedules(self) -> None:
        from reports import services as report_services
        from reports.models import ReportSchedule

        for schedule in ReportSchedule.objects.select_related("seller").exclude(schedule="_NEVER_"):
            report_services.delete_schedule(schedule)

    # -- draining and checking --

    def open_work(self) -> dict[str, int]:
        """What the load left unfinished. Calls the periodic syncs keep asking for during the
        drain do not count; a call asked for before the drain began does until it is done."""
        from feeds.models import FeedSubmission
        from mwsportal.gateway.models import MWSCall
        from reports.models import Report, ReportRequest, ReportSchedule

        return {
            "report_requests": ReportRequest.objects.filter(
                status__in=ReportRequest.OPEN_STATUSES
            ).count(),
            "reports": Report.objects.filter(state=Report.State.PENDING).count(),
            "feeds": FeedSubmission.objects.filter(state__in=FeedSubmission.OPEN_STATES).count(),
            "calls": MWSCall.objects.filter(
                state__in=MWSCall.PENDING_STATES, created_at__lt=self.drain_started
            ).count(),
            "schedule_changes": ReportSchedule.objects.exclude(pending_schedule="").count(),
        }

    def drain(self) -> tuple[float, dict[str, int]]:
        from django.utils import timezone

        self.drain_started = timezone.now()
        started = time.monotonic()
        while True:
            open_now = self.open_work()
            if not any(open_now.values()):
                return time.monotonic() - started, open_now
            if time.monotonic() - started > self.options.drain_timeout:
                return time.monotonic() - started, open_now
            time.sleep(2)

    def checks(self, receiver: WebhookReceiver, open_now: dict[str, int]) -> dict[str, Any]:
        return {
            "report_requests_terminal": self.check_report_requests(),
            "reports_stored_whole": self.check_reports(),
            "feeds_exactly_once": self.check_feeds(),
            "no_self_inflicted_throttling": self.check_throttling(),
            "nothing_stuck": self.check_stuck(open_now),
            "no_partial_files": self.check_files(),
            "webhooks_delivered_or_retrying": self.check_webhooks(receiver),
            "memory_flat": self.check_memory(),
        }

    @staticmethod
    def verdict(ok: bool, **detail: Any) -> dict[str, Any]:
        return {"ok": ok, **detail}

    def check_report_requests(self) -> dict[str, Any]:
        from reports.models import ReportRequest

        by_status = Counter(ReportRequest.objects.values_list("status", flat=True))
        open_count = sum(by_status[s] for s in ReportRequest.OPEN_STATUSES)
        return self.verdict(open_count == 0 and bool(by_status), by_status=dict(by_status))

    def check_reports(self) -> dict[str, Any]:
        from reports.models import Report

        media = Path(self.env["MEDIA_ROOT"])
        by_state: Counter[str] = Counter()
        bad = []
        for report in Report.objects.all():
            by_state[report.state] += 1
            if report.state != Report.State.STORED:
                bad.append(f"report {report.pk}: {report.state} {report.error_message[:80]}")
                continue
            path = media / report.file
            if not path.is_file():
                bad.append(f"report {report.pk}: {report.file} missing")
            elif path.stat().st_size != report.size or file_md5_base64(path) != report.md5:
                bad.append(f"report {report.pk}: {report.file} differs from its size or MD5")
        return self.verdict(
            not bad and by_state["stored"] > 0, by_state=dict(by_state), bad=bad[:20]
        )

    def check_feeds(self) -> dict[str, Any]:
        from feeds.models import FeedSubmission

        received = self.sandbox_control("GET", "feeds")["feeds"]
        by_md5: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        for record in received:
            by_md5[(record["seller_id"], record["content_md5"])].append(record)
        bad = []
        states: Counter[str] = Counter()
        known: set[str] = set()
        for feed in FeedSubmission.objects.select_related("seller"):
            states[feed.state] += 1
            records = by_md5.get((feed.seller.seller_id, feed.content_md5), [])
            known.update(r["feed_submission_id"] for r in records)
            if len(records) != 1:
                bad.append(f"feed {feed.pk}: the sandbox received it {len(records)} times")
            elif records[0]["feed_submission_id"] != feed.feed_submission_id:
                bad.append(
                    f"feed {feed.pk}: holds {feed.feed_submission_id!r}, sandbox has "
                    f"{records[0]['feed_submission_id']!r}"
                )
            if feed.state != FeedSubmission.State.COMPLETE:
                bad.append(f"feed {feed.pk}: {feed.state} {feed.state_message[:80]}")
        strangers = [
            r["feed_submission_id"] for r in received if r["feed_submission_id"] not in known
        ]
        if strangers:
            bad.append(f"the sandbox received feeds the portal does not hold: {strangers[:10]}")
        return self.verdict(
            not bad and bool(states),
            portal=dict(states),
            sandbox_received=len(received),
            bad=bad[:20],
        )

    def check_throttling(self) -> dict[str, Any]:
        from mwsportal.gateway.models import RequestLogEntry

        refused = ("RequestThrottled", "QuotaExceeded")
        sandbox = Counter()
        total = 0
        for row in self.sandbox_control("GET", "calls")["calls"]:
            total += row["count"]
            if row["code"] in refused:
                sandbox[f"{row['action']} {row['code']}"] += row["count"]
        logged = Counter(
            RequestLogEntry.objects.filter(error_code__in=refused).values_list(
                "error_code", flat=True
            )
        )
        return self.verdict(
            not sandbox and not logged,
            sandbox_calls=total,
            request_log_entries=RequestLogEntry.objects.count(),
            sandbox_refused=dict(sandbox),
            request_log_refused=dict(logged),
        )

    def check_stuck(self, open_now: dict[str, int]) -> dict[str, Any]:
        from django.utils import timezone

        from mwsportal.gateway.models import MWSCall

        # A call in flight under a lease that ran out: its worker is gone and nobody took over.
        orphaned = MWSCall.objects.filter(
            state=MWSCall.State.SENDING, queue__lease_until__lt=timezone.now()
        )
        stale = [f"call {c.pk} ({c.operation})" for c in orphaned]
        unknown = MWSCall.objects.filter(state=MWSCall.State.UNKNOWN).count()
        ok = not any(open_now.values()) and not stale
        return self.verdict(
            ok, still_open=open_now, orphaned_calls=stale[:20], unknown_outcome_calls=unknown
        )

    def check_files(self) -> dict[str, Any]:
        """Every file a row points at is whole (reports are checked with their MD5 above; here
        feeds and their processing reports). Files under final names that no row points at
        (a crash between storing and committing) are listed but whole by construction; hidden
        temporaries carry no final name and are only counted."""
        from feeds.models import FeedSubmission
        from reports.models import Report

        media = Path(self.env["MEDIA_ROOT"])
        partial = []
        referenced = {r.file for r in Report.objects.exclude(file="")}
        for feed in FeedSubmission.objects.all():
            referenced.add(feed.file)
            path = media / feed.file
            whole = path.is_file() and path.stat().st_size == feed.size
            if not whole or file_md5_base64(path) != feed.content_md5:
                partial.append(feed.file)
            if feed.report_file:
                referenced.add(feed.report_file)
                report = media / feed.report_file
                if not report.is_file() or file_md5_base64(report) != feed.report_md5:
                    partial.append(feed.report_file)
        orphans, temporaries = [], []
        for path in media.rglob("*"):
            if not path.is_file():
                continue
            name = path.relative_to(media).as_posix()
            if path.name.startswith("."):
                temporaries.append(name)
            elif name not in referenced:
                orphans.append(name)
        leftovers = list(Path(self.env["FILE_UPLOAD_TEMP_DIR"]).iterdir())
        return self.verdict(
            not partial,
            partial=partial[:20],
            orphans=orphans[:20],
            temporaries_in_storage=len(temporaries),
            download_temporaries_left=len(leftovers),
        )

    def check_webhooks(self, receiver: WebhookReceiver) -> dict[str, Any]:
        from feeds.models import FeedSubmission
        from partners.models import WebhookDelivery
        from reports.models import Report

        deliveries = list(WebhookDelivery.objects.all())
        states = Counter(d.state for d in deliveries)
        bad = []
        for delivery in deliveries:
            seen = receiver.received.get(delivery.pk, 0)
            if delivery.state == WebhookDelivery.State.FAILED:
                bad.append(f"delivery {delivery.pk} given up")
            elif delivery.state == WebhookDelivery.State.DELIVERED and seen != 1:
                bad.append(f"delivery {delivery.pk} delivered, received {seen} times")
        if receiver.bad_signatures:
            bad.append(f"{receiver.bad_signatures} deliveries with a bad signature")
        done_reports = Counter(
            d.payload["data"]["report"] for d in deliveries if d.event == "report.done"
        )
        stored = set(Report.objects.filter(state=Report.State.STORED).values_list("pk", flat=True))
        missing = stored - set(done_reports)
        twice = [pk for pk, n in done_reports.items() if n > 1]
        if missing or twice:
            bad.append(f"report.done: missing for {sorted(missing)[:10]}, twice for {twice[:10]}")
        done_feeds = Counter(
            d.payload["data"]["feed"] for d in deliveries if d.event == "feed.done"
        )
        finished = set(
            FeedSubmission.objects.filter(
                state__in=[FeedSubmission.State.COMPLETE, FeedSubmission.State.FAILED]
            ).values_list("pk", flat=True)
        )
        missing = finished - set(done_feeds)
        twice = [pk for pk, n in done_feeds.items() if n > 1]
        if missing or twice:
            bad.append(f"feed.done: missing for {sorted(missing)[:10]}, twice for {twice[:10]}")
        return self.verdict(
            not bad and bool(deliveries),
            deliveries=dict(states),
            receiver_posts=receiver.requests,
            bad=bad[:20],
        )

    def check_memory(self) -> dict[str, Any]:
        """Every process of the portal that lived through most of the run: the median RSS of
        the last fifth of its life against the median of its middle fifth (after start-up and
        warm-up). The sandbox is reported but not judged: it stands in for MWS and keeps every
        report, request and feed it ever made in memory (docs/sandbox.md, "State")."""
        processes = {}
        bad = []
        total = time.monotonic() - self.layout.started
        for (name, pid), samples in self.layout.rss.items():
            if len(samples) < 10 or samples[-1][0] - samples[0][0] < total / 3:
                continue
            n = len(samples)
            middle = statistics.median(s[1] for s in samples[2 * n // 5 : 3 * n // 5])
            end = statistics.median(s[1] for s in samples[4 * n // 5 :])
            growth = (end - middle) / MIB
            processes[f"{name}:{pid}"] = {
                "middle_mib": round(middle / MIB, 1),
                "end_mib": round(end / MIB, 1),
                "growth_mib": round(growth, 1),
            }
            if name != "sandbox" and growth > max(16.0, 0.1 * middle / MIB):
                bad.append(f"{name}:{pid} grew {growth:.1f} MiB")
        return self.verdict(not bad and bool(processes), processes=processes, bad=bad)

    # -- everything --

    def run(self) -> dict[str, Any]:
        self.start_redis()
        self.start_sandbox()
        with own_database(self.options.database_url, keep=self.options.keep_database):
            os.environ.update(self.env)
            import django

            django.setup()
            try:
                self.start_portal()
                sampler = threading.Thread(target=self.sample_memory, daemon=True)
                sampler.start()
                with WebhookReceiver() as receiver:
                    client = self.setup_partner(receiver)
                    load_seconds = self.load(client)
                    self.stop_schedules()
                    drain_seconds, open_now = self.drain()
                    # Deliveries due now go out on the next dispatch tick or two.
                    time.sleep(6)
                    self.stop_sampling.set()
                    sampler.join()
                    exited = self.layout.exited()
                    checks = self.checks(receiver, open_now)
                    if exited:
                        checks["processes_alive"] = self.verdict(False, exited=exited)
                    result = self.summary(client, load_seconds, drain_seconds, checks)
            finally:
                self.stop_sampling.set()
                from django.db import connections

                connections.close_all()
                self.layout.stop_all()
        return result

    def summary(
        self,
        client: PartnerClient,
        load_seconds: float,
        drain_seconds: float,
        checks: dict[str, Any],
    ) -> dict[str, Any]:
        from mwsportal.gateway.models import MWSCall

        calls = Counter(MWSCall.objects.values_list("state", flat=True))
        driven = asdict(self.driven)
        driven["api_refusals"] = dict(self.driven.api_refusals)
        driven["action_errors"] = dict(self.driven.action_errors)
        return {
            "benchmark": "soak",
            "ok": all(check["ok"] for check in checks.values()),
            "options": asdict(self.options) | {"database_url": "(own database)"},
            "load_seconds": round(load_seconds, 1),
            "drain_seconds": round(drain_seconds, 1),
            "driven": driven,
            "partner_api_retries": client.retries,
            "partner_api_errors": dict(client.errors),
            "mws_calls": dict(calls),
            "faults_injected_during_load": self.faults_fired,
            "checks": checks,
            "machine": {
                "cpus": os.cpu_count(),
                "cpu": cpu_model(),
                "ram_gib": round(psutil.virtual_memory().total / 1024**3, 1),
                "python": platform.python_version(),
            },
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        }


def run_soak(options: SoakOptions, *, keep: Path | None = None) -> dict[str, Any]:
    """Run the soak in a temporary folder (kept at ``keep`` for the logs when given)."""
    data = Path(tempfile.mkdtemp(prefix="mws-soak-"))
    try:
        return Soak(options, data).run()
    finally:
        if keep is not None:
            shutil.copytree(data / "logs", keep, dirs_exist_ok=True)
        shutil.rmtree(data, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    defaults = SoakOptions()
    parser.add_argument("--sellers", type=int, default=defaults.sellers)
    parser.add_argument(
        "--duration", type=float, default=defaults.duration, help="seconds of load with faults"
    )
    parser.add_argument("--time-scale", type=float, default=defaults.time_scale)
    parser.add_argument(
        "--workers", type=int, default=defaults.workers, help="Celery worker processes (at least 2)"
    )
    parser.add_argument(
        "--concurrency", type=int, default=defaults.concurrency, help="pool size of each worker"
    )
    parser.add_argument(
        "--kills", type=int, default=None, help="worker SIGKILLs (default: one per two minutes)"
    )
    parser.add_argument("--no-redis-restart", action="store_true")
    parser.add_argument("--fault-rate", type=float, default=defaults.fault_rate)
    parser.add_argument("--drain-timeout", type=float, default=defaults.drain_timeout)
    parser.add_argument(
        "--database-url", default=os.environ.get("SOAK_DATABASE_URL", DEFAULT_DATABASE_URL)
    )
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--keep-database", action="store_true", help="do not drop it at the end")
    parser.add_argument(
        "--keep-logs", type=Path, default=None, help="copy the processes' logs here"
    )
    args = parser.parse_args(argv)
    if args.workers < 2:
        parser.error("--workers must be at least 2")
    options = SoakOptions(
        sellers=args.sellers,
        duration=args.duration,
        time_scale=args.time_scale,
        workers=args.workers,
        concurrency=args.concurrency,
        kills=args.kills,
        redis_restart=not args.no_redis_restart,
        fault_rate=args.fault_rate,
        drain_timeout=args.drain_timeout,
        database_url=args.database_url,
        seed=args.seed,
        keep_database=args.keep_database,
    )
    result = run_soak(options, keep=args.keep_logs)
    print(json.dumps(result, indent=2, default=str))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
