"""When to ask Amazon again about work it is doing: a report being prepared, a feed being
processed.

The first check goes out after the time such work typically takes (the seller's own history
when there is one), then the checks back off (5 s, 10 s, 20 s, ...) until they reach the
periodic poll's beat, which takes over from there. Checks are queued through the gateway
with a not-before time, so the throttle buckets still decide when each one is sent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta

from django.conf import settings

from mwsportal.gateway.mws import MAX_IDS

# The first step of the back-off, and the first check of work with no history to go by.
FIRST_STEP_SECONDS = 5.0
# How many of the latest finished runs the typical duration is taken from.
HISTORY_SIZE = 20


def first_step() -> timedelta:
    # A sandbox run faster than real time shrinks the steps with it, as the gateway's pauses.
    return timedelta(seconds=FIRST_STEP_SECONDS / settings.MWS_GATEWAY_TIME_SCALE)


def typical_duration(durations: Iterable[timedelta]) -> timedelta | None:
    """The median of the durations that make sense (not negative); None without any."""
    ordered = sorted(d for d in durations if d >= timedelta(0))
    return ordered[len(ordered) // 2] if ordered else None


def next_check(
    started: datetime, typical: timedelta | None, now: datetime, *, beat: timedelta
) -> datetime | None:
    """When to check next on work started at ``started``; None once the checks have backed
    off to the ``beat`` of the periodic poll, which asks from then on."""
    step = first_step()
    due = started + (typical if typical is not None else step)
    while due <= now:
        if step >= beat:
            return None
        due += step
        step = min(step * 2, beat)
    return due


def due_checks(
    open_work: Iterable[tuple[str, str, datetime]],
    typical_for: Callable[[str], timedelta | None],
    now: datetime,
    *,
    beat: timedelta,
) -> list[tuple[datetime, str]]:
    """(when, id) of every piece of open work still checked early, soonest first.

    ``open_work`` gives (id, type, started) for each; ``typical_for(type)`` the time work of
    that type typically takes (asked once per type)."""
    typical: dict[str, timedelta | None] = {}
    due = []
    for work_id, work_type, started in open_work:
        if work_type not in typical:
            typical[work_type] = typical_for(work_type)
        check = next_check(started, typical[work_type], now, beat=beat)
        if check is not None:
            due.append((check, work_id))
    return sorted(due)


def poll_batches(kind: str, ids: Sequence[str]) -> list[tuple[str, list[str]]]:
    """The periodic poll of every open item of a seller: (dedupe key, up to 100 ids) for each
    call, as the list operations' id lists take at most 100, so the calls do not grow with the
    backlog. The key, ``<kind>.poll:<n>``, lets a tick that finds the previous poll still
    queued leave it be."""
    return [
        (f"{kind}.poll:{number}", list(ids[start : start + MAX_IDS]))
        for number, start in enumerate(range(0, len(ids), MAX_IDS))
    ]
