"""What Django's user model does not record: whether a self-service sign-up confirmed its
e-mail address."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class EmailConfirmation(models.Model):
    """Exists for every account made through sign-up.

    The user stays inactive until ``confirmed_at`` is set. Accounts that staff create have no
    row, and an inactive user whose address *was* confirmed was switched off by staff, so the
    login page and the resend form can tell "confirm your address first" from "disabled".
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_confirmation"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        state = "confirmed" if self.confirmed_at else "waiting for confirmation"
        return f"{self.user.get_username()} ({state})"

    @property
    def is_pending(self) -> bool:
        return self.confirmed_at is None
