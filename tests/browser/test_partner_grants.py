"""A seller grants a partner access from the settings page, the partner's key then reaches the
seller over the API with the granted scopes, and revoking it on the same page shuts it out."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from partners import services
from partners.models import Grant, Partner
from tests.factories import SellerFactory, SellerMarketplaceFactory


def partner_api(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    return client


@pytest.mark.django_db(transaction=True)
def test_grant_then_revoke_a_partner_on_the_settings_page(live_server, page, owner):
    seller = SellerFactory(owner=owner, name="Main store")
    SellerMarketplaceFactory(seller=seller)
    partner = Partner.objects.create(name="Acme Integrations")
    Partner.objects.create(name="Retired Integrations", is_active=False)
    _, key = services.create_api_key(partner, name="production")
    api = partner_api(key)
    assert api.get(f"/api/v1/sellers/{seller.pk}/").status_code == 404

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", owner.username)
    page.fill("#id_password", owner.raw_password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/sellers/{seller.pk}/settings/")
    partners = page.locator("#partners")
    assert "No partner has access." in partners.inner_text()
    # Only active partners can be chosen.
    choices = partners.locator("#id_partner option").all_inner_texts()
    assert "Acme Integrations" in choices
    assert "Retired Integrations" not in choices

    # Without a scope the form says what is missing and grants nothing.
    partners.locator("#id_partner").select_option(label="Acme Integrations")
    partners.locator("button:has-text('Grant access')").click()
    assert partners.locator(".field-error").count() == 1
    assert not Grant.objects.exists()

    partners = page.locator("#partners")
    partners.locator("#id_partner").select_option(label="Acme Integrations")
    partners.locator("input[name=scopes][value=read_reports]").check()
    partners.locator("input[name=scopes][value=submit_feeds]").check()
    partners.locator("button:has-text('Grant access')").click()
    page.wait_for_url(f"**/sellers/{seller.pk}/settings/#partners")
    row = page.locator("#partners tbody tr")
    assert row.count() == 1
    assert "Acme Integrations" in row.inner_text()
    assert "Read reports" in row.inner_text()
    assert "Submit and read feeds" in row.inner_text()

    detail = api.get(f"/api/v1/sellers/{seller.pk}/")
    assert detail.status_code == 200
    assert detail.json()["scopes"] == ["read_reports", "submit_feeds"]
    refused = api.post(
        f"/api/v1/sellers/{seller.pk}/report-requests/",
        {"report_type": "_GET_FLAT_FILE_OPEN_LISTINGS_DATA_"},
        format="json",
    )
    assert refused.status_code == 403
    assert refused.json()["error"]["scope"] == "request_reports"

    # The revoke button asks first; dismissing the question keeps the grant.
    page.once("dialog", lambda dialog: dialog.dismiss())
    row.locator("button:has-text('Revoke')").click()
    page.wait_for_timeout(300)  # time enough for a form that went anyway to be handled
    assert Grant.objects.filter(seller=seller, partner=partner).exists()

    page.once("dialog", lambda dialog: dialog.accept())
    row.locator("button:has-text('Revoke')").click()
    page.wait_for_selector("text=No partner has access.")
    assert "no longer has access" in page.locator("body").inner_text()
    assert not Grant.objects.exists()
    assert api.get(f"/api/v1/sellers/{seller.pk}/").status_code == 404
    assert api.get("/api/v1/sellers/").json()["results"] == []
