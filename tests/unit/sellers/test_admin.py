"""Staff pages for sellers: no token shown, constant query count, actions."""

from __future__ import annotations

import re

import pytest
from celery.exceptions import Retry
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mwsclient import errors as mws_errors
from mwsportal.accounts.models import EmailConfirmation
from mwsportal.gateway.buckets import bucket_backend
from sellers import services, tasks
from sellers.models import Seller
from tests.factories import SellerFactory, SellerMarketplaceFactory, UserFactory, make_token
from tests.unit.sellers.fakes import US, page

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:sellers_seller_changelist")


@pytest.fixture
def admin_client(make_user) -> Client:
    user = make_user("root@example.com", staff=True)
    user.is_superuser = True
    user.save()
    client = Client()
    client.force_login(user)
    return client


def make_sellers(count: int) -> list[Seller]:
    sellers = SellerFactory.create_batch(count)
    for seller in sellers:
        SellerMarketplaceFactory(seller=seller)
        SellerMarketplaceFactory(seller=seller, marketplace_id="A2EUQ1WTGCTBG2", name="Amazon.ca")
    return sellers


def queries_for(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_changelist_query_count_does_not_grow_with_the_sellers(admin_client):
    make_sellers(3)
    few = queries_for(admin_client, CHANGELIST)
    make_sellers(40)
    assert queries_for(admin_client, CHANGELIST) == few


def test_the_changelist_filters_by_region_status_and_marketplace(admin_client):
    eu = SellerFactory(region="EU", name="Euro store")
    SellerMarketplaceFactory(seller=eu, marketplace_id="A1PA6795UKMFR9", name="Amazon.de")
    na = SellerFactory(region="NA", name="US store", status=Seller.Status.NEEDS_REAUTH)
    SellerMarketplaceFactory(seller=na)

    def names(query: str) -> str:
        return admin_client.get(f"{CHANGELIST}?{query}").content.decode()

    assert "Euro store" in names("region__exact=EU")
    assert "US store" not in names("region__exact=EU")
    assert "US store" in names("status__exact=needs_reauth")
    assert "Euro store" not in names("status__exact=needs_reauth")
    assert "Euro store" in names("marketplace=A1PA6795UKMFR9")
    assert "US store" not in names("marketplace=A1PA6795UKMFR9")


def test_search_by_seller_id_or_owner(admin_client):
    seller = SellerFactory(name="Findable")
    SellerFactory(name="Other")
    for term in (seller.seller_id, seller.owner.email):
        content = admin_client.get(f"{CHANGELIST}?q={term}").content.decode()
        assert "Findable" in content
        assert "Other" not in content


def test_the_change_page_shows_marketplaces_but_never_the_token(admin_client):
    seller = SellerFactory()
    SellerMarketplaceFactory(seller=seller, marketplace_id="A2EUQ1WTGCTBG2", name="Amazon.ca")
    content = admin_client.get(reverse("admin:sellers_seller_change", args=[seller.pk])).content
    assert seller.auth_token.encode() not in content
    assert not re.search(rb"amzn\.mws\.[0-9a-f]{8}-", content)
    assert b'name="new_auth_token"' in content
    assert b"A2EUQ1WTGCTBG2" in content


def test_staff_replace_a_token_that_amazon_accepts(admin_client, fake_mws):
    seller = SellerFactory()
    fake_mws.pages = [page(US, seller_id=seller.seller_id)]
    token = make_token()
    url = reverse("admin:sellers_seller_change", args=[seller.pk])
    response = admin_client.post(url, _change_form(seller, new_auth_token=token))
    assert response.status_code == 302
    seller.refresh_from_db()
    assert seller.auth_token == token
    assert fake_mws.calls[0]["auth_token"] == token


def test_a_token_amazon_refuses_is_not_saved(admin_client, fake_mws):
    seller = SellerFactory()
    old = seller.auth_token
    fake_mws.error = mws_errors.AccessDeniedError("Access denied", code="AccessDenied")
    token = make_token()
    url = reverse("admin:sellers_seller_change", args=[seller.pk])
    response = admin_client.post(url, _change_form(seller, new_auth_token=token))
    assert response.status_code == 200
    assert "Amazon refused this Seller ID and token" in response.content.decode()
    assert token not in response.content.decode()
    seller.refresh_from_db()
    assert seller.auth_token == old


def test_saving_without_a_new_token_keeps_the_old_one(admin_client, fake_mws):
    seller = SellerFactory()
    old = seller.auth_token
    url = reverse("admin:sellers_seller_change", args=[seller.pk])
    response = admin_client.post(url, _change_form(seller, name="Renamed"))
    assert response.status_code == 302
    seller.refresh_from_db()
    assert (seller.name, seller.auth_token) == ("Renamed", old)
    assert fake_mws.calls == []


def test_staff_add_a_seller_for_a_user(admin_client, fake_mws, owner):
    fake_mws.pages = [page(US, seller_id="A9STAFFADDED01")]
    response = admin_client.post(
        reverse("admin:sellers_seller_add"),
        {
            "owner": owner.pk,
            "name": "Added by staff",
            "seller_id": "a9staffadded01",
            "region": "NA",
            "new_auth_token": make_token(),
            **_inline_management(),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    seller = Seller.objects.get(owner=owner)
    assert seller.seller_id == "A9STAFFADDED01"
    assert seller.marketplaces.count() == 1


def test_adding_a_seller_needs_a_token(admin_client, owner):
    response = admin_client.post(
        reverse("admin:sellers_seller_add"),
        {"owner": owner.pk, "name": "x", "seller_id": "A9STAFFADDED01", "region": "NA"}
        | _inline_management(),
    )
    assert response.status_code == 200
    assert "A new seller account needs its MWS Auth Token" in response.content.decode()
    assert not Seller.objects.exists()


def test_suspend_asks_for_a_reason_then_suspends(admin_client):
    sellers = SellerFactory.create_batch(2)
    selected = {"action": "suspend", "_selected_action": [s.pk for s in sellers]}
    confirm = admin_client.post(CHANGELIST, selected)
    assert confirm.status_code == 200
    assert "Reason, shown to the seller" in confirm.content.decode()
    assert not Seller.objects.filter(status=Seller.Status.SUSPENDED).exists()

    admin_client.post(CHANGELIST, {**selected, "apply": "yes", "reason": "Unpaid invoice"})
    for seller in sellers:
        seller.refresh_from_db()
        assert (seller.status, seller.status_reason) == (Seller.Status.SUSPENDED, "Unpaid invoice")


def test_reactivate_lifts_suspensions_only(admin_client):
    suspended = SellerFactory(status=Seller.Status.SUSPENDED, status_reason="x")
    flagged = SellerFactory(status=Seller.Status.NEEDS_REAUTH, status_reason="denied")
    admin_client.post(
        CHANGELIST, {"action": "reactivate", "_selected_action": [suspended.pk, flagged.pk]}
    )
    suspended.refresh_from_db()
    flagged.refresh_from_db()
    assert suspended.status == Seller.Status.ACTIVE
    assert flagged.status == Seller.Status.NEEDS_REAUTH


def test_verify_now_queues_one_verification_per_seller_and_calls_nothing_itself(
    admin_client, fake_mws, monkeypatch, django_capture_on_commit_callbacks
):
    queued: list[int] = []
    monkeypatch.setattr(tasks.verify_seller, "delay", queued.append)
    good = SellerFactory.create_batch(3)
    removed = SellerFactory(auth_token=None, status="removed")
    suspended = SellerFactory(status="suspended", status_reason="unpaid")
    selected = [s.pk for s in (*good, removed, suspended)]

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            CHANGELIST, {"action": "verify_now", "_selected_action": selected}, follow=True
        )

    content = response.content.decode()
    assert "3 verification(s) queued" in content
    assert "1 suspended seller(s) not verified" in content
    assert "1 seller(s) without a token not verified" in content
    assert sorted(queued) == sorted(s.pk for s in good)
    assert fake_mws.calls == [], "no MWS call inside the request"


def test_the_verification_task_verifies_its_seller(fake_mws):
    seller = SellerFactory()
    fake_mws.pages = [page(US, seller_id=seller.seller_id)]
    tasks.verify_seller.run(seller.pk)
    tasks.verify_seller.run(seller.pk)  # twice: checked twice, nothing else
    seller.refresh_from_db()
    assert seller.verified_at is not None
    assert list(seller.marketplaces.values_list("marketplace_id", flat=True)) == [US.marketplace_id]
    assert len(fake_mws.calls) == 2


@pytest.fixture
def task_retries(monkeypatch) -> list[float]:
    """The countdowns the verification task asked Celery to retry after; the task itself must
    never sleep (a worker waiting for a token holds its slot for nothing)."""
    retried: list[float] = []

    def retry(**options):
        retried.append(options["countdown"])
        return Retry()

    def no_sleep(seconds: float) -> None:
        raise AssertionError(f"a worker slept {seconds} s")

    monkeypatch.setattr(tasks.verify_seller, "retry", retry)
    monkeypatch.setattr("mwsportal.gateway.interactive.time.sleep", no_sleep)
    return retried


def test_the_verification_task_retries_later_when_the_quota_is_used_up(fake_mws, task_retries):
    seller = SellerFactory()
    backend = bucket_backend()
    # Nothing known of this bucket since 58 s ago: it was empty then, and its first token
    # (one a minute) is 2 s away, a wait an interactive check would sleep through.
    backend.set_epoch(backend.now() - 58)
    with pytest.raises(Retry):
        tasks.verify_seller.run(seller.pk)
    assert fake_mws.calls == []
    assert len(task_retries) == 1
    assert 0 < task_retries[0] <= 2


def test_the_verification_task_backs_off_after_a_server_error(fake_mws, task_retries):
    seller = SellerFactory()
    fake_mws.error = mws_errors.ServerError("boom", code="InternalError")
    with pytest.raises(Retry):
        tasks.verify_seller.run(seller.pk)
    assert len(fake_mws.calls) == 1, "no resend inside the task"
    assert task_retries == [services.SERVER_ERROR_RETRY_SECONDS]


def test_staff_cannot_check_a_token_for_a_suspended_seller(admin_client, fake_mws):
    seller = SellerFactory(status=Seller.Status.SUSPENDED, status_reason="unpaid")
    url = reverse("admin:sellers_seller_change", args=[seller.pk])
    response = admin_client.post(url, _change_form(seller, new_auth_token=make_token()))
    assert response.status_code == 200
    assert "This seller is suspended" in response.content.decode()
    assert fake_mws.calls == []


def _inline_management() -> dict[str, str]:
    return {
        "marketplaces-TOTAL_FORMS": "0",
        "marketplaces-INITIAL_FORMS": "0",
        "marketplaces-MIN_NUM_FORMS": "0",
        "marketplaces-MAX_NUM_FORMS": "1000",
    }


def _change_form(seller: Seller, **values: str) -> dict[str, object]:
    initial = seller.marketplaces.count()
    return {
        "name": seller.name,
        "new_auth_token": "",
        **_inline_management(),
        "marketplaces-INITIAL_FORMS": str(initial),
        "marketplaces-TOTAL_FORMS": str(initial),
        **{
            f"marketplaces-{index}-id": str(pk)
            for index, pk in enumerate(seller.marketplaces.values_list("pk", flat=True))
        },
        **{f"marketplaces-{index}-seller": str(seller.pk) for index in range(initial)},
        **values,
    }


def test_the_user_list_shows_email_confirmation_without_extra_queries(admin_client):
    url = reverse("admin:auth_user_changelist")
    for user in UserFactory.create_batch(3):
        EmailConfirmation.objects.create(user=user)
    few = queries_for(admin_client, url)
    for user in UserFactory.create_batch(30):
        EmailConfirmation.objects.create(user=user)
    content = admin_client.get(url).content.decode()
    assert "waiting for confirmation" in content
    assert "made by staff" in content
    assert queries_for(admin_client, url) == few
