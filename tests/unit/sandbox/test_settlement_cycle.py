"""The settlement cycle: epoch-aligned back-to-back periods, each settled with its own request."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path

from mwssandbox.clock import ManualClock
from mwssandbox.config import load_config
from mwssandbox.reportgen import SETTLEMENT_REPORT_TYPES
from mwssandbox.state import DAY, SETTLEMENT_LAG, SandboxState

SELLER = "A1EXAMPLE"
CONFIG = {
    "developers": [
        {
            "access_key_id": "AKIAEXAMPLE",
            "secret_key": "secret",
            "account_number": "1234-5678-9012",
            "name": "Example App",
        }
    ],
    "sellers": [
        {
            "seller_id": SELLER,
            "region": "NA",
            "marketplaces": ["ATVPDKIKX0DER"],
            "authorizations": [{"access_key_id": "AKIAEXAMPLE"}],
        }
    ],
    "reports": {"catalogue_size": 30, "settlement_interval_days": 14, "settlement_history": 2},
}


def started(at: datetime, tmp_path: Path) -> SandboxState:
    return SandboxState(load_config(CONFIG), clock=ManualClock(at), workdir=tmp_path, seed=5)


def settlements(state: SandboxState) -> list[tuple[str, float, float, float]]:
    """(report type, period start, period end, submitted) of every settlement request."""
    book = state.books[SELLER]
    with book.opened():
        return sorted(
            (request.report_type, request.start, request.end, request.submitted)
            for request in book.report_requests.values()
        )


def test_a_period_does_not_depend_on_when_the_sandbox_started(tmp_path: Path) -> None:
    early = started(datetime(2020, 6, 11, 8, tzinfo=UTC), tmp_path)
    later = started(datetime(2020, 6, 12, 20, tzinfo=UTC), tmp_path)

    assert settlements(early) == settlements(later)
    _, start, end, submitted = settlements(early)[-1]
    assert end - start == 14 * DAY
    assert start % (14 * DAY) == 0
    assert submitted == end + SETTLEMENT_LAG


def test_history_then_one_period_after_another_in_every_format(tmp_path: Path) -> None:
    moment = datetime(2020, 6, 11, 8, tzinfo=UTC)
    state = started(moment, tmp_path)
    state.clock.advance(timedelta(days=28).total_seconds())
    found = settlements(state)
    periods = sorted({(start, end) for _, start, end, _ in found})

    assert len(found) == 4 * len(SETTLEMENT_REPORT_TYPES)
    assert len(periods) == 4
    assert all(a[1] == b[0] for a, b in itertools.pairwise(periods))
    assert periods[1][1] < moment.timestamp() < periods[2][1]
    book = state.books[SELLER]
    with book.opened():
        for request in book.report_requests.values():
            report = book.reports[request.report_id]
            assert (report.request_id, report.report_type) == (
                request.request_id,
                request.report_type,
            )
            assert (request.status, request.scheduled) == ("_DONE_", False)


def test_no_history_and_no_cycle(tmp_path: Path) -> None:
    none = {**CONFIG, "reports": {"settlement_interval_days": None}}
    fresh = {**CONFIG, "reports": {"settlement_history": 0}}
    at = datetime(2020, 6, 11, 8, tzinfo=UTC)

    assert (
        not SandboxState(load_config(none), clock=ManualClock(at), workdir=tmp_path)
        .books[SELLER]
        .report_requests
    )
    assert not settlements(
        SandboxState(load_config(fresh), clock=ManualClock(at), workdir=tmp_path)
    )
