"""Seller business actions, with MWS replaced by a fake client."""

from __future__ import annotations

import pytest

from mwsclient import errors as mws_errors
from sellers import services
from sellers.models import Seller
from tests.factories import SellerFactory, SellerMarketplaceFactory, UserFactory, make_token
from tests.unit.sellers.fakes import CA, DE, US, page

pytestmark = pytest.mark.django_db

SELLER_ID = "A1SELLER00000001"


def onboard(owner, **overrides):
    values = {"region": "NA", "seller_id": SELLER_ID, "auth_token": make_token(), "name": ""}
    return services.onboard_seller(owner=owner, **{**values, **overrides})


def test_onboarding_stores_the_seller_with_its_marketplaces(fake_mws):
    fake_mws.pages = [
        page(US, next_token="more"),
        page(CA, suspended=(CA.marketplace_id,)),
    ]
    owner = UserFactory()
    token = make_token()

    seller = onboard(owner, seller_id=" a1seller00000001 ", auth_token=f" {token} ", name="US")

    assert seller.seller_id == SELLER_ID
    assert seller.auth_token == token
    assert seller.status == Seller.Status.ACTIVE
    assert seller.verified_at is not None
    rows = {m.marketplace_id: m for m in seller.marketplaces.all()}
    assert set(rows) == {US.marketplace_id, CA.marketplace_id}
    assert rows[CA.marketplace_id].has_suspended_listings is True
    assert rows[US.marketplace_id].currency_code == "USD"
    assert rows[US.marketplace_id].domain == "www.amazon.com"
    common = {"seller_id": SELLER_ID, "auth_token": token, "region": "NA"}
    assert fake_mws.calls == [
        {"operation": "ListMarketplaceParticipations", **common},
        {
            "operation": "ListMarketplaceParticipationsByNextToken",
            **common,
            "params": {"NextToken": "more"},
        },
    ]


def test_the_name_defaults_to_the_seller_id(fake_mws):
    assert onboard(UserFactory()).name == SELLER_ID


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("seller_id", "not a seller", "This is not a Seller ID"),
        ("seller_id", "A1", "This is not a Seller ID"),
        ("auth_token", "amzn.mws.too-short", "This is not an MWS Authorization Token"),
        ("auth_token", "A1SELLER00000001", "This is not an MWS Authorization Token"),
        ("region", "MARS", "Choose one of the regions"),
    ],
)
def test_malformed_input_is_refused_before_calling_amazon(fake_mws, field, value, words):
    with pytest.raises(services.AuthorizationCheckFailed, match=words) as raised:
        onboard(UserFactory(), **{field: value})
    assert raised.value.field == field
    assert fake_mws.calls == []
    assert not Seller.objects.exists()


@pytest.mark.parametrize(
    ("error", "words", "access_denied"),
    [
        (mws_errors.AccessDeniedError("Access denied", code="AccessDenied"), "refused", True),
        (mws_errors.ThrottledError("Request is throttled"), "too many requests", False),
        (mws_errors.QuotaExceededError("quota"), "too many requests", False),
        (mws_errors.ServiceUnavailableError("down"), "not answering", False),
        (mws_errors.ServerError("boom", code="InternalError"), "not answering", False),
        (mws_errors.TransportError("connection refused"), "not answering", False),
        (
            mws_errors.InvalidCredentialsError("bad", code="SignatureDoesNotMatch"),
            "our side",
            False,
        ),
        (mws_errors.MWSError("odd", code="SomethingNew"), "SomethingNew", False),
    ],
)
def test_every_failure_is_explained_and_stores_nothing(fake_mws, error, words, access_denied):
    fake_mws.error = error
    with pytest.raises(services.AuthorizationCheckFailed, match=words) as raised:
        onboard(UserFactory())
    assert raised.value.access_denied is access_denied
    assert "Nothing was saved" in raised.value.message
    assert not Seller.objects.exists()


def test_access_denied_names_the_developer_to_authorize(fake_mws, settings):
    settings.MWS_REGION_ACCOUNTS = {}
    fake_mws.error = mws_errors.AccessDeniedError("Access denied", code="AccessDenied")
    with pytest.raises(services.AuthorizationCheckFailed) as raised:
        onboard(UserFactory())
    assert settings.MWS_DEVELOPER_ID in raised.value.message
    assert settings.MWS_DEVELOPER_NAME in raised.value.message


def test_a_seller_of_another_region_is_told_which_region_to_pick(fake_mws):
    fake_mws.pages = [page(DE)]
    with pytest.raises(services.AuthorizationCheckFailed, match="sells in Europe") as raised:
        onboard(UserFactory(), region="NA")
    assert "Amazon.de" in raised.value.message
    assert raised.value.field == "region"
    assert not Seller.objects.exists()


def test_non_retail_marketplaces_neither_decide_the_region_nor_are_kept(fake_mws):
    pay = (
        page(US)
        .marketplaces[0]
        .__class__("A6W85IYQ5WB1C", "IBA", "US", "USD", "en_US", "iba.login.amazon.com")
    )
    fake_mws.pages = [page(US, pay)]
    seller = onboard(UserFactory())
    # IBA is a marketplace the account takes part in, not one it can sell in.
    assert list(seller.marketplaces.values_list("marketplace_id", flat=True)) == [US.marketplace_id]


def test_a_seller_with_no_active_marketplace_is_refused(fake_mws):
    fake_mws.pages = [page()]
    with pytest.raises(services.AuthorizationCheckFailed, match="no marketplace"):
        onboard(UserFactory())


def test_connecting_the_same_seller_twice_is_refused_without_a_call(fake_mws):
    owner = UserFactory()
    first = onboard(owner, name="Mine")
    fake_mws.calls.clear()
    with pytest.raises(services.AuthorizationCheckFailed, match=r"already connected .*Mine"):
        onboard(owner)
    assert fake_mws.calls == []
    assert Seller.objects.get() == first


def test_another_user_may_connect_the_same_seller(fake_mws):
    onboard(UserFactory())
    onboard(UserFactory())
    assert Seller.objects.count() == 2


def test_connecting_a_removed_seller_again_revives_the_row(fake_mws):
    owner = UserFactory()
    seller = onboard(owner, name="Old name")
    services.remove_authorization(seller)
    token = make_token()

    again = onboard(owner, auth_token=token)

    assert again.pk == seller.pk
    assert again.status == Seller.Status.ACTIVE
    assert again.name == "Old name"
    assert Seller.objects.get(pk=seller.pk).auth_token == token


def test_verification_refreshes_the_marketplaces(fake_mws):
    seller = SellerFactory(seller_id=SELLER_ID)
    SellerMarketplaceFactory(seller=seller, marketplace_id=DE.marketplace_id, name="Amazon.de")
    SellerMarketplaceFactory(seller=seller, marketplace_id=US.marketplace_id, name="stale")
    fake_mws.pages = [page(US, CA)]

    services.verify_seller(seller)

    names = dict(seller.marketplaces.values_list("marketplace_id", "name"))
    assert names == {US.marketplace_id: "Amazon.com", CA.marketplace_id: "Amazon.ca"}
    assert fake_mws.calls[0]["auth_token"] == seller.auth_token


def test_access_denied_on_verification_flags_the_seller(fake_mws):
    seller = SellerFactory()
    fake_mws.error = mws_errors.AccessDeniedError("Access denied", code="AccessDenied")
    with pytest.raises(services.AuthorizationCheckFailed):
        services.verify_seller(seller)
    seller.refresh_from_db()
    assert seller.status == Seller.Status.NEEDS_REAUTH
    assert "AccessDenied" in seller.status_reason
    assert not Seller.objects.active().exists()


def test_an_outage_during_verification_changes_nothing(fake_mws):
    seller = SellerFactory()
    fake_mws.error = mws_errors.ServiceUnavailableError("down")
    with pytest.raises(services.AuthorizationCheckFailed, match="not answering"):
        services.verify_seller(seller)
    seller.refresh_from_db()
    assert seller.status == Seller.Status.ACTIVE
    assert seller.verified_at is None


def test_a_successful_verification_ends_a_needs_reauth_state(fake_mws):
    seller = SellerFactory(status=Seller.Status.NEEDS_REAUTH, status_reason="denied")
    services.verify_seller(seller)
    seller.refresh_from_db()
    assert (seller.status, seller.status_reason) == (Seller.Status.ACTIVE, "")


@pytest.mark.parametrize(
    "action",
    [
        services.verify_seller,
        lambda seller: services.replace_token(seller, auth_token=make_token()),
    ],
    ids=["verify", "replace token"],
)
def test_a_suspended_seller_is_refused_without_a_call(fake_mws, action):
    seller = SellerFactory(status=Seller.Status.SUSPENDED, status_reason="Unpaid invoice.")
    token = seller.auth_token
    with pytest.raises(services.AuthorizationCheckFailed, match="suspended") as raised:
        action(seller)
    assert "Unpaid invoice" in raised.value.message
    assert fake_mws.calls == []
    seller.refresh_from_db()
    assert (seller.status, seller.auth_token, seller.verified_at) == (
        Seller.Status.SUSPENDED,
        token,
        None,
    )


def test_a_suspension_made_while_a_token_was_checked_outlives_it(fake_mws):
    seller = SellerFactory(status=Seller.Status.SUSPENDED, status_reason="unpaid")
    services.store_authorization(seller, auth_token=make_token(), participations=[])
    seller.refresh_from_db()
    assert (seller.status, seller.status_reason) == (Seller.Status.SUSPENDED, "unpaid")


def test_a_refused_new_token_keeps_the_old_one(fake_mws):
    seller = SellerFactory()
    old = seller.auth_token
    fake_mws.error = mws_errors.AccessDeniedError("Access denied", code="AccessDenied")
    with pytest.raises(services.AuthorizationCheckFailed):
        services.replace_token(seller, auth_token=make_token())
    seller.refresh_from_db()
    assert seller.auth_token == old
    assert seller.status == Seller.Status.ACTIVE, "a wrong new token says nothing of the old"


def test_verifying_a_removed_seller_is_refused_without_a_call(fake_mws):
    seller = SellerFactory(auth_token=None, status=Seller.Status.REMOVED)
    with pytest.raises(services.AuthorizationCheckFailed, match="Paste a new token"):
        services.verify_seller(seller)
    assert fake_mws.calls == []


def test_removing_erases_the_token_and_stops_calls():
    seller = SellerFactory()
    services.remove_authorization(seller)
    seller.refresh_from_db()
    assert seller.auth_token is None
    assert seller.status == Seller.Status.REMOVED
    assert not Seller.objects.active().exists()


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (Seller.Status.ACTIVE, Seller.Status.NEEDS_REAUTH),
        (Seller.Status.SUSPENDED, Seller.Status.SUSPENDED),
        (Seller.Status.REMOVED, Seller.Status.REMOVED),
    ],
)
def test_mark_needs_reauthorization_only_changes_active_sellers(before, after):
    seller = SellerFactory(status=before, status_reason="earlier")
    services.mark_needs_reauthorization(seller, reason="AccessDenied on RequestReport")
    seller.refresh_from_db()
    assert seller.status == after
    expected = "AccessDenied on RequestReport" if after != before else "earlier"
    assert seller.status_reason == expected


def test_mark_needs_reauthorization_does_not_trust_a_stale_instance():
    seller = SellerFactory()
    stale = Seller.objects.get(pk=seller.pk)
    services.suspend_seller(seller, reason="fraud check")
    services.mark_needs_reauthorization(stale, reason="denied")
    seller.refresh_from_db()
    assert seller.status == Seller.Status.SUSPENDED


def test_suspend_and_reactivate():
    seller = SellerFactory()
    services.suspend_seller(seller, reason="  Unpaid invoice  ")
    seller.refresh_from_db()
    assert (seller.status, seller.status_reason) == (Seller.Status.SUSPENDED, "Unpaid invoice")
    assert not Seller.objects.active().exists()

    services.reactivate_seller(seller)
    seller.refresh_from_db()
    assert (seller.status, seller.status_reason) == (Seller.Status.ACTIVE, "")


def test_reactivate_leaves_other_states_alone():
    seller = SellerFactory(status=Seller.Status.NEEDS_REAUTH, status_reason="denied")
    services.reactivate_seller(seller)
    seller.refresh_from_db()
    assert seller.status == Seller.Status.NEEDS_REAUTH


def test_for_user_returns_only_the_users_own_sellers():
    mine, theirs = SellerFactory(), SellerFactory()
    assert list(Seller.objects.for_user(mine.owner)) == [mine]
    assert list(Seller.objects.for_user(theirs.owner)) == [theirs]


def test_for_user_gives_an_anonymous_user_nothing():
    from django.contrib.auth.models import AnonymousUser

    SellerFactory()
    assert not Seller.objects.for_user(AnonymousUser()).exists()
