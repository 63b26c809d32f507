"""Brute-force protection: failed logins lock out an account and a client address, on every
login form (the portal's and the admin's); a password reset does not tell whether an account
exists."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client, RequestFactory
from django.urls import reverse

from mwsportal.accounts import throttling
from mwsportal.accounts.throttling import LoginThrottle, client_ip

pytestmark = pytest.mark.django_db

LOCKED = "Too many failed logins"
CSRF_TOKEN = re.compile(r'"X-CSRFToken": "[^"]+"')


@pytest.fixture(autouse=True)
def limits(settings):
    settings.LOGIN_FAILURE_LIMIT_PER_ACCOUNT = 5
    settings.LOGIN_FAILURE_LIMIT_PER_IP = 20
    settings.LOGIN_LOCKOUT_SECONDS = 900
    settings.TRUSTED_PROXY_COUNT = 0


def attempt(username: str, password: str, ip: str = "203.0.113.7", url: str | None = None):
    return Client(REMOTE_ADDR=ip).post(
        url or reverse("login"), {"username": username, "password": password}
    )


LOGIN_FORMS = ["/accounts/login/", "/admin/login/"]


@pytest.mark.parametrize("url", LOGIN_FORMS)
def test_every_login_form_locks_a_staff_account_after_five_failures(staff, url):
    for _ in range(4):
        assert LOCKED not in attempt(staff.username, "wrong", url=url).content.decode()
    assert LOCKED in attempt(staff.username, "wrong", url=url).content.decode()
    for form in LOGIN_FORMS:
        refused = attempt(staff.username, staff.raw_password, ip="198.51.100.1", url=form)
        assert refused.status_code == 200, form
        assert LOCKED in refused.content.decode(), form


@pytest.mark.parametrize("url", LOGIN_FORMS)
def test_every_login_form_counts_failures_per_address(owner, url):
    for number in range(20):
        attempt(f"guess{number}@example.com", "wrong", ip="203.0.113.9", url=url)
    assert LOCKED in attempt(owner.username, owner.raw_password, ip="203.0.113.9").content.decode()


def test_five_failures_lock_the_account_even_for_the_right_password(owner):
    for _ in range(4):
        assert LOCKED not in attempt(owner.username, "wrong").content.decode()
    assert LOCKED in attempt(owner.username, "wrong").content.decode()

    response = attempt(owner.username, owner.raw_password)
    assert response.status_code == 200
    assert "Try again in 15 minute(s)" in response.content.decode()


def test_the_account_lock_holds_from_every_address(owner):
    for _ in range(5):
        attempt(owner.username, "wrong", ip="203.0.113.7")
    assert LOCKED in attempt(owner.username, owner.raw_password, ip="198.51.100.1").content.decode()


def test_a_locked_account_does_not_lock_others(owner, stranger):
    for _ in range(5):
        attempt(owner.username, "wrong")
    assert attempt(stranger.username, stranger.raw_password, ip="198.51.100.1").status_code == 302


def test_the_account_name_is_matched_whatever_its_case(owner):
    for _ in range(5):
        attempt(owner.username.upper(), "wrong")
    assert LOCKED in attempt(owner.username, owner.raw_password).content.decode()


def test_an_address_trying_many_accounts_is_locked_out(owner):
    for number in range(20):
        attempt(f"guess{number}@example.com", "wrong", ip="203.0.113.9")
    refused = attempt(owner.username, owner.raw_password, ip="203.0.113.9")
    assert LOCKED in refused.content.decode()
    assert attempt(owner.username, owner.raw_password, ip="198.51.100.1").status_code == 302


def test_unknown_accounts_lock_out_like_real_ones(owner):
    for _ in range(5):
        attempt("nobody@example.com", "wrong", ip="198.51.100.2")
        attempt(owner.username, "wrong", ip="198.51.100.3")
    unknown = attempt("nobody@example.com", "wrong", ip="198.51.100.4").content.decode()
    known = attempt(owner.username, "wrong", ip="198.51.100.5").content.decode()
    assert LOCKED in unknown
    assert LOCKED in known


def test_a_successful_login_clears_the_account_count(owner):
    for _ in range(4):
        attempt(owner.username, "wrong")
    assert attempt(owner.username, owner.raw_password).status_code == 302
    for _ in range(4):
        attempt(owner.username, "wrong")
    assert attempt(owner.username, owner.raw_password).status_code == 302


def test_the_lockout_ends_after_its_time(owner, monkeypatch):
    for _ in range(5):
        attempt(owner.username, "wrong")
    assert LOCKED in attempt(owner.username, owner.raw_password).content.decode()

    now = throttling.time.time()
    monkeypatch.setattr(throttling.time, "time", lambda: now + 901)
    assert attempt(owner.username, owner.raw_password).status_code == 302


def test_a_password_reset_lifts_the_account_lock(owner, client):
    for _ in range(5):
        attempt(owner.username, "wrong")
    client.post(reverse("password_reset"), {"email": owner.email})
    link = mail.outbox[0].body.split("http://testserver", 1)[1].split()[0]
    form = client.get(link, follow=True)
    client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a-brand-new-passphrase", "new_password2": "a-brand-new-passphrase"},
    )
    assert attempt(owner.username, "a-brand-new-passphrase").status_code == 302


def test_the_lock_is_kept_in_the_shared_cache():
    throttle = LoginThrottle("someone@example.com", "203.0.113.7")
    for _ in range(5):
        throttle.record_failure()
    fresh = LoginThrottle("SOMEONE@example.com ", "198.51.100.1")
    assert fresh.lockout() is not None


def test_forwarded_for_is_ignored_without_trusted_proxies():
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_ip(request) == "10.0.0.1"


def test_behind_one_proxy_the_last_forwarded_address_is_the_client(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7"
    )
    assert client_ip(request) == "203.0.113.7", "what the client wrote itself is not trusted"


def test_a_password_reset_answers_the_same_whether_the_account_exists(owner, stranger):
    stranger.is_active = False
    stranger.save()
    answers = {}
    for email in (owner.email, "nobody@example.com", stranger.email, owner.email.upper()):
        response = Client().post(reverse("password_reset"), {"email": email}, follow=True)
        answers[email] = (
            response.status_code,
            tuple(response.redirect_chain),
            # The page differs only in its CSRF token, masked anew for every response.
            CSRF_TOKEN.sub("TOKEN", response.content.decode()),
        )
    assert len(set(answers.values())) == 1, "every address gets the same answer"
    assert [message.to for message in mail.outbox] == [[owner.email], [owner.email]]


def test_a_wrong_password_and_an_unknown_account_get_the_same_refusal(owner):
    unknown = attempt("nobody@example.com", "wrong", ip="198.51.100.6")
    wrong = attempt(owner.username, "wrong", ip="198.51.100.7")
    assert unknown.status_code == wrong.status_code == 200
    assert unknown.context["form"].errors == wrong.context["form"].errors
