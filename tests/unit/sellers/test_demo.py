"""make run's demo user owns the sandbox's authorized demo seller, seeded without MWS."""

from __future__ import annotations

import pytest

from mwsclient.operations import get_operation
from mwsportal.demo import DEMO_SELLER_ID, DEMO_USERNAME, seed_demo
from mwsportal.gateway.bookkeeping import bucket_for
from mwsportal.gateway.buckets import bucket_backend
from mwsportal.gateway.models import MWSCall
from mwssandbox.config import load_config
from sellers.models import Seller


@pytest.mark.django_db
def test_the_demo_user_owns_the_demo_seller_once(monkeypatch):
    monkeypatch.setattr(
        "mwsportal.gateway.interactive.build_client",
        lambda *args, **kwargs: pytest.fail("seeding must not call MWS"),
    )
    seed_demo()
    seed_demo()

    seller = Seller.objects.get()
    assert seller.owner.username == DEMO_USERNAME
    assert (seller.seller_id, seller.region, seller.status) == (DEMO_SELLER_ID, "NA", "active")
    sandbox_seller = load_config().seller(DEMO_SELLER_ID)
    assert seller.auth_token == sandbox_seller.authorizations[0].mws_auth_token
    marketplaces = dict(seller.marketplaces.values_list("marketplace_id", "currency_code"))
    assert marketplaces == {
        "ATVPDKIKX0DER": "USD",
        "A2EUQ1WTGCTBG2": "CAD",
        "A1AM78C64UM0Y8": "MXN",
    }


@pytest.mark.django_db
def test_seeding_keeps_what_the_demo_user_changed():
    seed_demo()
    Seller.objects.update(name="Renamed in the portal")
    seed_demo()
    assert Seller.objects.get().name == "Renamed in the portal"


@pytest.mark.django_db
def test_seeding_queues_one_first_call_for_the_demo_seller(settings):
    settings.MWS_ENDPOINT = f"http://{settings.SANDBOX_ADDR}"
    seed_demo()
    seed_demo()  # a second start while the first sync still waits

    (call,) = MWSCall.objects.all()
    assert (call.seller.seller_id, call.operation, call.state) == (
        DEMO_SELLER_ID,
        "GetReportList",
        "queued",
    )
    # The sandbox starts with full buckets: the call may go on the first tick.
    backend = bucket_backend()
    key, limits = bucket_for(call.seller, get_operation(call.operation))
    assert backend.take(key, limits).granted


@pytest.mark.django_db
def test_a_removed_demo_seller_gets_no_call():
    seed_demo()
    MWSCall.objects.all().delete()
    Seller.objects.update(status=Seller.Status.REMOVED, auth_token=None)
    seed_demo()
    assert not MWSCall.objects.exists()
