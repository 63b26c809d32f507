"""What the gateway tells the rest of the portal about a seller, without knowing who listens.

The gateway learns from MWS's answers whether a seller's authorization still works; what that
means for the seller (its status, a notification, a webhook) is the sellers app's business,
which subscribes to these signals (``sellers.apps``). Both are sent inside the transaction
that records the call's answer, so a receiver's writes commit with it.
"""

from __future__ import annotations

from django.dispatch import Signal

# MWS answered a call with the seller's Seller ID and token. Arguments: ``seller`` (the Seller
# row the call was made for) and ``at`` (the answer's time, an aware datetime).
token_accepted = Signal()

# MWS answered AccessDenied: the seller revoked the authorization or let it lapse. Arguments:
# ``seller`` and ``reason`` (a sentence for the seller, naming the operation and the time).
authorization_refused = Signal()
