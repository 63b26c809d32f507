"""What the owner of a seller account hears about its authorization (``notifications.notify``
writes and mails the notice; what it says is the sellers app's business)."""

from __future__ import annotations

from django.urls import reverse

from notifications.models import Kind, Notice
from notifications.services import notify
from sellers.models import Seller


def notify_needs_reauthorization(seller: Seller, *, reason: str) -> Notice:
    return notify(
        seller,
        Kind.SELLER_NEEDS_REAUTH,
        title=f"{seller.name} must be authorized again",
        message=(
            "Amazon refused the seller's authorization, so the portal stopped calling for it. "
            "Authorize the developer again in Seller Central and paste the new MWS "
            f"Authorization Token on the seller's page. Amazon said: {reason}"
        ),
        link=reverse("sellers:dashboard", kwargs={"pk": seller.pk}),
    )
