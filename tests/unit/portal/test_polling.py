"""The back-off of the follow-up checks: soon after the typical time, then less and less often,
and never a check once the periodic poll's beat is reached."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from mwsportal import polling

STARTED = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
BEAT = timedelta(seconds=60)


def _checks(typical: timedelta | None) -> list[float]:
    """Every check from the start on, in seconds after it, as a worker would ask them."""
    checks, now = [], STARTED
    while (due := polling.next_check(STARTED, typical, now, beat=BEAT)) is not None:
        checks.append((due - STARTED).total_seconds())
        now = due
    return checks


def test_without_history_checks_start_after_the_first_step_and_back_off(settings):
    settings.MWS_GATEWAY_TIME_SCALE = 1.0
    assert _checks(None) == [5, 10, 20, 40, 80]


def test_with_history_the_first_check_waits_for_the_typical_time(settings):
    settings.MWS_GATEWAY_TIME_SCALE = 1.0
    assert _checks(timedelta(seconds=90)) == [90, 95, 105, 125, 165]


def test_a_faster_sandbox_shrinks_the_steps(settings):
    settings.MWS_GATEWAY_TIME_SCALE = 100.0
    assert _checks(None) == [0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 12.8, 25.6, 51.2, 102.4]


def test_work_open_longer_than_the_back_off_is_left_to_the_periodic_poll(settings):
    settings.MWS_GATEWAY_TIME_SCALE = 1.0
    assert polling.next_check(STARTED, None, STARTED + timedelta(hours=1), beat=BEAT) is None


def test_the_typical_duration_is_the_median_of_sensible_durations():
    seconds = [timedelta(seconds=s) for s in (30, 10, -5, 20)]
    assert polling.typical_duration(seconds) == timedelta(seconds=20)
    assert polling.typical_duration([]) is None


def test_due_checks_ask_each_type_once_and_come_soonest_first():
    from datetime import UTC, datetime, timedelta

    from mwsportal import polling

    now = datetime(2020, 5, 1, 12, tzinfo=UTC)
    asked = []

    def typical(kind: str) -> timedelta:
        asked.append(kind)
        return {"slow": timedelta(minutes=5), "fast": timedelta(seconds=30)}[kind]

    due = polling.due_checks(
        [("a", "slow", now), ("b", "fast", now), ("c", "fast", now - timedelta(seconds=10))],
        typical,
        now,
        beat=timedelta(minutes=10),
    )
    assert [work_id for _, work_id in due] == ["c", "b", "a"]
    assert due[0][0] == now + timedelta(seconds=20)
    assert sorted(asked) == ["fast", "slow"]


def test_polls_take_100_ids_each_under_one_key_spelling():
    ids = [str(n) for n in range(250)]
    batches = polling.poll_batches("feeds", ids)
    assert [key for key, _ in batches] == ["feeds.poll:0", "feeds.poll:1", "feeds.poll:2"]
    assert [len(batch) for _, batch in batches] == [100, 100, 50]
    assert [i for _, batch in batches for i in batch] == ids
    assert polling.poll_batches("reports", []) == []
