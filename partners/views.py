"""A seller's owner grants and revokes partners' access on the seller's settings page. Every
seller is looked up through ``Seller.objects.for_user``, so another user's seller (or a grant
of another seller) is a 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from partners import services
from partners.forms import GrantPartnerForm
from partners.models import Grant
from sellers.models import Seller
from sellers.views import settings_page


def _partners_section(seller: Seller) -> str:
    return f"{reverse('sellers:settings', kwargs={'pk': seller.pk})}#partners"


@login_required
@require_POST
def grant_partner(request: HttpRequest, pk: int) -> HttpResponse:
    seller = get_object_or_404(Seller.objects.for_user(request.user), pk=pk)
    form = GrantPartnerForm(request.POST)
    if not form.is_valid():
        return settings_page(request, seller, grant_form=form)
    partner = form.cleaned_data["partner"]
    services.grant_partner(seller, partner, scopes=form.cleaned_data["scopes"])
    messages.success(request, f"{partner.name} can now use this seller account through the API.")
    return redirect(_partners_section(seller))


@login_required
@require_POST
def revoke_grant(request: HttpRequest, pk: int, grant_pk: int) -> HttpResponse:
    seller = get_object_or_404(Seller.objects.for_user(request.user), pk=pk)
    grant = get_object_or_404(
        Grant.objects.filter(seller=seller).select_related("partner"), pk=grant_pk
    )
    services.revoke_grant(grant)
    messages.success(request, f"{grant.partner.name} no longer has access to this seller account.")
    return redirect(_partners_section(seller))
