"""The README is the operator's manual: every environment variable the settings read is in its
configuration table, so a new setting cannot ship undocumented."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
# A call that reads a variable by name: env.str("NAME", ...), _env_positive("NAME", ...)
READS = re.compile(r"(?:\benv\.\w+|_env_\w+)\(\s*\"([A-Z][A-Z0-9_]+)\"")


def variables_read_by_settings() -> set[str]:
    return set(READS.findall((ROOT / "mwsportal" / "settings.py").read_text()))


def test_the_settings_read_variables_at_all():
    # Guards the pattern above: if it stopped matching, the next test would pass vacuously.
    assert {"DEBUG", "SECRET_KEY", "DATABASE_URL", "MWS_GATEWAY_TICK_SECONDS"} <= (
        variables_read_by_settings()
    )


def test_every_variable_the_settings_read_is_documented():
    readme = (ROOT / "README.md").read_text()
    undocumented = sorted(v for v in variables_read_by_settings() if f"`{v}`" not in readme)
    assert not undocumented, f"add these to the README's configuration table: {undocumented}"
