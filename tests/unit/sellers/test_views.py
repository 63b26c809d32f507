"""Seller pages: another user's seller is a 404 everywhere; forms never echo a token."""

from __future__ import annotations

import pytest
from django.urls import reverse

from mwsclient import errors as mws_errors
from sellers.models import Seller
from tests.factories import SellerFactory, SellerMarketplaceFactory, make_token
from tests.unit.sellers.fakes import CA, US, page

pytestmark = pytest.mark.django_db

SELLER_URLS = [
    ("get", "sellers:dashboard"),
    ("get", "sellers:settings"),
    ("post", "sellers:settings"),
    ("post", "sellers:verify"),
    ("post", "sellers:replace_token"),
    ("post", "sellers:remove"),
]


@pytest.fixture
def seller(owner):
    seller = SellerFactory(owner=owner, name="Owner's store")
    SellerMarketplaceFactory(seller=seller)
    return seller


@pytest.mark.parametrize(("method", "name"), SELLER_URLS)
def test_another_users_seller_is_a_404_on_every_url(stranger_client, seller, method, name):
    before = Seller.objects.filter(pk=seller.pk).values().get()
    data = {"name": "Taken over", "auth_token": make_token()} if method == "post" else None
    response = getattr(stranger_client, method)(reverse(name, args=[seller.pk]), data)
    assert response.status_code == 404
    assert Seller.objects.filter(pk=seller.pk).values().get() == before


@pytest.mark.parametrize(("method", "name"), SELLER_URLS)
def test_seller_urls_need_a_login(client, seller, method, name):
    response = getattr(client, method)(reverse(name, args=[seller.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_an_unknown_seller_is_a_404(owner_client):
    assert owner_client.get(reverse("sellers:dashboard", args=[999999])).status_code == 404


def test_the_list_shows_only_the_users_sellers(owner_client, seller):
    SellerFactory(name="Someone else's store")
    response = owner_client.get(reverse("sellers:list"))
    assert b"Owner&#x27;s store" in response.content
    assert b"Someone else" not in response.content


def test_the_landing_page_lists_sellers_and_offers_to_connect_one(owner_client, seller):
    SellerFactory(name="Someone else's store")
    response = owner_client.get("/")
    content = response.content.decode()
    assert "Owner&#x27;s store" in content
    assert seller.seller_id in content
    assert "Someone else" not in content
    assert reverse("sellers:connect") in content
    assert "Connect a seller account" in content


def test_the_landing_page_without_sellers_explains_what_connecting_takes(owner_client):
    content = owner_client.get("/").content.decode()
    assert "You have not connected a seller account yet" in content
    assert "Connect a seller account" in content


def test_the_dashboard_shows_status_and_marketplaces(owner_client, seller):
    content = owner_client.get(reverse("sellers:dashboard", args=[seller.pk])).content.decode()
    assert seller.seller_id in content
    assert "ATVPDKIKX0DER" in content
    assert "Amazon.com" in content
    assert "Active" in content


def test_a_seller_needing_reauthorization_says_why_and_what_to_do(owner_client, seller):
    seller.status = Seller.Status.NEEDS_REAUTH
    seller.status_reason = "Amazon MWS refused the stored token (AccessDenied)."
    seller.save()
    content = owner_client.get(reverse("sellers:dashboard", args=[seller.pk])).content.decode()
    assert "Needs re-authorization" in content
    assert "refused the stored token (AccessDenied)" in content
    assert "Paste a new token" in content


def test_the_region_page_offers_every_region(owner_client):
    content = owner_client.get(reverse("sellers:connect")).content.decode()
    for code in ("NA", "EU", "FE", "CN"):
        assert reverse("sellers:connect_region", args=[code]) in content


def test_the_connect_page_says_exactly_what_to_enter_in_seller_central(owner_client, settings):
    settings.MWS_ENDPOINT = "http://127.0.0.1:8765"
    settings.SELLER_CENTRAL_URL = ""
    settings.MWS_REGION_ACCOUNTS = {}
    content = owner_client.get(reverse("sellers:connect_region", args=["EU"])).content.decode()
    assert settings.MWS_DEVELOPER_NAME in content
    assert settings.MWS_DEVELOPER_ID in content
    assert "User Permissions" in content
    assert "http://127.0.0.1:8765/gp/mws/registration/register.html" in content


def test_without_an_endpoint_override_sellers_go_to_the_real_seller_central(owner_client, settings):
    settings.MWS_ENDPOINT = ""
    settings.SELLER_CENTRAL_URL = ""
    content = owner_client.get(reverse("sellers:connect_region", args=["EU"])).content.decode()
    assert "https://sellercentral-europe.amazon.com/gp/mws/registration/register.html" in content


def test_an_unknown_region_is_a_404(owner_client):
    assert owner_client.get(reverse("sellers:connect_region", args=["XX"])).status_code == 404


def test_connecting_redirects_to_the_new_dashboard(owner_client, owner, fake_mws):
    fake_mws.pages = [page(US, CA)]
    response = owner_client.post(
        reverse("sellers:connect_region", args=["NA"]),
        {"seller_id": "A1SELLER00000001", "auth_token": make_token(), "name": "US store"},
    )
    seller = Seller.objects.get(owner=owner)
    assert response.status_code == 302
    assert response["Location"] == reverse("sellers:dashboard", args=[seller.pk])
    page_after = owner_client.get(response["Location"]).content.decode()
    assert "is connected. Amazon lists 2 marketplace(s)" in page_after


def test_a_refused_connection_shows_why_and_never_echoes_the_token(owner_client, owner, fake_mws):
    fake_mws.error = mws_errors.AccessDeniedError("Access denied", code="AccessDenied")
    token = make_token()
    response = owner_client.post(
        reverse("sellers:connect_region", args=["NA"]),
        {"seller_id": "A1SELLER00000001", "auth_token": token, "name": ""},
    )
    assert response.status_code == 400
    content = response.content.decode()
    assert "Amazon refused this Seller ID and token" in content
    assert "A1SELLER00000001" in content, "the Seller ID is kept for the next attempt"
    assert token not in content
    assert not Seller.objects.exists()


def test_rename(owner_client, seller):
    response = owner_client.post(reverse("sellers:settings", args=[seller.pk]), {"name": "EU"})
    assert response.status_code == 302
    seller.refresh_from_db()
    assert seller.name == "EU"


def test_verify_now_reports_the_result(owner_client, seller, fake_mws):
    fake_mws.pages = [page(US, seller_id=seller.seller_id)]
    response = owner_client.post(reverse("sellers:verify", args=[seller.pk]), follow=True)
    assert "Amazon accepted the authorization" in response.content.decode()

    fake_mws.error = mws_errors.AccessDeniedError("Access denied", code="AccessDenied")
    response = owner_client.post(reverse("sellers:verify", args=[seller.pk]), follow=True)
    assert "Amazon no longer accepts the stored token" in response.content.decode()
    seller.refresh_from_db()
    assert seller.status == Seller.Status.NEEDS_REAUTH


def test_a_refused_replacement_token_is_shown_on_the_settings_page(owner_client, seller, fake_mws):
    fake_mws.error = mws_errors.AccessDeniedError("Access denied", code="AccessDenied")
    token = make_token()
    response = owner_client.post(
        reverse("sellers:replace_token", args=[seller.pk]), {"auth_token": token}
    )
    assert response.status_code == 400
    assert "Amazon refused this Seller ID and token" in response.content.decode()
    assert token not in response.content.decode()


def test_a_suspended_seller_is_told_why_verify_and_replace_do_nothing(
    owner_client, seller, fake_mws
):
    seller.status, seller.status_reason = Seller.Status.SUSPENDED, "Unpaid invoice."
    seller.save()
    verified = owner_client.post(reverse("sellers:verify", args=[seller.pk]), follow=True)
    assert "This seller account is suspended (Unpaid invoice)" in verified.content.decode()
    replaced = owner_client.post(
        reverse("sellers:replace_token", args=[seller.pk]), {"auth_token": make_token()}
    )
    assert replaced.status_code == 400
    assert "This seller account is suspended (Unpaid invoice)" in replaced.content.decode()
    assert fake_mws.calls == []


def test_remove_erases_the_token_and_asks_to_revoke_in_seller_central(owner_client, seller):
    response = owner_client.post(reverse("sellers:remove", args=[seller.pk]), follow=True)
    content = response.content.decode()
    assert "Revoke the authorization in Seller Central too" in content
    seller.refresh_from_db()
    assert seller.auth_token is None
    assert seller.status == Seller.Status.REMOVED


def test_seller_actions_are_post_only(owner_client, seller):
    for name in ("sellers:verify", "sellers:replace_token", "sellers:remove"):
        assert owner_client.get(reverse(name, args=[seller.pk])).status_code == 405


def test_the_nav_links_to_the_sellers(owner_client):
    content = owner_client.get("/").content.decode()
    assert f'href="{reverse("sellers:list")}"' in content
