"""Seller pages: the list, the onboarding wizard, a dashboard and settings per seller account,
the dashboard's MWS panel (refreshed by htmx) and the seller's whole request history.

Every seller is looked up through ``Seller.objects.for_user``, so another user's seller is a
404 on every URL here. Tokens only ever arrive in POST bodies and are never rendered back.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mwsportal.gateway.mws import REGIONS
from mwsportal.keyset import SortError, pager_links, sort_headers
from sellers import services
from sellers.forms import (
    ConnectSellerForm,
    RenameSellerForm,
    ReplaceTokenForm,
    RequestHistoryFilterForm,
)
from sellers.models import Seller
from sellers.seller_central import authorization_guide
from sellers.templatetags.seller_activity import activity_context


def _seller(request: HttpRequest, pk: int) -> Seller:
    return get_object_or_404(Seller.objects.for_user(request.user), pk=pk)


@login_required
@require_GET
def seller_list(request: HttpRequest) -> HttpResponse:
    sellers = (
        Seller.objects.for_user(request.user)
        .defer("auth_token")
        .annotate(marketplace_count=Count("marketplaces"))
    )
    return render(request, "sellers/list.html", {"sellers": sellers})


@login_required
@require_GET
def connect_choose_region(request: HttpRequest) -> HttpResponse:
    return render(request, "sellers/connect_region.html", {"regions": REGIONS.values()})


@sensitive_post_parameters("auth_token")
@login_required
@require_http_methods(["GET", "POST"])
def connect(request: HttpRequest, region: str) -> HttpResponse:
    if region not in REGIONS:
        raise Http404("No such MWS region")
    form = ConnectSellerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            seller = services.onboard_seller(owner=request.user, region=region, **form.cleaned_data)
        except services.AuthorizationCheckFailed as failure:
            form.add_check_failure(failure)
        else:
            count = seller.marketplaces.count()
            messages.success(
                request,
                f"“{seller.name}” is connected. Amazon lists {count} marketplace(s) for it.",
            )
            return redirect("sellers:dashboard", pk=seller.pk)
    return render(
        request,
        "sellers/connect.html",
        {"form": form, "guide": authorization_guide(region)},
        status=400 if form.errors else 200,
    )


@login_required
@require_GET
def dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    seller = _seller(request, pk)
    return render(
        request,
        "sellers/dashboard.html",
        {"seller": seller, "marketplaces": seller.marketplaces.all()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def seller_settings(request: HttpRequest, pk: int) -> HttpResponse:
    """GET shows every setting; POST renames (the other actions post to their own URLs)."""
    seller = _seller(request, pk)
    rename_form = RenameSellerForm(request.POST or None, initial={"name": seller.name})
    if request.method == "POST" and rename_form.is_valid():
        services.rename_seller(seller, name=rename_form.cleaned_data["name"])
        messages.success(request, "The name is saved.")
        return redirect("sellers:settings", pk=seller.pk)
    return settings_page(request, seller, rename_form=rename_form)


def settings_page(
    request: HttpRequest,
    seller: Seller,
    *,
    rename_form: RenameSellerForm | None = None,
    token_form: ReplaceTokenForm | None = None,
    grant_form: forms.Form | None = None,
) -> HttpResponse:
    """The settings page, a refused form shown with its errors (a 400). ``grant_form`` is
    the partners section's (``partners.views``), which that section renders itself."""
    forms_with_errors = [
        f for f in (rename_form, token_form, grant_form) if f is not None and f.errors
    ]
    return render(
        request,
        "sellers/settings.html",
        {
            "seller": seller,
            "rename_form": rename_form or RenameSellerForm(initial={"name": seller.name}),
            "token_form": token_form or ReplaceTokenForm(),
            "grant_form": grant_form,
            "guide": authorization_guide(seller.region),
        },
        status=400 if forms_with_errors else 200,
    )


@login_required
@require_POST
def verify(request: HttpRequest, pk: int) -> HttpResponse:
    seller = _seller(request, pk)
    try:
        services.verify_seller(seller)
    except services.AuthorizationCheckFailed as failure:
        messages.error(request, failure.message)
    else:
        messages.success(
            request,
            f"Amazon accepted the authorization. {seller.marketplaces.count()} marketplace(s) "
            "are up to date.",
        )
    return redirect("sellers:settings", pk=seller.pk)


@sensitive_post_parameters("auth_token")
@login_required
@require_POST
def replace_token(request: HttpRequest, pk: int) -> HttpResponse:
    seller = _seller(request, pk)
    form = ReplaceTokenForm(request.POST)
    if form.is_valid():
        try:
            services.replace_token(seller, auth_token=form.cleaned_data["auth_token"])
        except services.AuthorizationCheckFailed as failure:
            form.add_check_failure(failure)
        else:
            messages.success(request, "Amazon accepted the new token; it replaces the old one.")
            return redirect("sellers:dashboard", pk=seller.pk)
    return settings_page(request, seller, token_form=form)


@login_required
@require_POST
def remove(request: HttpRequest, pk: int) -> HttpResponse:
    seller = _seller(request, pk)
    services.remove_authorization(seller)
    messages.warning(
        request,
        f"The token of “{seller.name}” is erased and the portal no longer calls Amazon for it. "
        "Revoke the authorization in Seller Central too: until you do, Amazon still honours "
        "the token.",
    )
    return redirect("sellers:dashboard", pk=seller.pk)


@never_cache
@login_required
@require_GET
def activity(request: HttpRequest, pk: int) -> HttpResponse:
    """The dashboard's MWS panel on its own, for its htmx refresh."""
    return render(request, "sellers/activity.html", activity_context(_seller(request, pk)))


@login_required
@require_GET
def request_history(request: HttpRequest, pk: int) -> HttpResponse:
    """Every MWS request of the seller still in the log, searchable and filtered, a page at a
    time."""
    seller = get_object_or_404(Seller.objects.for_user(request.user).defer("auth_token"), pk=pk)
    filters = RequestHistoryFilterForm(request.GET)
    query = filters.query()
    try:
        page = services.list_request_history(seller, **query)
    except SortError as error:
        filters.refuse_cursor(error)
        page = services.list_request_history(seller, **{**query, "before": None, "after": None})
    return render(
        request,
        "sellers/request_history.html",
        {
            "seller": seller,
            "filters": filters,
            "page": page,
            "sort_headers": sort_headers(request, page.sort, services.HISTORY_SORTS),
            "retention_days": settings.MWS_REQUEST_LOG_RETENTION_DAYS,
            **pager_links(request, page),
        },
    )


@login_required
@require_GET
def moved_request_history(request: HttpRequest, pk: int) -> HttpResponse:
    """The request history's former address (under /gateway/), kept for bookmarks: the same
    page, filters and all, at its address among the seller's pages."""
    seller = _seller(request, pk)
    target = reverse("sellers:request_history", args=[seller.pk])
    query = request.GET.urlencode()
    return redirect(f"{target}?{query}" if query else target, permanent=True)
