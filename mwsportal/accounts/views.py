"""Account pages: login, sign-up, e-mail confirmation, password reset."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from mwsportal.accounts import services
from mwsportal.accounts.forms import ResendConfirmationForm, SignUpForm, ThrottledAuthenticationForm
from mwsportal.accounts.throttling import LoginThrottle


def _site_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/")


class LoginView(auth_views.LoginView):
    form_class = ThrottledAuthenticationForm
    redirect_authenticated_user = True


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    def form_valid(self, form: object) -> HttpResponse:
        response = super().form_valid(form)
        # Whoever can read the account's mail may log in again at once.
        LoginThrottle(self.user.get_username(), "").clear_account()
        return response


@sensitive_post_parameters("password1", "password2")
@require_http_methods(["GET", "POST"])
def sign_up(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.sign_up(
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password1"],
            site_url=_site_url(request),
        )
        request.session["signup_email"] = form.cleaned_data["email"]
        return redirect("signup_done")
    return render(request, "accounts/signup.html", {"form": form})


def sign_up_done(request: HttpRequest) -> HttpResponse:
    return render(
        request, "accounts/signup_done.html", {"email": request.session.get("signup_email")}
    )


@require_http_methods(["GET", "POST"])
def verify_email(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """GET shows a button and POST confirms: mail scanners that open links must not confirm
    an address on their own."""
    user = services.user_from_link(uidb64, token)
    if user is None:
        return render(request, "accounts/verify_invalid.html", status=400)
    if request.method == "POST":
        services.confirm_email(user)
        messages.success(request, "Your email address is confirmed. Log in to get started.")
        return redirect("login")
    return render(request, "accounts/verify.html", {"email": user.email})


@require_http_methods(["GET", "POST"])
def resend_confirmation(request: HttpRequest) -> HttpResponse:
    form = ResendConfirmationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.resend_confirmation(email=form.cleaned_data["email"], site_url=_site_url(request))
        request.session["signup_email"] = services.normalize_email(form.cleaned_data["email"])
        return redirect("signup_done")
    return render(request, "accounts/resend.html", {"form": form})
