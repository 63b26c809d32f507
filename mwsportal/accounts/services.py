"""Account actions: sign up, confirm an e-mail address, resend the confirmation."""

from __future__ import annotations

import logging

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.hashers import make_password
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from mwsportal.accounts.models import EmailConfirmation

logger = logging.getLogger(__name__)


class EmailConfirmationTokenGenerator(PasswordResetTokenGenerator):
    """Links valid for PASSWORD_RESET_TIMEOUT that die once used: the hash covers the active
    flag (which confirming flips) and the password hash (which a repeated sign-up replaces)."""

    key_salt = "accounts.services.EmailConfirmationTokenGenerator"

    def _make_hash_value(self, user: AbstractBaseUser, timestamp: int) -> str:
        return f"{user.pk}{user.password}{user.is_active}{timestamp}{user.email}"


email_confirmation_token = EmailConfirmationTokenGenerator()


def normalize_email(address: str) -> str:
    return address.strip().lower()


def find_user_by_email(address: str) -> AbstractBaseUser | None:
    user_model = get_user_model()
    return (
        user_model._default_manager.filter(username__iexact=normalize_email(address))
        .select_related("email_confirmation")
        .first()
    )


def is_waiting_for_confirmation(user: AbstractBaseUser) -> bool:
    confirmation = getattr(user, "email_confirmation", None)
    return confirmation is not None and confirmation.is_pending and not user.is_active


def sign_up(*, email: str, password: str, site_url: str) -> None:
    """Create an inactive account and mail it a confirmation link.

    The response to the person signing up is the same whether or not the address already has
    an account, so the form cannot be used to find out who is a customer; the owner of an
    existing account is told by mail instead. Signing up again before confirming replaces the
    password and sends a fresh link (the older link stops working), so whoever first typed
    someone else's address cannot keep a password on that account.
    """
    address = normalize_email(email)
    # Hashed before we know which path this is, and exactly once on every path: hashing is
    # most of the work, so an address with an account must not answer faster than one without.
    hashed = make_password(password)
    with transaction.atomic():
        user = find_user_by_email(address)
        if user is None:
            user = get_user_model()._default_manager.create(
                username=address, email=address, password=hashed, is_active=False
            )
            EmailConfirmation.objects.create(user=user)
            already_registered = False
        elif is_waiting_for_confirmation(user):
            user.password = hashed
            user.save(update_fields=["password"])
            already_registered = False
        else:
            already_registered = True
    # Mailed once the account is saved, so the link never points at a row that is not there.
    if already_registered:
        _send_already_registered(user, site_url)
    else:
        send_confirmation(user, site_url)


def resend_confirmation(*, email: str, site_url: str) -> None:
    """Mail a fresh confirmation link when the address waits for one; otherwise do nothing
    (and say nothing different to the caller)."""
    user = find_user_by_email(email)
    if user is not None and is_waiting_for_confirmation(user):
        send_confirmation(user, site_url)


def confirmation_path(user: AbstractBaseUser) -> str:
    return reverse(
        "verify_email",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": email_confirmation_token.make_token(user),
        },
    )


def send_confirmation(user: AbstractBaseUser, site_url: str) -> None:
    context = {
        "user": user,
        "confirm_url": site_url.rstrip("/") + confirmation_path(user),
        "site_url": site_url,
    }
    _mail(user, "accounts/email/confirm", context)


def _send_already_registered(user: AbstractBaseUser, site_url: str) -> None:
    base = site_url.rstrip("/")
    context = {
        "user": user,
        "login_url": base + reverse("login"),
        "reset_url": base + reverse("password_reset"),
    }
    _mail(user, "accounts/email/already_registered", context)


def _mail(user: AbstractBaseUser, template: str, context: dict[str, object]) -> None:
    subject = render_to_string(f"{template}_subject.txt", context).strip()
    body = render_to_string(f"{template}_body.txt", context)
    send_mail(subject, body, None, [user.email])


def user_from_link(uidb64: str, token: str) -> AbstractBaseUser | None:
    """The account a confirmation link belongs to, or None when the link is wrong, expired or
    already used."""
    try:
        pk = urlsafe_base64_decode(uidb64).decode()
        user = get_user_model()._default_manager.select_related("email_confirmation").get(pk=pk)
    except (ValueError, TypeError, OverflowError, get_user_model().DoesNotExist):
        return None
    if not is_waiting_for_confirmation(user):
        return None
    if not email_confirmation_token.check_token(user, token):
        return None
    return user


def confirm_email(user: AbstractBaseUser) -> None:
    with transaction.atomic():
        user.is_active = True
        user.save(update_fields=["is_active"])
        EmailConfirmation.objects.filter(user=user).update(confirmed_at=timezone.now())
    logger.info("user %s confirmed their e-mail address", user.pk)
