"""Which MWS host a call of a seller goes to: the host of the marketplace it is for.

MWS has one host per group of marketplaces, not per region: Canada, Mexico, India, the Emirates
and Australia have their own (reference 1.2). A call naming marketplaces goes to their host; a
call naming none goes to the seller's home marketplace, the first of its marketplaces on its
region's own host (else its first marketplace, for a seller who sells only in, say, India).
RequestReport and SubmitFeed each create one request id MWS tracks on one host, so a call
naming marketplaces on different hosts cannot be split; it is refused before it is queued.
"""

from __future__ import annotations

from collections.abc import Sequence

from mwsclient.endpoints import MARKETPLACES, REGIONS, Marketplace, Region
from mwsportal.gateway import statements
from mwsportal.gateway.account import SellerAccount


class MixedHosts(ValueError):
    """The marketplaces of one call are served by different MWS hosts."""


def marketplaces_by_host(marketplace_ids: Sequence[str]) -> dict[str, list[str]]:
    """The known marketplace ids grouped by the host that serves them, in the given order."""
    hosts: dict[str, list[str]] = {}
    for marketplace_id in marketplace_ids:
        marketplace = MARKETPLACES.get(marketplace_id)
        if marketplace is not None:
            hosts.setdefault(marketplace.host, []).append(marketplace_id)
    return hosts


def check_one_host(marketplace_ids: Sequence[str]) -> None:
    """Raise ``MixedHosts`` with a message naming the hosts when the ids need more than one."""
    hosts = marketplaces_by_host(marketplace_ids)
    if len(hosts) > 1:
        parts = "; ".join(
            f"{', '.join(MARKETPLACES[m].country_code for m in ids)} on {host}"
            for host, ids in hosts.items()
        )
        raise MixedHosts(
            f"These marketplaces are served by different Amazon MWS hosts ({parts}); "
            "choose marketplaces of one host, and make a separate request for the others."
        )


def home_marketplace(seller: SellerAccount) -> Marketplace | None:
    """The marketplace a call naming none is for, from the marketplaces the seller sells in."""
    region = REGIONS[seller.region]
    known = [
        MARKETPLACES[marketplace_id]
        for marketplace_id in statements.marketplace_ids(seller.pk)
        if marketplace_id in MARKETPLACES
    ]
    for marketplace in known:
        if marketplace.host == region.host:
            return marketplace
    return known[0] if known else None


def destination(seller: SellerAccount, marketplace_ids: Sequence[str] = ()) -> Marketplace | Region:
    """Where a call of ``seller`` naming ``marketplace_ids`` goes: a marketplace (its host),
    or the seller's region when the portal does not know the seller's marketplaces yet."""
    check_one_host(marketplace_ids)
    for marketplace_id in marketplace_ids:
        if marketplace_id in MARKETPLACES:
            return MARKETPLACES[marketplace_id]
    return home_marketplace(seller) or REGIONS[seller.region]
