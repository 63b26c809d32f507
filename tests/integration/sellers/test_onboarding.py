"""Onboarding, verification and re-authorization against the MWS sandbox."""

from __future__ import annotations

import re
import socket

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from mwsclient.operations import get_operation
from mwsportal.gateway import services as gateway
from mwsportal.gateway.bookkeeping import bucket_for
from mwsportal.gateway.buckets import bucket_backend
from mwsportal.gateway.handlers import MAX_PAGING_RESTARTS
from mwsportal.gateway.models import RequestLogEntry
from mwssandbox.faults import parse_rule
from mwssandbox.server import running_sandbox
from sellers import services
from sellers.models import Seller
from tests.integration.sellers.sandbox import (
    DEMO_TOKEN,
    DEVELOPER_ID,
    EU_TOKEN,
    assume_full_buckets,
    point_portal_at,
    sandbox_config,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


def onboard(owner, seller_id="A1DEMOSELLER0001", token=DEMO_TOKEN, region="NA") -> Seller:
    return services.onboard_seller(
        owner=owner, region=region, seller_id=seller_id, auth_token=token, name=""
    )


def test_a_seller_that_authorized_the_developer_is_connected(sandbox, owner):
    seller = onboard(owner)

    assert seller.status == Seller.Status.ACTIVE
    rows = {m.marketplace_id: m for m in seller.marketplaces.all()}
    assert set(rows) == {"ATVPDKIKX0DER", "A2EUQ1WTGCTBG2", "A1AM78C64UM0Y8"}
    assert (rows["A2EUQ1WTGCTBG2"].name, rows["A2EUQ1WTGCTBG2"].currency_code) == (
        "Amazon.ca",
        "CAD",
    )
    assert rows["ATVPDKIKX0DER"].domain == "www.amazon.com"
    assert rows["A1AM78C64UM0Y8"].language_code == "es_MX"


def test_suspended_listings_are_recorded_per_marketplace(sandbox, owner):
    seller = onboard(owner, "A2DEMOSELLER0002", EU_TOKEN, region="EU")
    flags = dict(seller.marketplaces.values_list("marketplace_id", "has_suspended_listings"))
    assert flags.pop("APJ6JRA9NG5V4") is True
    assert set(flags.values()) == {False}


def test_every_page_of_participations_is_read(settings, owner):
    with running_sandbox(sandbox_config(paging={"participations_page_size": 1})) as sandbox:
        point_portal_at(settings, sandbox)
        seller = onboard(owner, "A2DEMOSELLER0002", EU_TOKEN, region="EU")
        calls = sandbox.state.calls.rows()
    assert seller.marketplaces.count() == 5
    operations = {row["action"] for row in calls}
    assert "ListMarketplaceParticipationsByNextToken" in operations


def _counted(calls: list[dict]) -> dict[tuple[str, str], int]:
    return {(row["action"], row["code"]): row["count"] for row in calls}


def test_a_corrupted_next_token_restarts_the_participations_at_once(settings, owner):
    with running_sandbox(sandbox_config(paging={"participations_page_size": 2})) as sandbox:
        point_portal_at(settings, sandbox)
        sandbox.faults.add([parse_rule({"kind": "next_token_corrupted", "count": 1})])
        seller = onboard(owner)
        calls = _counted(sandbox.state.calls.rows())
    assert seller.status == Seller.Status.ACTIVE
    assert seller.marketplaces.count() == 3
    # The refused page sent the check back to the original operation, which read every page.
    assert calls == {
        ("ListMarketplaceParticipations", ""): 2,
        ("ListMarketplaceParticipationsByNextToken", "NextTokenCorrupted"): 1,
        ("ListMarketplaceParticipationsByNextToken", ""): 1,
    }


def test_a_next_token_refused_every_time_fails_the_check_without_storing(settings, owner):
    with running_sandbox(sandbox_config(paging={"participations_page_size": 2})) as sandbox:
        point_portal_at(settings, sandbox)
        sandbox.faults.add([parse_rule({"kind": "next_token_corrupted"})])
        with pytest.raises(services.AuthorizationCheckFailed, match="NextTokenCorrupted"):
            onboard(owner)
        calls = _counted(sandbox.state.calls.rows())
    assert calls == {
        ("ListMarketplaceParticipations", ""): 1 + MAX_PAGING_RESTARTS,
        ("ListMarketplaceParticipationsByNextToken", "NextTokenCorrupted"): 1 + MAX_PAGING_RESTARTS,
    }
    assert not Seller.objects.exists()


def test_only_marketplaces_the_seller_can_sell_in_are_kept(settings, owner):
    config = sandbox_config()
    (demo,) = [s for s in config["sellers"] if s["seller_id"] == "A1DEMOSELLER0001"]
    demo["non_retail_marketplaces"] = ["A6W85IYQ5WB1C"]
    with running_sandbox(config) as sandbox:
        point_portal_at(settings, sandbox)
        participations = services.check_authorization(
            region="NA", seller_id="A1DEMOSELLER0001", auth_token=DEMO_TOKEN
        )
        seller = onboard(owner)
        calls = sandbox.state.calls.rows()
    # MWS listed IBA (iba.login.amazon.com) too, and the portal saw it.
    assert {row["action"] for row in calls} == {"ListMarketplaceParticipations"}
    assert {p.marketplace_id for p in participations} == {
        "ATVPDKIKX0DER",
        "A2EUQ1WTGCTBG2",
        "A1AM78C64UM0Y8",
    }
    assert set(seller.marketplaces.values_list("marketplace_id", flat=True)) == {
        "ATVPDKIKX0DER",
        "A2EUQ1WTGCTBG2",
        "A1AM78C64UM0Y8",
    }


def group_quota(seller: Seller):
    return {q.group: q for q in gateway.quota_status(seller)}["ListMarketplaceParticipations"]


def test_the_checks_are_charged_to_the_sellers_bucket_and_logged(sandbox, owner):
    seller = onboard(owner)

    logged = RequestLogEntry.objects.filter(seller=seller)
    assert list(logged.values_list("operation", "http_status", "mws_seller_id")) == [
        ("ListMarketplaceParticipations", 200, "A1DEMOSELLER0001")
    ]
    assert logged.get().request_id, "what MWS support asks for"
    assert group_quota(seller).tokens == 14

    services.verify_seller(seller)
    assert logged.count() == 2
    assert group_quota(seller).tokens == 13


def test_a_refused_check_is_logged_under_its_seller_id(sandbox, owner):
    with pytest.raises(services.AuthorizationCheckFailed):
        onboard(owner, token="amzn.mws.00000000-0000-0000-0000-0000000000ff")
    entry = RequestLogEntry.objects.get()
    assert (entry.seller, entry.mws_seller_id, entry.error_code) == (
        None,
        "A1DEMOSELLER0001",
        "AccessDenied",
    )


def test_a_seller_whose_check_quota_is_used_up_is_told_when_to_try_again(sandbox, owner):
    seller = onboard(owner)
    key, limits = bucket_for(seller, get_operation("ListMarketplaceParticipations"))
    backend = bucket_backend()
    while backend.take(key, limits).granted:
        pass
    with pytest.raises(services.AuthorizationCheckFailed, match="try again in 60 seconds"):
        services.verify_seller(seller)
    assert RequestLogEntry.objects.filter(seller=seller).count() == 1, "nothing more was sent"


def test_a_wrong_token_is_refused_and_nothing_is_stored(sandbox, owner):
    with pytest.raises(services.AuthorizationCheckFailed) as raised:
        onboard(owner, token="amzn.mws.00000000-0000-0000-0000-0000000000ff")
    assert raised.value.access_denied
    assert f"authorized developer account {DEVELOPER_ID}" in raised.value.message
    assert not Seller.objects.exists()


def test_a_seller_that_did_not_authorize_this_developer_is_refused(sandbox, owner):
    with pytest.raises(services.AuthorizationCheckFailed, match="Amazon refused") as raised:
        onboard(owner, "A4DEMOSELLER0004", DEMO_TOKEN)
    assert "Nothing was saved" in raised.value.message
    assert not Seller.objects.exists()


def test_an_unknown_seller_id_is_refused(sandbox, owner):
    with pytest.raises(services.AuthorizationCheckFailed, match="Check that the Seller ID"):
        onboard(owner, "A9NOSUCHSELLER9")
    assert not Seller.objects.exists()


def test_a_seller_of_another_region_is_told_where_to_go(sandbox, owner):
    with pytest.raises(services.AuthorizationCheckFailed, match="sells in Europe"):
        onboard(owner, "A2DEMOSELLER0002", EU_TOKEN, region="NA")
    assert not Seller.objects.exists()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_when_the_sandbox_is_down_the_seller_is_told_to_try_again(settings, owner):
    settings.MWS_ENDPOINT = f"http://127.0.0.1:{_free_port()}"
    assume_full_buckets()
    with pytest.raises(services.AuthorizationCheckFailed, match="not answering") as raised:
        onboard(owner)
    assert "try again" in raised.value.message
    assert not Seller.objects.exists()


def test_an_outage_answered_with_503_is_explained(sandbox, owner):
    sandbox.faults.add(
        [parse_rule({"kind": "service_unavailable", "actions": ["ListMarketplaceParticipations"]})]
    )
    with pytest.raises(services.AuthorizationCheckFailed, match="not answering"):
        onboard(owner)
    assert not Seller.objects.exists()


def test_a_revoked_authorization_flags_the_seller_on_its_next_call(sandbox, owner):
    seller = onboard(owner)
    assert sandbox.state.accounts.revoke("A1DEMOSELLER0001", DEVELOPER_ID)

    with pytest.raises(services.AuthorizationCheckFailed) as raised:
        services.verify_seller(seller)

    assert raised.value.access_denied
    seller.refresh_from_db()
    assert seller.status == Seller.Status.NEEDS_REAUTH
    assert "AccessDenied" in seller.status_reason
    assert not Seller.objects.active().filter(pk=seller.pk).exists()


def test_a_new_token_after_re_authorizing_makes_the_seller_active_again(sandbox, owner):
    seller = onboard(owner)
    accounts = sandbox.state.accounts
    accounts.revoke("A1DEMOSELLER0001", DEVELOPER_ID)
    with pytest.raises(services.AuthorizationCheckFailed):
        services.verify_seller(seller)
    new_token = accounts.authorize(
        "A1DEMOSELLER0001", accounts.find_developer("MWS Portal", DEVELOPER_ID)
    )

    services.replace_token(seller, auth_token=new_token)

    seller.refresh_from_db()
    assert (seller.status, seller.auth_token) == (Seller.Status.ACTIVE, new_token)


def test_sign_up_to_dashboard(sandbox):
    client = Client()
    email, password = "outdoor.seller@example.com", "a-long-unusual-passphrase-42"
    client.post(reverse("signup"), {"email": email, "password1": password, "password2": password})
    link = re.search(r"http://testserver(\S+)", mail.outbox[0].body).group(1)
    client.post(link)
    assert (
        client.post(reverse("login"), {"username": email, "password": password}).status_code == 302
    )

    connect_page = client.get(reverse("sellers:connect_region", args=["NA"])).content.decode()
    assert f"{sandbox.url}/gp/mws/registration/register.html" in connect_page
    response = client.post(
        reverse("sellers:connect_region", args=["NA"]),
        {"seller_id": "A1DEMOSELLER0001", "auth_token": DEMO_TOKEN, "name": "Outdoor US"},
        follow=True,
    )

    content = response.content.decode()
    assert "“Outdoor US” is connected. Amazon lists 3 marketplace(s)" in content
    for name in ("Amazon.com", "Amazon.ca", "Amazon.com.mx"):
        assert name in content
    home = client.get("/").content.decode()
    assert "Outdoor US" in home
