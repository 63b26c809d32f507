"""The report picker speaks the seller's language: human names under their category, the
types the seller asked for lately first, and what each contains."""

from __future__ import annotations

import pytest
from lxml import html

from mwsclient.operations import REPORT_CATEGORIES
from reports.forms import RECENTLY_USED, RequestReportForm
from reports.services import list_recent_report_types
from tests.factories import ReportRequestFactory, SellerFactory, SellerMarketplaceFactory

LISTINGS = "_GET_FLAT_FILE_OPEN_LISTINGS_DATA_"
ORDERS = "_GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_"
RETURNS = "_GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE_"
SETTLEMENT = "_GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2_"


@pytest.mark.django_db
def test_recent_types_are_the_sellers_own_newest_first_each_once(owner):
    seller = SellerFactory(owner=owner)
    for report_type in (LISTINGS, ORDERS, LISTINGS, RETURNS):
        ReportRequestFactory(seller=seller, report_type=report_type)
    # Neither a schedule's runs, a type Amazon does not take requests for, nor another
    # seller's requests count as the seller's choices.
    ReportRequestFactory(seller=seller, report_type=ORDERS, scheduled=True)
    ReportRequestFactory(seller=seller, report_type=SETTLEMENT)
    ReportRequestFactory(seller=SellerFactory(), report_type=ORDERS)

    assert list_recent_report_types(seller) == [RETURNS, LISTINGS, ORDERS]
    assert list_recent_report_types(seller, limit=1) == [RETURNS]
    assert list_recent_report_types(SellerFactory(owner=owner)) == []


@pytest.mark.django_db
def test_picker_offers_recent_types_first_and_describes_each(owner_client, owner):
    seller = SellerFactory(owner=owner)
    SellerMarketplaceFactory(seller=seller)
    ReportRequestFactory(seller=seller, report_type=RETURNS)

    response = owner_client.get(f"/reports/sellers/{seller.pk}/request/")
    picker = html.fromstring(response.content).get_element_by_id("id_report_type")
    groups = picker.findall("optgroup")
    assert groups[0].get("label") == RECENTLY_USED
    recent = groups[0].find("option")
    assert (recent.get("value"), recent.text) == (RETURNS, "Returns by return date")
    assert recent.get("selected") is not None, "the last one used is preselected"
    assert "Return requests with their authorization" in recent.get("data-description")
    assert "Returns" in recent.get("data-search")
    # The rest of the catalog follows under its categories, by human name.
    categories = [group.get("label") for group in groups[1:]]
    assert categories == [category for category in REPORT_CATEGORIES if category in categories]
    assert "Returns" in categories
    names = [option.text for option in picker.iter("option")]
    assert not any(name.startswith("_GET_") for name in names)


@pytest.mark.django_db
def test_a_recent_type_is_requested_like_any_other(owner):
    seller = SellerFactory(owner=owner)
    SellerMarketplaceFactory(seller=seller)
    ReportRequestFactory(seller=seller, report_type=RETURNS)
    form = RequestReportForm({"report_type": RETURNS}, seller=seller)
    assert form.is_valid(), form.errors
    refused = RequestReportForm({"report_type": SETTLEMENT}, seller=seller)
    assert not refused.is_valid()
    assert "report_type" in refused.errors
