"""Each call goes to the MWS host of the marketplace it is for, through the real gateway."""

from __future__ import annotations

import io

import pytest

from feeds import services as feed_services
from mwsclient.errors import InvalidParameterError
from mwsportal.gateway.models import MWSCall, RequestLogEntry
from reports import services
from reports.models import ReportRequest
from tests import sandbox_support
from tests.factories import FEED_BODY, SellerFactory, SellerMarketplaceFactory
from tests.integration.reports.support import DEVELOPER, stored_report

pytestmark = pytest.mark.django_db(transaction=True)

GB, IN = "A1F83G8C2ARO7P", "A21TJRUUN4KGV"
JP, AU = "A1VC38T7YXB528", "A39IBJ37TRP1C6"
EU_SELLER, EU_TOKEN = "A1ROUTINGEU0001", "amzn.mws.33333333-cccc-3333-4444-555555555555"
FE_SELLER, FE_TOKEN = "A1ROUTINGFE0001", "amzn.mws.44444444-dddd-3333-4444-555555555555"
OPEN_LISTINGS = "_GET_FLAT_FILE_OPEN_LISTINGS_DATA_"


def _seller(seller_id: str, region: str, marketplaces: list[str], token: str) -> dict:
    return {
        "seller_id": seller_id,
        "name": f"{region} Store",
        "region": region,
        "marketplaces": marketplaces,
        "authorizations": [{"access_key_id": DEVELOPER["access_key_id"], "mws_auth_token": token}],
    }


@pytest.fixture
def sandbox_options():
    return {
        "sellers": [
            _seller(EU_SELLER, "EU", [GB, IN], EU_TOKEN),
            _seller(FE_SELLER, "FE", [JP, AU], FE_TOKEN),
        ]
    }


@pytest.fixture
def eu_seller(owner, sandbox):
    seller = SellerFactory(owner=owner, seller_id=EU_SELLER, auth_token=EU_TOKEN, region="EU")
    SellerMarketplaceFactory(seller=seller, marketplace_id=GB, name="Amazon.co.uk")
    SellerMarketplaceFactory(seller=seller, marketplace_id=IN, name="Amazon.in")
    return seller


@pytest.fixture
def fe_seller(owner, sandbox):
    seller = SellerFactory(owner=owner, seller_id=FE_SELLER, auth_token=FE_TOKEN, region="FE")
    SellerMarketplaceFactory(seller=seller, marketplace_id=JP, name="Amazon.co.jp")
    SellerMarketplaceFactory(seller=seller, marketplace_id=AU, name="Amazon.com.au")
    return seller


def _hosts(operation: str) -> set[str]:
    return set(RequestLogEntry.objects.filter(operation=operation).values_list("host", flat=True))


def test_an_indian_report_goes_to_the_indian_host_and_others_to_the_home_one(eu_seller):
    report = stored_report(services.request_report(eu_seller, OPEN_LISTINGS, marketplace_ids=[IN]))

    assert report.size > 0
    assert _hosts("RequestReport") == {"mws.amazonservices.in"}
    # Polling names no marketplace: it goes to the seller's home marketplace's host (GB).
    assert _hosts("GetReportRequestList") == {"mws-eu.amazonservices.com"}


def test_an_australian_report_of_a_far_east_seller_is_sent_to_the_australian_host(fe_seller):
    report_request = services.request_report(fe_seller, OPEN_LISTINGS, marketplace_ids=[AU])
    assert report_request.marketplace_ids == [AU]
    report = stored_report(report_request)

    assert report.size > 0
    assert _hosts("RequestReport") == {"mws.amazonservices.com.au"}
    call = MWSCall.objects.get(operation="RequestReport")
    assert call.params["MarketplaceIdList"] == [AU]
    # Japan's marketplace takes no MarketplaceIdList: the sandbox built the AU catalogue.
    assert report.charset.lower() == "utf-8"


def test_marketplaces_on_different_hosts_are_refused_before_anything_is_queued(eu_seller):
    with pytest.raises(InvalidParameterError, match=r"GB on mws-eu\.amazonservices\.com.*IN on"):
        services.request_report(eu_seller, OPEN_LISTINGS, marketplace_ids=[GB, IN])
    assert not ReportRequest.objects.exists()
    assert not MWSCall.objects.exists()


def test_a_feed_for_india_is_submitted_to_the_indian_host(eu_seller):
    feed = feed_services.upload_feed(
        eu_seller,
        source=io.BytesIO(FEED_BODY),
        filename="inventory.xml",
        feed_type="_POST_INVENTORY_AVAILABILITY_DATA_",
        marketplace_ids=[IN],
    )
    sandbox_support.pump_until(
        lambda: MWSCall.objects.filter(
            operation="SubmitFeed", state=MWSCall.State.SUCCEEDED
        ).exists()
    )

    feed.refresh_from_db()
    assert feed.feed_submission_id
    assert _hosts("SubmitFeed") == {"mws.amazonservices.in"}
