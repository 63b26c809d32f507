"""The sandbox's own admin endpoints under ``/_sandbox/``, for tests and benchmarks.

- ``GET /_sandbox/faults``: the fault rules with how often each matched and fired;
- ``POST /_sandbox/faults``: add rules (one rule object, a list, or ``{"rules": [...]}``);
- ``DELETE /_sandbox/faults``: remove every rule;
- ``GET /_sandbox/feeds``: every feed the sandbox received, as it recorded them;
- ``GET /_sandbox/calls``: call counts by seller, operation, HTTP status and error code;
- ``DELETE /_sandbox/calls``: reset those counts.

They sit next to the MWS API on the same loopback port and answer JSON.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from mwssandbox.faults import FaultInjector, parse_rule
from mwssandbox.state import SandboxState

PREFIX = "/_sandbox/"


class Control:
    def __init__(self, state: SandboxState, faults: FaultInjector) -> None:
        self.state = state
        self.faults = faults

    def handle(self, method: str, path: str, body: bytes) -> tuple[int, Any]:
        routes: dict[str, dict[str, Callable[[], tuple[int, Any]]]] = {
            "faults": {
                "GET": lambda: (200, {"rules": self.faults.rules()}),
                "POST": lambda: self._add_faults(body),
                "DELETE": self._clear_faults,
            },
            "feeds": {"GET": lambda: (200, {"feeds": self.state.feed_records()})},
            "calls": {
                "GET": lambda: (200, {"calls": self.state.calls.rows()}),
                "DELETE": self._clear_calls,
            },
        }
        methods = routes.get(path[len(PREFIX) :].strip("/"))
        if methods is None:
            return 404, {"error": f"no such endpoint: {path}"}
        answer = methods.get(method)
        if answer is None:
            return 405, {"error": f"{method} is not allowed on {path}"}
        return answer()

    def _clear_faults(self) -> tuple[int, Any]:
        self.faults.clear()
        return 200, {"rules": []}

    def _clear_calls(self) -> tuple[int, Any]:
        self.state.calls.clear()
        return 200, {"calls": []}

    def _add_faults(self, body: bytes) -> tuple[int, Any]:
        try:
            raw = json.loads(body or b"null")
        except ValueError:
            return 400, {"error": "the body must be JSON"}
        if isinstance(raw, dict) and "rules" in raw:
            raw = raw["rules"]
        items = raw if isinstance(raw, list) else [raw]
        try:
            rules = [parse_rule(item) for item in items]
        except ValueError as exc:
            return 400, {"error": str(exc)}
        return 201, {"ids": self.faults.add(rules), "rules": self.faults.rules()}
