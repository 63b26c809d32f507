"""What the gateway needs of a seller account, without importing the app that keeps them.

The gateway stands below the apps: it sends calls for a seller account and records them, but
the account itself (its owner, its pages, what follows when MWS refuses its token) is the
sellers app's business. The app's model meets ``SellerAccount`` as it is; the statuses below
are the ones the gateway acts on, and the app's status choices take their values from here.
"""

from __future__ import annotations

from typing import Protocol

# The account may call MWS: its queues are worked.
ACTIVE = "active"
# The authorization is gone for good: its pending calls are cancelled and no new ones queued.
# Any other status (re-authorization, suspension) holds the account's calls until it is active.
REMOVED = "removed"


class SellerAccount(Protocol):
    """A seller account as the gateway sees it. ``pk`` is what its rows point at (the
    ``sellers.Seller`` foreign keys); ``auth_token`` is the decrypted MWS Auth Token, None once
    the authorization is erased (such an account is never active, so never sent for)."""

    @property
    def pk(self) -> int: ...

    @property
    def seller_id(self) -> str: ...

    @property
    def region(self) -> str: ...

    @property
    def auth_token(self) -> str | None: ...

    @property
    def status(self) -> str: ...
