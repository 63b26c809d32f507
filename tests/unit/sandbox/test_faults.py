"""Fault rules: matching, schedules, probabilities."""

from __future__ import annotations

import pytest

from mwssandbox.faults import FaultInjector, parse_rule


def _fired(injector, action="GetReportList", seller="A1", times=6):
    return [injector.decide(action, seller).fired for _ in range(times)]


def test_every_after_and_count_make_a_schedule():
    injector = FaultInjector([parse_rule({"kind": "internal_error", "every": 2, "after": 1})])
    fired = _fired(injector)
    assert fired == [[], [], ["internal_error"], [], ["internal_error"], []]
    capped = FaultInjector([parse_rule({"kind": "service_unavailable", "count": 2})])
    assert [bool(f) for f in _fired(capped)] == [True, True, False, False, False, False]
    assert capped.rules()[0]["fired"] == 2
    assert capped.rules()[0]["seen"] == 6


def test_rules_match_actions_and_sellers():
    injector = FaultInjector(
        [
            parse_rule(
                {"kind": "latency", "seconds": 0.5, "actions": ["GetReport"], "sellers": ["A1"]}
            )
        ]
    )
    assert injector.decide("GetReport", "A1").latency == 0.5
    assert injector.decide("GetReport", "A2").latency == 0
    assert injector.decide("GetReportList", "A1").latency == 0


def test_wrong_md5_only_touches_downloads():
    injector = FaultInjector([parse_rule({"kind": "wrong_md5", "count": 1})])
    assert not injector.decide("GetReportList", "A1").wrong_md5
    assert injector.decide("GetFeedSubmissionResult", "A1").wrong_md5
    assert not injector.decide("GetReport", "A1").wrong_md5


def test_probability_is_reproducible_for_a_seed():
    rule = {"kind": "truncate", "probability": 0.5, "fraction": 0.25}
    runs = [
        [bool(f) for f in _fired(FaultInjector([parse_rule(rule)], seed=7), times=40)]
        for _ in range(2)
    ]
    assert runs[0] == runs[1]
    assert 5 < sum(runs[0]) < 35


def test_errors_carry_the_real_codes():
    injector = FaultInjector(
        [parse_rule({"kind": "internal_error"}), parse_rule({"kind": "skew_date", "seconds": -900})]
    )
    active = injector.decide("Ping", None)
    assert (active.error.code, active.error.status) == ("InternalError", 500)
    assert active.skew == -900


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"kind": "meteor"}, "fault kind must be one of"),
        ({"kind": "latency", "seconds": -1}, "must not be negative"),
        ({"kind": "reset", "probability": 2}, "between 0 and 1"),
        ({"kind": "reset", "every": 0}, "at least 1"),
        ({"kind": "truncate", "fraction": 1}, "below 1"),
        ({"kind": "reset", "colour": "red"}, "unknown fault rule keys: colour"),
        ({"kind": "reset", "actions": "GetReport"}, "list of strings"),
    ],
)
def test_bad_rules_are_refused(raw, message):
    with pytest.raises(ValueError, match=message):
        parse_rule(raw)


def test_next_token_corrupted_only_touches_by_next_token_calls():
    injector = FaultInjector([parse_rule({"kind": "next_token_corrupted", "count": 1})])
    assert injector.decide("GetReportList", "A1").error is None
    error = injector.decide("GetReportListByNextToken", "A1").error
    assert error is not None
    assert (error.code, error.status) == ("NextTokenCorrupted", 400)
    assert injector.decide("GetReportListByNextToken", "A1").error is None
