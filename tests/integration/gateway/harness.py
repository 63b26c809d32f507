"""One portal process of the gateway's multi-process tests.

``python -m tests.integration.gateway.harness <command> '<json>'`` with the environment naming
the database file, the sandbox and the bucket backend; prints one JSON object. Commands:

- ``setup``: migrate, create sellers 1..n of ``support.sandbox_config`` and queue calls;
- ``work``: tick the dispatcher and work queues (inline or on threads) until the calls are
  done;
- ``report``: what happened to the calls (states, dispatch latencies, order per queue).
"""

from __future__ import annotations

import json
import os
import sys
from datetime import timedelta
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mwsportal.settings")
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db.models import Count  # noqa: E402

from mwsportal.gateway import services  # noqa: E402
from mwsportal.gateway.bookkeeping import to_datetime  # noqa: E402
from mwsportal.gateway.buckets import bucket_backend  # noqa: E402
from mwsportal.gateway.models import MWSCall, RequestLogEntry  # noqa: E402
from sellers.models import Seller  # noqa: E402
from tests.gateway_runner import InlineExecutor, ThreadExecutor, run_until_idle  # noqa: E402
from tests.integration.gateway.support import seller_id, token  # noqa: E402


def setup(spec: dict[str, Any]) -> dict[str, Any]:
    call_command("migrate", verbosity=0)
    owner = get_user_model().objects.create_user("harness@example.com", "harness@example.com")
    sellers = {
        n: Seller.objects.create(
            owner=owner, seller_id=seller_id(n), auth_token=token(n), region="NA", name=f"S{n}"
        )
        for n in range(1, spec["sellers"] + 1)
    }
    # The sandbox has just started: every bucket is full, and the gateway may know it.
    backend = bucket_backend()
    backend.set_epoch(backend.now() - 10 * 3600)
    queued = 0
    for n, operation, count, delay in spec["calls"]:
        not_before = to_datetime(backend.now()) + timedelta(seconds=delay) if delay else None
        for _ in range(count):
            services.request_call(sellers[n], operation, not_before=not_before)
            queued += 1
    return {"queued": queued}


def work(spec: dict[str, Any]) -> dict[str, Any]:
    # Threads overlap the HTTP round trips; none works each queue in the ticking thread.
    executor = ThreadExecutor(spec["threads"]) if spec["threads"] else InlineExecutor()
    watched = spec.get("sellers")

    def idle() -> bool:
        pending = MWSCall.objects.filter(state__in=MWSCall.PENDING_STATES)
        if watched:
            pending = pending.filter(seller__seller_id__in=[seller_id(n) for n in watched])
        return not pending.exists()

    try:
        run_until_idle(executor=executor, timeout=spec["timeout"], idle=idle)
    finally:
        if isinstance(executor, ThreadExecutor):
            executor.shutdown()
    return {"done": True}


def report(spec: dict[str, Any]) -> dict[str, Any]:
    calls = list(
        MWSCall.objects.select_related("seller")
        .order_by("pk")
        .values("pk", "seller__seller_id", "operation", "state", "ready_at", "sent_at", "attempts")
    )
    states: dict[str, int] = {}
    latency: dict[str, list[float]] = {}
    order_kept = True
    last_sent: dict[tuple[str, str], Any] = {}
    for call in calls:
        states[call["state"]] = states.get(call["state"], 0) + 1
        if call["sent_at"] is None:
            continue
        wait = (call["sent_at"] - call["ready_at"]).total_seconds()
        latency.setdefault(call["seller__seller_id"], []).append(wait)
        queue = (call["seller__seller_id"], call["operation"])
        if queue in last_sent and call["sent_at"] < last_sent[queue]:
            order_kept = False
        last_sent[queue] = call["sent_at"]
    attempts = sum(call["attempts"] for call in calls)
    errors = dict(
        RequestLogEntry.objects.exclude(error_family="")
        .values_list("error_family")
        .annotate(n=Count("id"))
    )
    return {
        "states": states,
        "latency": latency,
        "order_kept": order_kept,
        "attempts": attempts,
        "errors": errors,
    }


if __name__ == "__main__":
    command, raw = sys.argv[1], sys.argv[2]
    result = {"setup": setup, "work": work, "report": report}[command](json.loads(raw))
    print(json.dumps(result))
