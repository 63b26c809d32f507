"""Fault injection: the failures a client of real MWS had to survive, on demand.

Rules come from the config (``faults``) or from ``POST /_sandbox/faults`` at run time. A rule
matches calls by operation and seller, then fires with a probability, on every n-th match, after
the first n matches, and at most ``count`` times. Kinds:

- ``internal_error`` / ``service_unavailable``: answer 500 InternalError / 503 ServiceUnavailable
  instead of processing the call;
- ``latency``: wait ``seconds`` before processing;
- ``reset``: process the call (a feed is stored), then reset the connection instead of answering,
  the "did my feed arrive?" case;
- ``truncate``: announce the full body but send only ``fraction`` of it, then close;
- ``wrong_md5``: send a Content-MD5 that does not match the download (GetReport and
  GetFeedSubmissionResult only);
- ``skew_date``: shift the ``Date`` and ``x-mws-timestamp`` headers (and the PingResponse time)
  by ``seconds``;
- ``next_token_corrupted``: answer 400 NextTokenCorrupted to a ``...ByNextToken`` call, as MWS
  did for tokens it had lost (the guide: call the original operation again).
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mwssandbox.errors import MWSError, internal_error, service_unavailable
from mwssandbox.paging import corrupted

KINDS = frozenset(
    {
        "internal_error",
        "service_unavailable",
        "latency",
        "reset",
        "truncate",
        "wrong_md5",
        "skew_date",
        "next_token_corrupted",
    }
)
DOWNLOADS = frozenset({"GetReport", "GetFeedSubmissionResult"})
_KEYS = frozenset(
    {"kind", "probability", "every", "after", "count", "actions", "sellers", "seconds", "fraction"}
)


@dataclass
class FaultRule:
    kind: str
    probability: float | None = None
    every: int | None = None
    after: int = 0
    count: int | None = None
    actions: frozenset[str] = frozenset()
    sellers: frozenset[str] = frozenset()
    seconds: float = 0.0
    fraction: float = 0.5
    rule_id: int = 0
    seen: int = 0
    fired: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.rule_id,
            "kind": self.kind,
            "probability": self.probability,
            "every": self.every,
            "after": self.after,
            "count": self.count,
            "actions": sorted(self.actions),
            "sellers": sorted(self.sellers),
            "seconds": self.seconds,
            "fraction": self.fraction,
            "seen": self.seen,
            "fired": self.fired,
        }


def parse_rule(raw: Mapping[str, Any]) -> FaultRule:
    """A rule from its JSON form; ``ValueError`` says what is wrong with it."""
    if not isinstance(raw, Mapping):
        raise ValueError("a fault rule must be an object")
    unknown = set(raw) - _KEYS
    if unknown:
        raise ValueError(f"unknown fault rule keys: {', '.join(sorted(unknown))}")
    kind = raw.get("kind")
    if kind not in KINDS:
        raise ValueError(f"fault kind must be one of {', '.join(sorted(KINDS))}, not {kind!r}")
    rule = FaultRule(kind=kind)
    if raw.get("probability") is not None:
        rule.probability = _number(raw, "probability")
        if not 0 <= rule.probability <= 1:
            raise ValueError("probability must be between 0 and 1")
    if raw.get("every") is not None:
        rule.every = _whole(raw, "every", minimum=1)
    rule.after = _whole(raw, "after", minimum=0) if "after" in raw else 0
    if raw.get("count") is not None:
        rule.count = _whole(raw, "count", minimum=1)
    rule.actions = _names(raw, "actions")
    rule.sellers = _names(raw, "sellers")
    if "seconds" in raw:
        rule.seconds = _number(raw, "seconds")
    if kind == "latency" and rule.seconds < 0:
        raise ValueError("latency seconds must not be negative")
    if "fraction" in raw:
        rule.fraction = _number(raw, "fraction")
        if not 0 <= rule.fraction < 1:
            raise ValueError("fraction must be at least 0 and below 1")
    return rule


def _number(raw: Mapping[str, Any], key: str) -> float:
    value = raw[key]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{key} must be a number")
    return float(value)


def _whole(raw: Mapping[str, Any], key: str, *, minimum: int) -> int:
    value = raw[key]
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{key} must be a whole number of at least {minimum}")
    return value


def _names(raw: Mapping[str, Any], key: str) -> frozenset[str]:
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError(f"{key} must be a list of strings")
    return frozenset(value)


@dataclass
class ActiveFaults:
    """What the faults that fired for one call ask the server to do."""

    error: MWSError | None = None
    latency: float = 0.0
    reset: bool = False
    truncate: float | None = None
    wrong_md5: bool = False
    skew: float = 0.0
    fired: list[str] = field(default_factory=list)


class FaultInjector:
    def __init__(self, rules: Iterable[FaultRule] = (), *, seed: int = 0) -> None:
        self._lock = threading.Lock()
        self._random = random.Random(seed)
        self._rules: list[FaultRule] = []
        self._next_id = 1
        self.add(rules)

    def add(self, rules: Iterable[FaultRule]) -> list[int]:
        ids = []
        with self._lock:
            for rule in rules:
                rule.rule_id = self._next_id
                self._next_id += 1
                self._rules.append(rule)
                ids.append(rule.rule_id)
        return ids

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def rules(self) -> list[dict[str, Any]]:
        with self._lock:
            return [rule.as_dict() for rule in self._rules]

    def decide(self, action: str, seller_id: str | None) -> ActiveFaults:
        active = ActiveFaults()
        with self._lock:
            for rule in self._rules:
                if not self._matches(rule, action, seller_id):
                    continue
                rule.seen += 1
                if not self._fires(rule):
                    continue
                rule.fired += 1
                active.fired.append(rule.kind)
                self._apply(rule, active)
        return active

    @staticmethod
    def _matches(rule: FaultRule, action: str, seller_id: str | None) -> bool:
        if rule.actions and action not in rule.actions:
            return False
        if rule.sellers and seller_id not in rule.sellers:
            return False
        if rule.kind == "next_token_corrupted" and not action.endswith("ByNextToken"):
            return False
        return not (rule.kind == "wrong_md5" and action not in DOWNLOADS)

    def _fires(self, rule: FaultRule) -> bool:
        if rule.count is not None and rule.fired >= rule.count:
            return False
        position = rule.seen - rule.after
        if position <= 0:
            return False
        if rule.every is not None and position % rule.every != 0:
            return False
        return rule.probability is None or self._random.random() < rule.probability

    @staticmethod
    def _apply(rule: FaultRule, active: ActiveFaults) -> None:
        if rule.kind == "internal_error" and active.error is None:
            active.error = internal_error()
        elif rule.kind == "service_unavailable" and active.error is None:
            active.error = service_unavailable()
        elif rule.kind == "latency":
            active.latency += rule.seconds
        elif rule.kind == "reset":
            active.reset = True
        elif rule.kind == "truncate":
            active.truncate = rule.fraction
        elif rule.kind == "wrong_md5":
            active.wrong_md5 = True
        elif rule.kind == "skew_date":
            active.skew += rule.seconds
        elif rule.kind == "next_token_corrupted" and active.error is None:
            active.error = corrupted()
