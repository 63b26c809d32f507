"""The owner's seller and stranger's seller, and a record of the tasks notices hand out."""

from __future__ import annotations

import pytest

from notifications import services
from tests.factories import SellerFactory


class TaskRecorder:
    """Stands in for the Celery app: remembers what would have been sent to a worker."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, list[object]]] = []

    def send_task(self, name: str, args: list[object]) -> None:
        self.sent.append((name, list(args)))


@pytest.fixture
def tasks(monkeypatch) -> TaskRecorder:
    recorder = TaskRecorder()
    monkeypatch.setattr(services, "current_app", recorder)
    return recorder


@pytest.fixture
def seller(owner):
    return SellerFactory(owner=owner, name="US store", auth_token="amzn.mws.secret-token-1")


@pytest.fixture
def stranger_seller(stranger):
    return SellerFactory(owner=stranger, name="Other store")


@pytest.fixture(autouse=True)
def _portal_url(settings) -> None:
    settings.PORTAL_URL = "https://portal.example.com"
