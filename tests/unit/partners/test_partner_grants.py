"""The seller's settings page grants partners access and revokes it; only the owner can.
Staff create partners, grant, revoke keys and read the webhook log in the admin."""

from __future__ import annotations

import pytest

from partners import services as partner_services
from partners import webhooks
from partners.models import Grant, Partner, WebhookDelivery
from sellers import services
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
    assert list(partner.granted_sellers()) == [seller]
    owner_client.post(f"/sellers/{seller.pk}/partners/{grant.pk}/revoke/")
    assert not Grant.objects.exists()
    assert list(partner.granted_sellers()) == []


def test_a_grant_without_scopes_is_refused_on_the_page(owner_client, seller, partner):
    response = owner_client.post(f"/sellers/{seller.pk}/partners/", {"partner": partner.pk})
    assert response.status_code == 400
    assert not Grant.objects.exists()


def test_stranger_cannot_grant_or_revoke(stranger_client, seller, partner):
    grant = partner_services.grant_partner(seller, partner, scopes=["read_reports"])
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
        partner_services.grant_partner(seller, partner, scopes=["nope"])


def test_admin_shows_a_new_key_once_and_stores_only_its_hash(staff, client, partner):
    staff.is_superuser = True
    staff.save()
    client.force_login(staff)
    response = client.post(
        "/admin/partners/apikey/add/",
        {"partner": partner.pk, "name": "ci", "expires_at_0": "", "expires_at_1": ""},
        follow=True,
    )
    assert response.status_code == 200
    shown = [str(m) for m in response.context["messages"]]
    key = next(word for m in shown for word in m.split() if word.startswith("mwsp_"))
    api_key = partner.api_keys.get()
    assert key.startswith(f"mwsp_{api_key.prefix}_")
    assert partner_services.authenticate_api_key(key) == api_key
    listing = client.get("/admin/partners/apikey/").content.decode()
    assert key not in listing


# ---- staff, in the admin ----------------------------------------------------------------------


def test_staff_create_a_partner(admin_client):
    response = admin_client.post(
        "/admin/partners/partner/add/",
        {
            "name": "Globex Connect",
            "contact_email": "api@globex.example",
            "is_active": "on",
            # The key and grant inlines, left empty.
            "api_keys-TOTAL_FORMS": "0",
            "api_keys-INITIAL_FORMS": "0",
            "grants-TOTAL_FORMS": "0",
            "grants-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content
    partner = Partner.objects.get()
    assert (partner.name, partner.contact_email, partner.is_active) == (
        "Globex Connect",
        "api@globex.example",
        True,
    )


def test_staff_grant_change_and_revoke_in_the_admin(admin_client, seller, partner):
    response = admin_client.post(
        "/admin/partners/grant/add/",
        {"partner": partner.pk, "seller": seller.pk, "scopes": ["read_reports"]},
    )
    assert response.status_code == 302, response.content
    grant = Grant.objects.get()
    assert grant.scopes == ["read_reports"]
    assert list(partner.granted_sellers()) == [seller]

    response = admin_client.post(
        f"/admin/partners/grant/{grant.pk}/change/",
        {"scopes": ["submit_feeds", "request_reports"]},
    )
    assert response.status_code == 302, response.content
    grant.refresh_from_db()
    assert grant.scopes == ["request_reports", "submit_feeds"]
    assert (grant.partner, grant.seller) == (partner, seller)

    response = admin_client.post(f"/admin/partners/grant/{grant.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Grant.objects.exists()
    assert list(partner.granted_sellers()) == []


def test_a_grant_without_scopes_is_refused_in_the_admin(admin_client, seller, partner):
    response = admin_client.post(
        "/admin/partners/grant/add/", {"partner": partner.pk, "seller": seller.pk}
    )
    assert response.status_code == 200
    assert "scopes" in response.context["adminform"].form.errors
    assert not Grant.objects.exists()


def test_staff_revoke_keys_and_read_their_last_use(admin_client, partner):
    api_key, key = partner_services.create_api_key(partner, name="ci")
    partner_services.authenticate_api_key(key)
    listing = admin_client.get("/admin/partners/apikey/").content.decode()
    assert api_key.prefix in listing
    assert key not in listing
    response = admin_client.post(
        "/admin/partners/apikey/",
        {"action": "revoke", "_selected_action": [api_key.pk]},
    )
    assert response.status_code == 302
    api_key.refresh_from_db()
    assert api_key.revoked_at is not None
    assert api_key.last_used_at is not None
    with pytest.raises(partner_services.ApiKeyRefused, match="revoked"):
        partner_services.authenticate_api_key(key)


def test_the_webhook_admin_never_shows_the_secret_and_logs_deliveries(
    admin_client, seller, partner
):
    partner_services.grant_partner(seller, partner, scopes=["read_reports"])
    endpoint, secret = webhooks.register_endpoint(
        partner, url="https://hooks.example.com/in", events=["seller.needs_reauthorization"]
    )
    services.mark_needs_reauthorization(seller, reason="AccessDenied")
    delivery = WebhookDelivery.objects.get()

    page = admin_client.get(f"/admin/partners/webhookendpoint/{endpoint.pk}/change/")
    assert page.status_code == 200
    assert secret not in page.content.decode()
    log = admin_client.get("/admin/partners/webhookdelivery/")
    assert log.status_code == 200
    assert "seller.needs_reauthorization" in log.content.decode()
    detail = admin_client.get(f"/admin/partners/webhookdelivery/{delivery.pk}/change/")
    assert detail.status_code == 200
    assert "AccessDenied" in detail.content.decode()
    # The log is read-only: a delivery is neither added nor edited by hand.
    assert admin_client.get("/admin/partners/webhookdelivery/add/").status_code == 403
    admin_client.post(
        f"/admin/partners/webhookdelivery/{delivery.pk}/change/", {"state": "delivered"}
    )
    delivery.refresh_from_db()
    assert delivery.state == "pending"
