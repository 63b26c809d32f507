"""The seller's settings page grants partners access and revokes it; only the owner can."""

from __future__ import annotations

import pytest

from sellers import services
from sellers.models import Grant, Partner, Seller
from tests.factories import SellerFactory


@pytest.fixture
def seller(owner):
    return SellerFactory(owner=owner)


@pytest.fixture
def partner(db):
    return Partner.objects.create(name="Acme Integrations")


def test_owner_grants_and_revokes_a_partner(owner_client, seller, partner):
    page = owner_client.get(f"/sellers/{seller.pk}/settings/")
    assert "Acme Integrations" in page.content.decode()
    response = owner_client.post(
        f"/sellers/{seller.pk}/partners/",
        {"partner": partner.pk, "scopes": ["read_reports", "submit_feeds"]},
    )
    assert response.status_code == 302
    grant = Grant.objects.get(seller=seller, partner=partner)
    assert grant.scopes == ["read_reports", "submit_feeds"]
    assert list(Seller.objects.for_partner(partner)) == [seller]
    owner_client.post(f"/sellers/{seller.pk}/partners/{grant.pk}/revoke/")
    assert not Grant.objects.exists()
    assert list(Seller.objects.for_partner(partner)) == []


def test_a_grant_without_scopes_is_refused_on_the_page(owner_client, seller, partner):
    response = owner_client.post(f"/sellers/{seller.pk}/partners/", {"partner": partner.pk})
    assert response.status_code == 400
    assert not Grant.objects.exists()


def test_stranger_cannot_grant_or_revoke(stranger_client, seller, partner):
    grant = services.grant_partner(seller, partner, scopes=["read_reports"])
    response = stranger_client.post(
        f"/sellers/{seller.pk}/partners/", {"partner": partner.pk, "scopes": ["submit_feeds"]}
    )
    assert response.status_code == 404
    assert (
        stranger_client.post(f"/sellers/{seller.pk}/partners/{grant.pk}/revoke/").status_code == 404
    )
    assert Grant.objects.get().scopes == ["read_reports"]


def test_an_unknown_scope_is_refused_by_the_service(seller, partner):
    with pytest.raises(ValueError, match="nope"):
        services.grant_partner(seller, partner, scopes=["nope"])


def test_admin_shows_a_new_key_once_and_stores_only_its_hash(staff, client, partner):
    staff.is_superuser = True
    staff.save()
    client.force_login(staff)
    response = client.post(
        "/admin/sellers/apikey/add/",
        {"partner": partner.pk, "name": "ci", "expires_at_0": "", "expires_at_1": ""},
        follow=True,
    )
    assert response.status_code == 200
    shown = [str(m) for m in response.context["messages"]]
    key = next(word for m in shown for word in m.split() if word.startswith("mwsp_"))
    api_key = partner.api_keys.get()
    assert key.startswith(f"mwsp_{api_key.prefix}_")
    assert services.authenticate_api_key(key) == api_key
    listing = client.get("/admin/sellers/apikey/").content.decode()
    assert key not in listing
