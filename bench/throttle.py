"""Throttling benchmark: N sellers each submitting F feeds (and polling them) through the gateway
against the strict MWS sandbox at an accelerated clock.

The parent process starts the sandbox in its own process (``manage.py mws_sandbox
--time-scale S``) with N sellers, migrates a fresh SQLite database in a temporary folder (or
uses ``--database-url``), queues F SubmitFeed calls per seller and then acts as the feeds
service: every ``--poll-seconds`` (MWS time, spread per seller) it asks for one
GetFeedSubmissionList per seller with feeds still open. As in production, a beat thread
publishes a dispatcher tick every ``--tick`` seconds (expiring after two) to one line that
``--workers`` child processes share, as Celery workers share the broker queue: a Redis list at
``--redis-url`` (LPUSH, BRPOP, as kombu's Redis transport). Each worker takes the next task and
runs what the Celery task runs: a tick (``dispatch_due_queues``) or a queue
(``work_queue``); a queue handed out or handed back goes to the end of the line. They run
until every feed is processed.

Printed as one JSON object:

- ``calls``: HTTP requests sent to MWS (every attempt), ``submit_feed_calls``, ``poll_calls``;
- ``makespan_s``: from the first SubmitFeed sent to the last one answered;
- ``bound_s``: the guide's bound, (F - 15) SubmitFeed restores of 120 s / S, plus one tick;
  ``ratio`` = makespan / bound (target at most 1.02);
- ``throttled``: RequestThrottled and QuotaExceeded answers, as the sandbox counted them
  (target 0), and ``throttled_calls``: which seller, operation and code each came from;
- ``dispatch_p50_s``/``dispatch_p99_s``: from the moment a call could go (its turn, its time
  and a token all there) to the moment it was sent;
- ``overhead_ms_per_call``: worker time per call outside the HTTP request (queue, bucket,
  request log, result), and ``tick_ms``: the dispatcher's mean time per tick;
  ``overhead_cpu_ms_per_call``, ``worker_cpu_ms_per_call`` (with the request) and
  ``tick_cpu_ms``: the same on the CPU clock of the worker thread, less sensitive to load;
- ``ticks_expired``: ticks dropped because no worker took them within two tick intervals;
- ``sent_per_worker``: calls each worker process sent;
- ``all_done_s``: until the last feed was seen processed;
- with ``--steps``, ``steps``: wall and thread CPU ms per call of each step of a queue turn
  (``_claim_next``, ``_finish`` and, inside it, the bucket, the log, the settlement and the
  hand-back), timestamps taken around each in the worker, and ``waiting_ms`` (wall minus
  CPU: round trips, locks and time without a CPU).

``--profile FOLDER`` writes a cProfile of each worker process there (``worker-PID.prof``).

Usage: python bench/throttle.py --sellers 50 --feeds 25 --time-scale 60
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import requests
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.support import free_port  # noqa: E402

DEVELOPER = {
    "access_key_id": "AKIABENCHTHROTTLE001",
    "secret_key": "bench-throttle-developer-secret",
    "account_number": "7777-6666-5555",
    "name": "Throttle Bench Developer",
}
FEED_TYPE = "_POST_INVENTORY_AVAILABILITY_DATA_"
SUBMIT_FEED_QUOTA, SUBMIT_FEED_RESTORE = 15, 120.0
FINAL_FEED_STATUSES = {"_DONE_", "_CANCELLED_"}


def seller_id(run: str, n: int) -> str:
    return f"A{run}{n:06d}"


def token(n: int) -> str:
    return f"amzn.mws.{n:08d}-0000-4000-8000-{uuid.uuid4().hex[:12]}"


def feed_body(n: int) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<AmazonEnvelope xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:noNamespaceSchemaLocation="amzn-envelope.xsd">'
        "<Header><DocumentVersion>1.01</DocumentVersion>"
        "<MerchantIdentifier>M_BENCH</MerchantIdentifier></Header>"
        "<MessageType>Inventory</MessageType>"
        "<Message><MessageID>1</MessageID><OperationType>Update</OperationType>"
        f"<Inventory><SKU>BENCH-{n}</SKU><Quantity>{n + 1}</Quantity></Inventory></Message>"
        "</AmazonEnvelope>"
    ).encode()


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=1000, method="inclusive")[round(fraction * 1000) - 1]


# ---- the broker line and its workers ----------------------------------------------------

# Production has beat publish ``gateway.dispatch`` every tick, with ``expires`` two ticks later
# (mwsportal/celery.py), and every task (dispatch ticks, queues handed out by a tick, queues
# handed back) waits in Celery's one default queue. Kombu's Redis transport LPUSHes a message
# and workers BRPOP, so the line is first in, first out and shared by every worker, each of
# which holds one task at a time (``worker_prefetch_multiplier=1``). The benchmark keeps that
# line in a Redis list of its own and leaves Celery's message encoding out.


def line_key(run_id: str) -> str:
    return f"bench-throttle:{run_id}:line"


class LineExecutor:
    """``CeleryExecutor``'s counterpart: a queue handed out or back goes to the end of the
    shared line, as ``work_queue.delay(queue_id, lease)`` would put it."""

    def __init__(self, client, key: str) -> None:
        self.client, self.key = client, key

    def submit(self, queue_id: int, lease: str) -> None:
        self.client.lpush(self.key, json.dumps({"task": "work_queue", "args": [queue_id, lease]}))


def run_beat(client, key: str, tick: float, stop: threading.Event) -> None:
    """What beat does: publish one dispatcher tick every ``tick`` seconds, expiring after two."""
    next_at = time.monotonic()
    while not stop.is_set():
        message = {"task": "dispatch", "expires": time.time() + 2 * tick}
        client.lpush(key, json.dumps(message))
        next_at += tick
        stop.wait(max(0.0, next_at - time.monotonic()))


# The steps of a queue turn outside the HTTP request (``--steps``); the four after
# ``_finish`` run inside its transaction. The database's BEGIN (``set_autocommit``, which on
# SQLite takes the write lock) and COMMIT are counted while a queue turn runs, wherever they
# happen in it (both claim and finish open a transaction).
TURN_STEPS = (
    "_claim_next",
    "_finish",
    "_update_bucket",
    "_write_log",
    "_settle",
    "_hand_back",
    "database_begin",
    "database_commit",
)
_in_turn = threading.local()


def time_steps(stats: dict[str, Any], lock: threading.Lock) -> None:
    """Wrap each of ``TURN_STEPS`` (the gateway's dispatch functions, the database
    connection's BEGIN and COMMIT) with wall and thread-CPU timestamps, summed into
    ``stats["steps"]`` (this worker process only)."""
    from django.db import connections

    from mwsportal.gateway import dispatch

    steps: dict[str, dict[str, float]] = {}
    stats["steps"] = steps

    def timing(original: Any, name: str) -> Any:
        steps[name] = {"wall_s": 0.0, "cpu_s": 0.0, "calls": 0}

        def timed(*args: Any, **kwargs: Any) -> Any:
            if not getattr(_in_turn, "active", False):
                return original(*args, **kwargs)
            started, started_cpu = time.perf_counter(), time.thread_time()
            try:
                return original(*args, **kwargs)
            finally:
                wall, cpu = time.perf_counter() - started, time.thread_time() - started_cpu
                with lock:
                    step = steps[name]
                    step["wall_s"] += wall
                    step["cpu_s"] += cpu
                    step["calls"] += 1

        return timed

    for name in TURN_STEPS[:6]:
        setattr(dispatch, name, timing(getattr(dispatch, name), name))
    wrapper = type(connections["default"])
    begin, commit = wrapper.set_autocommit, wrapper.commit
    timed_begin, timed_commit = timing(begin, "database_begin"), timing(commit, "database_commit")

    def set_autocommit(self: Any, autocommit: bool, *args: Any, **kwargs: Any) -> Any:
        # Only turning autocommit off begins a transaction.
        run = begin if autocommit else timed_begin
        return run(self, autocommit, *args, **kwargs)

    wrapper.set_autocommit = set_autocommit
    wrapper.commit = timed_commit


def step_breakdown(stats: list[dict[str, Any]], sent: int) -> dict[str, dict[str, float]]:
    """Per call, over every worker: each step's wall and CPU ms and their difference, and what
    of the turn's overhead no step holds (the turn's lease, its clock reads)."""
    calls = max(1, sent)
    merged: dict[str, dict[str, float]] = {}
    for name in TURN_STEPS:
        wall = sum(s["steps"][name]["wall_s"] for s in stats)
        cpu = sum(s["steps"][name]["cpu_s"] for s in stats)
        merged[name] = {
            "wall_ms": round(1000 * wall / calls, 3),
            "cpu_ms": round(1000 * cpu / calls, 3),
            "waiting_ms": round(1000 * (wall - cpu) / calls, 3),
            "runs_per_call": round(sum(s["steps"][name]["calls"] for s in stats) / calls, 3),
        }
    outside = ("_claim_next", "_finish")
    wall = sum(s["work_s"] - s["send_s"] for s in stats) / calls
    cpu = sum(s["work_cpu_s"] - s["send_cpu_s"] for s in stats) / calls
    rest_wall = 1000 * wall - sum(merged[name]["wall_ms"] for name in outside)
    rest_cpu = 1000 * cpu - sum(merged[name]["cpu_ms"] for name in outside)
    merged["rest_of_the_turn"] = {
        "wall_ms": round(rest_wall, 3),
        "cpu_ms": round(rest_cpu, 3),
        "waiting_ms": round(rest_wall - rest_cpu, 3),
    }
    return merged


def run_worker(args: argparse.Namespace) -> None:
    """What one Celery worker does: take the next task from the shared line and run it, until
    told to stop. ``--threads N`` takes N tasks at a time (a worker's concurrency)."""
    import django
    import redis

    django.setup()
    from django.db import connections

    from mwsportal.gateway.dispatch import dispatch_due_queues, send_with_client, work_queue

    client = redis.Redis.from_url(args.redis_url)
    executor = LineExecutor(client, args.line)
    lock = threading.Lock()
    stats = {
        "work_s": 0.0,
        "send_s": 0.0,
        # The same on the CPU clock of the thread running the task: less sensitive to other
        # work on the machine than wall time.
        "work_cpu_s": 0.0,
        "send_cpu_s": 0.0,
        "tick_cpu_s": 0.0,
        "sent": 0,
        "tick_s": 0.0,
        "ticks": 0,
        "ticks_expired": 0,
    }

    if args.steps:
        time_steps(stats, lock)

    def send(call, seller):
        started, started_cpu = time.perf_counter(), time.thread_time()
        try:
            return send_with_client(call, seller)
        finally:
            with lock:
                stats["send_s"] += time.perf_counter() - started
                stats["send_cpu_s"] += time.thread_time() - started_cpu
                stats["sent"] += 1

    def run_task(message: dict[str, Any]) -> None:
        started, started_cpu = time.perf_counter(), time.thread_time()
        if message["task"] == "dispatch":
            if time.time() > message["expires"]:
                # Celery drops a task received after its expiry; the next tick does its work.
                with lock:
                    stats["ticks_expired"] += 1
                return
            dispatch_due_queues(executor=executor)
            with lock:
                stats["tick_s"] += time.perf_counter() - started
                stats["tick_cpu_s"] += time.thread_time() - started_cpu
                stats["ticks"] += 1
            return
        _in_turn.active = True
        try:
            work_queue(*message["args"], executor=executor, sender=send)
        finally:
            _in_turn.active = False
        with lock:
            stats["work_s"] += time.perf_counter() - started
            stats["work_cpu_s"] += time.thread_time() - started_cpu

    stop = Path(args.stop)

    def consume() -> None:
        try:
            while not stop.exists():
                popped = client.brpop([args.line], timeout=1)
                if popped is not None:
                    run_task(json.loads(popped[1]))
        finally:
            connections.close_all()

    profile = None
    if args.profile:
        import cProfile

        profile = cProfile.Profile()
        profile.enable()
    if args.threads:
        consumers = [threading.Thread(target=consume) for _ in range(args.threads)]
        for consumer in consumers:
            consumer.start()
        for consumer in consumers:
            consumer.join()
    else:
        consume()
    if profile is not None:
        profile.disable()
        profile.dump_stats(Path(args.profile) / f"worker-{os.getpid()}.prof")
    Path(args.stats).write_text(json.dumps(stats))


# ---- the run ------------------------------------------------------------------------------


def start_sandbox(config: dict[str, Any], scale: float, folder: Path, env: dict[str, str]):
    path = folder / "sandbox.json"
    path.write_text(json.dumps(config))
    port = free_port()
    log = (folder / "sandbox.log").open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "mws_sandbox",
            *("--addr", f"127.0.0.1:{port}", "--config", str(path), "--time-scale", str(scale)),
        ],
        cwd=ROOT,
        env={**env, "LOG_LEVEL": "WARNING"},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            requests.get(url + "/", timeout=1)
            return process, url
        except requests.RequestException:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("the sandbox did not start")


def run(args: argparse.Namespace) -> dict[str, Any]:
    scale = args.time_scale
    run_id = uuid.uuid4().hex[:6].upper()
    folder = Path(tempfile.mkdtemp(prefix="bench-throttle-"))
    sellers = [(seller_id(run_id, n), token(n)) for n in range(1, args.sellers + 1)]
    config = {
        "developers": [DEVELOPER],
        "sellers": [
            {
                "seller_id": sid,
                "region": "NA",
                "marketplaces": ["ATVPDKIKX0DER"],
                "authorizations": [
                    {"access_key_id": DEVELOPER["access_key_id"], "mws_auth_token": tok}
                ],
            }
            for sid, tok in sellers
        ],
        "reports": {"catalogue_size": 20, "settlement_interval_days": None},
    }
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "CACHE_URL", "CELERY_BROKER_URL", "MWS_GATEWAY_REDIS_URL")
    }
    env.update(
        MWSPORTAL_DATA_DIR=str(folder),
        DATABASE_URL=args.database_url or f"sqlite:///{folder / 'portal.sqlite3'}",
        MWS_ACCESS_KEY_ID=DEVELOPER["access_key_id"],
        MWS_SECRET_KEY=DEVELOPER["secret_key"],
        MWS_DEVELOPER_ID=DEVELOPER["account_number"],
        MWS_GATEWAY_TIME_SCALE=str(scale),
        MWS_GATEWAY_TICK_SECONDS=str(args.tick),
        MWS_GATEWAY_BUCKET_BACKEND=args.backend,
        MWS_GATEWAY_REDIS_URL=args.redis_url if args.backend == "redis" else "",
        LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="mwsportal.settings",
        # Production settings: no query recording, no debug pages.
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        FIELD_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        ALLOWED_HOSTS="localhost",
    )
    sandbox, url = start_sandbox(config, scale, folder, env)
    env["MWS_ENDPOINT"] = url
    os.environ.clear()
    os.environ.update(env)
    try:
        return measure(args, folder, sellers, url, sandbox)
    finally:
        sandbox.terminate()
        sandbox.wait(timeout=30)


def measure(
    args, folder: Path, sellers: list[tuple[str, str]], url: str, sandbox: subprocess.Popen
) -> dict[str, Any]:
    import django
    import redis

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.core.management import call_command
    from django.db.models import Max, Min

    from mwsclient.checksums import content_md5
    from mwsportal.gateway import services
    from mwsportal.gateway.buckets import bucket_backend
    from mwsportal.gateway.models import MWSCall, RequestLogEntry
    from sellers.models import Seller

    scale = args.time_scale
    call_command("migrate", verbosity=0)
    # A run only ever reads its own rows, so --database-url may name a database in use.
    login = f"bench-{sellers[0][0]}@example.com"
    owner = get_user_model().objects.create_user(login, login)
    rows = [
        Seller.objects.create(
            owner=owner, seller_id=sid, auth_token=tok, region="NA", name=f"Bench {sid}"
        )
        for sid, tok in sellers
    ]
    # A sandbox that has just started has every bucket full; the gateway may know it.
    backend = bucket_backend()
    backend.set_epoch(backend.now() - 10 * 3600)
    uploads = [
        (
            default_storage.save(f"bench/feed-{n}.xml", ContentFile(feed_body(n))),
            content_md5(feed_body(n)),
        )
        for n in range(args.feeds)
    ]
    setup_started = time.monotonic()
    for seller in rows:
        for upload, md5 in uploads:
            params = {"FeedType": FEED_TYPE, "ContentMD5Value": md5}
            services.request_call(seller, "SubmitFeed", params, upload=upload)
    setup_s = time.monotonic() - setup_started

    stop = folder / "stop"
    line = line_key(folder.name)
    broker = redis.Redis.from_url(args.redis_url)
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                __file__,
                "--role",
                "worker",
                *("--stop", str(stop), "--stats", str(folder / f"stats-{k}.json")),
                *("--threads", str(args.threads), "--tick", str(args.tick)),
                *("--redis-url", args.redis_url, "--line", line),
                *(("--profile", args.profile) if args.profile else ()),
                *(("--steps",) if args.steps else ()),
            ],
            cwd=ROOT,
            env=os.environ.copy(),
        )
        for k in range(args.workers)
    ]
    mine = MWSCall.objects.filter(seller__owner=owner)
    started = time.monotonic()
    total = len(rows) * args.feeds
    poll_window = timedelta(seconds=args.poll_seconds / scale)
    tracker = FeedTracker(mine)
    next_poll = started + args.poll_seconds / scale
    beat_stop = threading.Event()
    beat = threading.Thread(target=run_beat, args=(broker, line, args.tick, beat_stop))
    beat.start()
    try:
        while len(tracker.done) < total:
            if time.monotonic() - started > args.timeout:
                raise SystemExit(f"timed out with {total - len(tracker.done)} feeds open")
            if sandbox.poll() is not None or any(w.poll() is not None for w in workers):
                raise SystemExit(f"a process stopped early; see {folder}")
            time.sleep(0.5)
            tracker.update()
            if time.monotonic() >= next_poll:
                tracker.poll(services, rows, poll_window)
                next_poll += args.poll_seconds / scale
        all_done_s = time.monotonic() - started
    finally:
        beat_stop.set()
        beat.join()
        stop.touch()
        for worker in workers:
            worker.wait(timeout=120)
        broker.delete(line)

    log = RequestLogEntry.objects.filter(seller__owner=owner)
    feeds = mine.filter(operation="SubmitFeed")
    span = feeds.aggregate(first=Min("sent_at"), last=Max("finished_at"))
    makespan = (span["last"] - span["first"]).total_seconds()
    restore = SUBMIT_FEED_RESTORE / scale
    bound = max(0, args.feeds - SUBMIT_FEED_QUOTA) * restore + args.tick
    waits = [
        (sent - ready).total_seconds()
        for sent, ready in mine.exclude(sent_at=None).values_list("sent_at", "ready_at")
    ]
    answers = requests.get(f"{url}/_sandbox/calls", timeout=30).json()["calls"]
    refusals = [row for row in answers if row["code"] in ("RequestThrottled", "QuotaExceeded")]
    throttled = sum(row["count"] for row in refusals)
    stats = [json.loads((folder / f"stats-{k}.json").read_text()) for k in range(args.workers)]
    sent = sum(s["sent"] for s in stats)
    overhead = sum(s["work_s"] - s["send_s"] for s in stats) / max(1, sent)
    overhead_cpu = sum(s["work_cpu_s"] - s["send_cpu_s"] for s in stats) / max(1, sent)
    cpu_per_call = sum(s["work_cpu_s"] for s in stats) / max(1, sent)
    ticks = sum(s["ticks"] for s in stats)
    return {
        "benchmark": "throttle",
        "sellers": len(rows),
        "feeds_per_seller": args.feeds,
        "time_scale": scale,
        "backend": args.backend,
        "database": "postgresql" if args.database_url.startswith("postgres") else "sqlite",
        "workers": args.workers,
        "threads_per_worker": args.threads,
        "tick_s": args.tick,
        "calls": log.count(),
        "submit_feed_calls": log.filter(operation="SubmitFeed").count(),
        "poll_calls": log.filter(operation="GetFeedSubmissionList").count(),
        "feeds_not_succeeded": feeds.exclude(state="succeeded").count(),
        "makespan_s": round(makespan, 3),
        "bound_s": round(bound, 3),
        "ratio": round(makespan / bound, 4),
        "all_done_s": round(all_done_s, 3),
        "throttled": throttled,
        "throttled_calls": [
            {key: row[key] for key in ("seller_id", "action", "code", "count")} for row in refusals
        ],
        "errors": sum(row["count"] for row in answers if row["status"] != 200),
        "dispatch_p50_s": round(percentile(sorted(waits), 0.5), 4),
        "dispatch_p99_s": round(percentile(sorted(waits), 0.99), 4),
        "dispatch_max_s": round(max(waits, default=0.0), 4),
        "overhead_ms_per_call": round(overhead * 1000, 2),
        "overhead_cpu_ms_per_call": round(overhead_cpu * 1000, 2),
        "worker_cpu_ms_per_call": round(cpu_per_call * 1000, 2),
        "tick_ms": round(sum(s["tick_s"] for s in stats) / max(1, ticks) * 1000, 2),
        "tick_cpu_ms": round(sum(s["tick_cpu_s"] for s in stats) / max(1, ticks) * 1000, 2),
        "ticks_expired": sum(s["ticks_expired"] for s in stats),
        "sent_per_worker": [s["sent"] for s in stats],
        **({"steps": step_breakdown(stats, sent)} if args.steps else {}),
        "queue_setup_s": round(setup_s, 2),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
    }


class FeedTracker:
    """What the feeds service knows: which feeds were submitted and which are processed, read
    incrementally from the calls' results so the coordinator stays light."""

    def __init__(self, calls) -> None:
        self.calls = calls
        self.open: dict[int, dict[str, None]] = {}  # seller pk -> open feed ids, in order
        self.done: set[str] = set()
        self._read: set[int] = set()
        self._since: datetime | None = None

    def update(self) -> None:
        rows = self.calls.filter(state="succeeded")
        if self._since is not None:
            # Calls finish out of order on several workers; a margin catches a late commit.
            rows = rows.filter(finished_at__gte=self._since - timedelta(seconds=30))
        for pk, seller_pk, operation, result, finished_at in rows.values_list(
            "pk", "seller_id", "operation", "result", "finished_at"
        ):
            if pk in self._read:
                continue
            self._read.add(pk)
            self._since = max(self._since or finished_at, finished_at)
            if operation == "SubmitFeed":
                feed_id = result["feed_submission_info"]["feed_submission_id"]
                if feed_id not in self.done:
                    self.open.setdefault(seller_pk, {})[feed_id] = None
                continue
            for info in result["feed_submission_info"]:
                if info["feed_processing_status"] in FINAL_FEED_STATUSES:
                    feed_id = info["feed_submission_id"]
                    self.done.add(feed_id)
                    self.open.get(seller_pk, {}).pop(feed_id, None)

    def poll(self, services, sellers, window: timedelta) -> None:
        """One GetFeedSubmissionList per seller with open feeds, spread over the poll window,
        never a second one while the first still waits: what the feeds service does."""
        for seller in sellers:
            open_ids = list(self.open.get(seller.pk, {}))
            if open_ids:
                services.request_call(
                    seller,
                    "GetFeedSubmissionList",
                    {"FeedSubmissionIdList": open_ids[:100]},
                    dedupe_key="bench-poll",
                    spread_over=window,
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sellers", type=int, default=1)
    parser.add_argument("--feeds", type=int, default=25)
    parser.add_argument("--time-scale", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2, help="worker processes")
    parser.add_argument(
        "--threads", type=int, default=0, help="tasks each worker runs at a time (0: one, inline)"
    )
    parser.add_argument("--tick", type=float, default=1.0, help="dispatcher tick, seconds")
    parser.add_argument("--poll-seconds", type=float, default=300.0, help="in MWS time")
    parser.add_argument("--backend", choices=["database", "redis"], default="database")
    parser.add_argument(
        "--redis-url",
        default="redis://127.0.0.1:6379/11",
        help="the workers' shared line, and the buckets with --backend redis",
    )
    parser.add_argument("--database-url", default="", help="default: SQLite in a temp folder")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds")
    parser.add_argument(
        "--profile", default="", help="folder for a cProfile of each worker (worker-PID.prof)"
    )
    parser.add_argument(
        "--steps",
        action="store_true",
        help="time each step of a queue turn in the workers (wall and CPU per call)",
    )
    parser.add_argument("--role", choices=["main", "worker"], default="main")
    parser.add_argument("--stop", default="")
    parser.add_argument("--stats", default="")
    parser.add_argument("--line", default="")
    args = parser.parse_args()
    if args.role == "worker":
        run_worker(args)
        return
    print(json.dumps(run(args)))


if __name__ == "__main__":
    main()
