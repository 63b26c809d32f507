"""The client and the sandbox load in a plain interpreter: scripts, benchmarks and the sandbox
process import them without Django settings. Which modules they may import is checked by the
import contracts in pyproject.toml (`lint-imports`); this test proves the packages really load
where Django cannot be imported at all."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize(
    "modules",
    [
        ["mwsclient", "mwsclient.client", "mwsclient.operations", "mwsclient.endpoints"],
        ["mwssandbox", "mwssandbox.server", "mwssandbox.config", "mwssandbox.signing"],
    ],
    ids=["client", "sandbox"],
)
def test_package_loads_where_django_cannot(modules: list[str]) -> None:
    script = f"""
import importlib, sys
sys.modules["django"] = None  # any import of Django now raises ImportError
for name in {modules!r}:
    importlib.import_module(name)
loaded = {{name.split(".")[0] for name, module in sys.modules.items() if module is not None}}
print(sorted(loaded & {{"django", "celery", "mwsportal", "mwsclient", "mwssandbox"}}))
"""
    environment = {
        key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"
    }
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
        cwd=ROOT,
        env=environment,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == repr([modules[0]])
