"""Sign-up cannot tell which addresses have accounts: the answer is the same page, one mail is
sent, and the work done (the password hashed once) is the same for a new address, one waiting
for its confirmation and one with an active account. Work is counted, not timed: a timing
test would be flaky on a shared machine and pass by luck."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import get_hasher
from django.core import mail
from django.test import Client
from django.urls import reverse

from mwsportal.accounts import services

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-new-passphrase-42"


@pytest.fixture
def hash_count(monkeypatch) -> list[str]:
    """Every password the configured hasher hashes, in order."""
    hasher = type(get_hasher())
    hashed: list[str] = []
    original = hasher.encode

    def encode(self, password: str, salt: str, *args: object, **kwargs: object) -> str:
        hashed.append(password)
        return original(self, password, salt, *args, **kwargs)

    monkeypatch.setattr(hasher, "encode", encode)
    return hashed


def _sign_up(email: str):
    return Client().post(
        reverse("signup"), {"email": email, "password1": PASSWORD, "password2": PASSWORD}
    )


def _work_for(email: str, hash_count: list[str]) -> tuple[int, str, int]:
    hash_count.clear()
    mail.outbox.clear()
    response = _sign_up(email)
    assert response.status_code == 302, response.content
    return len(hash_count), response["Location"], len(mail.outbox)


def test_existing_and_new_addresses_cost_the_same_work(make_user, hash_count):
    make_user("active@example.com")
    services.sign_up(email="waiting@example.com", password="first-passphrase-1", site_url="x")

    new = _work_for("new@example.com", hash_count)
    waiting = _work_for("waiting@example.com", hash_count)
    active = _work_for("active@example.com", hash_count)

    assert new == waiting == active == (1, reverse("signup_done"), 1)


def test_the_active_account_keeps_its_password(make_user, hash_count):
    user = make_user("active@example.com")
    before = user.password
    _sign_up("active@example.com")
    user.refresh_from_db()
    assert user.password == before
    assert user.is_active
    assert get_user_model().objects.filter(username="active@example.com").count() == 1


def test_a_new_account_gets_the_password_that_was_hashed(hash_count):
    _sign_up("new@example.com")
    user = get_user_model().objects.get(username="new@example.com")
    assert hash_count == [PASSWORD]
    assert user.check_password(PASSWORD)
    assert not user.is_active
