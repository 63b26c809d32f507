"""Sign-up, e-mail confirmation, password reset and change, through Django's mail outbox."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse

from mwsportal.accounts.models import EmailConfirmation

pytestmark = pytest.mark.django_db

EMAIL = "new.seller@example.com"
PASSWORD = "a-long-unusual-passphrase-42"
LINK = re.compile(r"http://testserver(/accounts/\S+/)")


def link_in(message: mail.EmailMessage) -> str:
    match = LINK.search(message.body)
    assert match, message.body
    return match.group(1)


def sign_up(client: Client, email: str = EMAIL, password: str = PASSWORD):
    return client.post(
        reverse("signup"), {"email": email, "password1": password, "password2": password}
    )


def log_in(client: Client, username: str = EMAIL, password: str = PASSWORD):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_sign_up_confirm_and_log_in(client):
    response = sign_up(client, email="New.Seller@Example.com")
    assert response.status_code == 302
    assert response["Location"] == reverse("signup_done")
    assert EMAIL in client.get(response["Location"]).content.decode()

    user = get_user_model().objects.get()
    assert (user.username, user.email, user.is_active) == (EMAIL, EMAIL, False)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [EMAIL]
    link = link_in(mail.outbox[0])

    refused = log_in(client)
    assert refused.status_code == 200
    assert "Confirm your email address first" in refused.content.decode()

    assert client.get(link).status_code == 200
    user.refresh_from_db()
    assert not user.is_active, "opening the link (a mail scanner could) confirms nothing"
    confirmed = client.post(link)
    assert confirmed["Location"] == reverse("login")
    user.refresh_from_db()
    assert user.is_active
    assert EmailConfirmation.objects.get(user=user).confirmed_at is not None

    assert client.post(link).status_code == 400, "a confirmation link works once"
    response = log_in(client, username="NEW.seller@example.com")
    assert response.status_code == 302
    assert "Your seller accounts" in client.get("/").content.decode()


def test_weak_or_mismatched_passwords_are_refused(client):
    response = sign_up(client, password="password")
    assert "This password is too common" in response.content.decode()
    response = client.post(
        reverse("signup"),
        {"email": EMAIL, "password1": PASSWORD, "password2": PASSWORD + "x"},
    )
    assert "The two passwords are different" in response.content.decode()
    similar = sign_up(client, email="harriet.quimby@example.com", password="harriet.quimby")
    assert "too similar" in similar.content.decode()
    assert not get_user_model().objects.exists()
    assert mail.outbox == []


def test_signing_up_with_a_taken_address_reveals_nothing_but_mails_the_owner(client, owner):
    response = sign_up(client, email=owner.email)
    assert response["Location"] == reverse("signup_done")
    assert get_user_model().objects.count() == 1
    owner.refresh_from_db()
    assert owner.check_password(owner.raw_password), "the existing password is untouched"
    assert len(mail.outbox) == 1
    assert "already has" in mail.outbox[0].body
    assert reverse("password_reset") in mail.outbox[0].body


def test_signing_up_again_before_confirming_replaces_password_and_link(client):
    sign_up(client, password="first-passphrase-for-this")
    first_link = link_in(mail.outbox[0])
    sign_up(client, password=PASSWORD)
    second_link = link_in(mail.outbox[1])

    assert client.post(first_link).status_code == 400
    assert client.post(second_link).status_code == 302
    assert log_in(client).status_code == 302


def test_the_confirmation_link_can_be_sent_again(client):
    sign_up(client)
    first_link = link_in(mail.outbox[0])
    response = client.post(reverse("verify_email_resend"), {"email": EMAIL})
    assert response["Location"] == reverse("signup_done")
    assert len(mail.outbox) == 2
    assert link_in(mail.outbox[1]) == first_link, "same account state, same valid link"
    assert client.post(link_in(mail.outbox[1])).status_code == 302


def test_resending_to_an_active_or_unknown_address_sends_nothing(client, owner):
    for email in (owner.email, "nobody@example.com"):
        response = client.post(reverse("verify_email_resend"), {"email": email})
        assert response["Location"] == reverse("signup_done")
    assert mail.outbox == []


def test_a_user_disabled_by_staff_is_not_offered_a_confirmation(client, owner):
    owner.is_active = False
    owner.save()
    response = log_in(client, owner.username, owner.raw_password)
    content = response.content.decode()
    assert "Confirm your email" not in content
    assert "Please enter a correct" in content


def test_a_forged_confirmation_link_is_refused(client):
    sign_up(client)
    user = get_user_model().objects.get()
    response = client.get(reverse("verify_email", args=["MQ", "abc-123"]))
    assert response.status_code == 400
    response = client.post(reverse("verify_email", args=["bm9wZQ", "abc-123"]))
    assert response.status_code == 400
    user.refresh_from_db()
    assert not user.is_active


def test_password_reset(client, owner):
    response = client.post(reverse("password_reset"), {"email": owner.email})
    assert response["Location"] == reverse("password_reset_done")
    link = link_in(mail.outbox[0])

    form_page = client.get(link, follow=True)
    assert "Choose a new password" in form_page.content.decode()
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": PASSWORD, "new_password2": PASSWORD},
    )
    assert response["Location"] == reverse("password_reset_complete")
    assert log_in(client, owner.username, PASSWORD).status_code == 302


def test_password_reset_for_an_unknown_address_looks_the_same(client):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.com"})
    assert response["Location"] == reverse("password_reset_done")
    assert mail.outbox == []


def test_change_password(owner_client, owner):
    page = owner_client.get(reverse("password_change"))
    assert owner.username in page.content.decode()
    response = owner_client.post(
        reverse("password_change"),
        {"old_password": owner.raw_password, "new_password1": PASSWORD, "new_password2": PASSWORD},
    )
    assert response["Location"] == reverse("password_change_done")
    owner.refresh_from_db()
    assert owner.check_password(PASSWORD)


def test_the_login_page_links_to_sign_up_and_password_reset(client):
    content = client.get(reverse("login")).content.decode()
    assert f'href="{reverse("signup")}"' in content
    assert f'href="{reverse("password_reset")}"' in content
