"""Report pages and services without MWS: the gateway's queue is where the tests look."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _private_media(media: Path) -> Path:
    return media
