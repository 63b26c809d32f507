"""``{% seller_partners seller %}``: the seller settings page's section on the partners it
granted access, with the form to grant one (the sellers app's page, the partners app's part)."""

from __future__ import annotations

from typing import Any

from django import template

from partners.forms import GrantPartnerForm
from partners.models import Grant
from sellers.models import Seller

register = template.Library()


@register.inclusion_tag("partners/seller_grants.html", takes_context=True)
def seller_partners(context: template.Context, seller: Seller) -> dict[str, Any]:
    return {
        "seller": seller,
        "grants": Grant.objects.filter(seller=seller).select_related("partner"),
        # A refused grant comes back with its errors (``partners.views.grant_partner``).
        "grant_form": context.get("grant_form") or GrantPartnerForm(),
        "csrf_token": context.get("csrf_token"),
    }
