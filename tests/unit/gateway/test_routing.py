"""The host a seller's call goes to follows the marketplace it is for."""

from __future__ import annotations

import pytest

from mwsclient.endpoints import MARKETPLACES, REGIONS
from mwsportal.gateway.routing import MixedHosts, check_one_host, destination, home_marketplace
from tests.factories import SellerFactory, SellerMarketplaceFactory

pytestmark = pytest.mark.django_db

US, CA, MX = "ATVPDKIKX0DER", "A2EUQ1WTGCTBG2", "A1AM78C64UM0Y8"
GB, DE, IN = "A1F83G8C2ARO7P", "A1PA6795UKMFR9", "A21TJRUUN4KGV"
JP, AU = "A1VC38T7YXB528", "A39IBJ37TRP1C6"


def _seller(region: str, *marketplace_ids: str):
    seller = SellerFactory(region=region)
    for marketplace_id in marketplace_ids:
        SellerMarketplaceFactory(seller=seller, marketplace_id=marketplace_id)
    return seller


@pytest.mark.parametrize(
    ("region", "sells_in", "named", "host"),
    [
        ("NA", (US, CA), [CA], "mws.amazonservices.ca"),
        ("NA", (US, MX), [MX], "mws.amazonservices.com.mx"),
        ("EU", (GB, IN), [IN], "mws.amazonservices.in"),
        ("EU", (GB, DE), [DE, GB], "mws-eu.amazonservices.com"),
        ("FE", (JP, AU), [AU], "mws.amazonservices.com.au"),
        # Naming none: the seller's home marketplace, the one on its region's own host.
        ("NA", (CA, US), [], "mws.amazonservices.com"),
        ("FE", (AU, JP), [], "mws.amazonservices.jp"),
        # A seller selling only in India has no marketplace on the EU host.
        ("EU", (IN,), [], "mws.amazonservices.in"),
    ],
)
def test_the_destination_is_the_host_of_the_named_or_home_marketplace(
    region, sells_in, named, host
):
    assert destination(_seller(region, *sells_in), named).host == host


def test_a_seller_whose_marketplaces_are_unknown_goes_to_its_regions_host():
    seller = _seller("EU")
    assert home_marketplace(seller) is None
    assert destination(seller) == REGIONS["EU"]


def test_marketplaces_of_several_hosts_are_refused_naming_each_host():
    check_one_host([GB, DE])
    with pytest.raises(MixedHosts) as refused:
        check_one_host([US, CA, GB])
    message = str(refused.value)
    assert "US on mws.amazonservices.com" in message
    assert "CA on mws.amazonservices.ca" in message
    assert "GB on mws-eu.amazonservices.com" in message
    with pytest.raises(MixedHosts):
        destination(_seller("EU", GB, IN), [GB, IN])


def test_every_marketplace_has_its_own_documented_host():
    hosts = {m.country_code: m.host for m in MARKETPLACES.values()}
    assert hosts["IN"] == "mws.amazonservices.in"
    assert hosts["AE"] == "mws.amazonservices.ae"
    assert hosts["SG"] == "mws-fe.amazonservices.com"
    assert hosts["CN"] == "mws.amazonservices.com.cn"
