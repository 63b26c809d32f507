"""The shortened soak: bench/soak.py with a few sellers, a minute of faults, one worker SIGKILL
and one Redis restart, on the local PostgreSQL, asserting the same end-state checks.

It runs once per CI run, in the PostgreSQL pass (``DATABASE_URL=postgres://...``), in a
database of its own next to the suite's; the SQLite pass skips it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from bench.soak import CHECKS, REDIS_SERVER

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]


def soak_database_url() -> str | None:
    """A database of the soak's own on the suite's PostgreSQL server (never ``test``)."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return None
    return urlsplit(url)._replace(path=f"/mwsportal_soak_{os.getpid()}").geturl()


def test_nothing_is_lost_or_done_twice_under_faults_crashes_and_a_redis_restart(tmp_path):
    url = soak_database_url()
    if url is None:
        pytest.skip(
            "The soak runs in the PostgreSQL pass only (DATABASE_URL=postgres://...); "
            "this pass is on SQLite."
        )
    if not Path(REDIS_SERVER).exists():
        pytest.fail(f"The soak starts a private Redis and needs {REDIS_SERVER}.", pytrace=False)
    finished = subprocess.run(
        [
            *(sys.executable, str(ROOT / "bench" / "soak.py")),
            *("--sellers", "3", "--duration", "60", "--kills", "1", "--time-scale", "30"),
            *("--workers", "2", "--concurrency", "2", "--drain-timeout", "100"),
            *("--database-url", url, "--keep-logs", str(tmp_path / "logs")),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=420,
    )
    assert finished.stdout.strip(), finished.stderr[-5000:]
    result = json.loads(finished.stdout)
    failed = {name: check for name, check in result["checks"].items() if not check["ok"]}
    assert not failed, json.dumps(failed, indent=2)
    assert set(CHECKS) <= set(result["checks"])
    assert finished.returncode == 0
    # The run did what it is meant to survive.
    assert len(result["driven"]["kills"]) == 1
    assert len(result["driven"]["redis_restarts"]) == 1
    assert result["driven"]["onboarded"] == 3
    assert sum(f["fired"] for f in result["faults_injected_during_load"].values()) > 0
