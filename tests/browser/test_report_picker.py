"""A seller finds a report by typing what it is about, sees what it contains, and finds the
one they asked for last at the top."""

from __future__ import annotations

import pytest

from tests.factories import ReportRequestFactory, SellerFactory, SellerMarketplaceFactory

RETURNS = "_GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE_"
LISTINGS = "_GET_FLAT_FILE_OPEN_LISTINGS_DATA_"


def visible_options(page: object) -> list[str]:
    return page.eval_on_selector(
        "#id_report_type",
        "select => [...select.options].filter(option => !option.hidden).map(o => o.text)",
    )


@pytest.mark.django_db(transaction=True)
def test_search_narrows_the_picker_and_describes_the_choice(live_server, page, owner):
    seller = SellerFactory(owner=owner, name="Shop")
    SellerMarketplaceFactory(seller=seller)
    ReportRequestFactory(seller=seller, report_type=LISTINGS)

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", owner.username)
    page.fill("#id_password", owner.raw_password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/reports/sellers/{seller.pk}/request/")

    # The last one asked for comes first and is chosen; the line below says what it holds.
    first_group = page.locator("#id_report_type optgroup").first
    assert first_group.get_attribute("label") == "Recently used"
    assert page.input_value("#id_report_type") == LISTINGS
    assert "listing" in page.locator("#report-type-about").inner_text().lower()

    everything = len(visible_options(page))
    page.get_by_label("Find a report").fill("customer returns")
    shown = visible_options(page)
    assert shown == ["FBA customer returns"]
    assert page.locator(".picker-count").inner_text() == "1 report matches."
    # The choice follows the search, so what is submitted is what the seller sees.
    assert page.input_value("#id_report_type") == "_GET_FBA_FULFILLMENT_CUSTOMER_RETURNS_DATA_"
    assert "returned" in page.locator("#report-type-about").inner_text()
    assert page.locator("#id_report_type optgroup[label='Recently used']").is_hidden()

    page.get_by_label("Find a report").fill("return")
    assert len(visible_options(page)) > 3
    page.select_option("#id_report_type", RETURNS)
    assert "authorization" in page.locator("#report-type-about").inner_text()

    page.get_by_label("Find a report").fill("no such report anywhere")
    assert visible_options(page) == []
    assert page.locator(".picker-count").inner_text() == "No report matches."

    page.get_by_label("Find a report").fill("")
    assert len(visible_options(page)) == everything
