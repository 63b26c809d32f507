"""The one way a signed-in user reaches rows: ``for_user`` querysets.

A model's queryset names the path from its rows to the owning user (``owner`` on a seller,
``seller__owner`` on a seller's report or feed, ``user`` on a notice); every view goes through
``Model.objects.for_user(request.user)``, so another user's row is never found (a 404).
"""

from __future__ import annotations

from typing import ClassVar, Self

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db import models


class OwnedQuerySet(models.QuerySet):
    # The lookup from a row to its owner, the user foreign key.
    owner_path: ClassVar[str]

    def for_user(self, user: AbstractBaseUser | AnonymousUser) -> Self:
        """The rows ``user`` owns; none for an anonymous visitor."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(**{self.owner_path: user})


class SellerScopedQuerySet(OwnedQuerySet):
    """Rows that belong to one seller account: its owner reaches them."""

    owner_path = "seller__owner"
