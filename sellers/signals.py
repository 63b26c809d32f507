"""What the sellers app tells the other apps about a seller account. The apps that act on it
(the partners app's webhooks) subscribe; the sellers app imports none of them."""

from django.dispatch import Signal

# MWS refused the seller's authorization and the portal stopped calling for it. Sent with
# ``seller`` and ``reason`` inside the transaction that changed the seller's status.
needs_reauthorization = Signal()
