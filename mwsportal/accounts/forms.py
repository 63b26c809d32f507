"""Forms of the account pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.urls import reverse
from django.utils.html import format_html

from mwsportal.accounts import services
from mwsportal.accounts.throttling import LoginThrottle, client_ip


class SignUpForm(forms.Form):
    email = forms.EmailField(
        label="Email address",
        max_length=150,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
    password1 = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label="Password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_email(self) -> str:
        return services.normalize_email(self.cleaned_data["email"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", "The two passwords are different.")
        elif first and cleaned.get("email"):
            # Validated against a user that is never saved, so the similarity check compares
            # the password with the address being signed up.
            candidate = get_user_model()(username=cleaned["email"], email=cleaned["email"])
            try:
                password_validation.validate_password(first, candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class ResendConfirmationForm(forms.Form):
    email = forms.EmailField(
        label="Email address",
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )


class ThrottledAuthenticationForm(AuthenticationForm):
    """Django's login form behind a per-account and per-address failure limit."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "locked_out": (
            "Too many failed logins. Try again in %(minutes)s minute(s), or reset your password."
        ),
    }

    def clean(self) -> dict[str, Any]:
        typed = (self.cleaned_data.get("username") or "").strip()
        password = self.cleaned_data.get("password")
        if not typed or not password:
            return super().clean()
        throttle = LoginThrottle(typed, client_ip(self.request))
        self._refuse_if_locked_out(throttle)
        # Sign-up stores addresses in lower case; people type them as they like.
        self.cleaned_data["username"] = self._stored_username(typed)
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            self._explain_unconfirmed(typed, password)
            throttle.record_failure()
            self._refuse_if_locked_out(throttle)
            raise
        throttle.record_success()
        return cleaned

    def _refuse_if_locked_out(self, throttle: LoginThrottle) -> None:
        lockout = throttle.lockout()
        if lockout is not None:
            raise forms.ValidationError(
                self.error_messages["locked_out"],
                code="locked_out",
                params={"minutes": lockout.minutes_left},
            )

    @staticmethod
    def _stored_username(typed: str) -> str:
        matches = list(
            get_user_model()
            ._default_manager.filter(username__iexact=typed)
            .values_list("username", flat=True)[:2]
        )
        return matches[0] if len(matches) == 1 else typed

    def _explain_unconfirmed(self, typed: str, password: str) -> None:
        """The right password for an account still waiting for its e-mail confirmation gets a
        way forward rather than "wrong password"."""
        user = services.find_user_by_email(typed)
        if (
            user is not None
            and services.is_waiting_for_confirmation(user)
            and user.check_password(password)
        ):
            raise forms.ValidationError(
                format_html(
                    "Confirm your email address first: open the link we mailed to {}. "
                    '<a href="{}">Send the link again</a>.',
                    user.email,
                    reverse("verify_email_resend"),
                ),
                code="unconfirmed",
            )


class ThrottledAdminAuthenticationForm(ThrottledAuthenticationForm, AdminAuthenticationForm):
    """The admin's login form behind the same limits. Staff accounts are the ones most worth
    guessing, so their form must not be a way around the lockout."""

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "locked_out": ThrottledAuthenticationForm.error_messages["locked_out"],
    }
