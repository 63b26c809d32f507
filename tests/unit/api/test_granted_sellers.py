"""A read-only request takes the seller and its grant's scopes from the shared cache
(``partners.granted``); any change of the seller or of a grant on it holds at once, and
writes and the seller's own answer always read the database."""

from __future__ import annotations

import pickle

from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from partners import granted, services
from partners.models import Grant
from reports.models import ReportRequest
from sellers.models import Seller
from tests.factories import ReportRequestFactory


def list_url(seller: Seller) -> str:
    return reverse("api:report_requests", kwargs={"seller_pk": seller.pk})


def seller_queries(api, url: str, method: str = "get", **kwargs) -> tuple[int, int]:
    """(status, queries that read the seller table) of one request."""
    with CaptureQueriesContext(connection) as captured:
        response = getattr(api, method)(url, **kwargs)
    return response.status_code, sum('FROM "sellers_seller"' in q["sql"] for q in captured)


def test_a_read_after_the_first_runs_no_seller_query(api, seller) -> None:
    ReportRequestFactory(seller=seller)
    assert seller_queries(api, list_url(seller)) == (200, 1)
    assert seller_queries(api, list_url(seller)) == (200, 0)
    assert seller_queries(api, list_url(seller)) == (200, 0)


def test_a_revoked_grant_is_a_404_at_once(api, seller, grant) -> None:
    api.get(list_url(seller))
    assert api.get(list_url(seller)).status_code == 200  # from the cache
    services.revoke_grant(grant)
    assert api.get(list_url(seller)).status_code == 404


def test_a_lost_scope_is_a_403_at_once(api, seller, partner) -> None:
    api.get(list_url(seller))
    assert api.get(list_url(seller)).status_code == 200
    services.grant_partner(seller, partner, scopes=[Grant.Scope.SUBMIT_FEEDS])
    response = api.get(list_url(seller))
    assert response.status_code == 403
    assert "read_reports" in response.content.decode()


def test_a_deleted_seller_is_a_404_at_once(api, seller) -> None:
    api.get(list_url(seller))
    url = list_url(seller)
    Seller.objects.get(pk=seller.pk).delete()
    assert api.get(url).status_code == 404


def test_another_partners_cached_seller_stays_a_404(api, other_api, stranger_seller) -> None:
    stranger_url = list_url(stranger_seller)
    assert other_api.get(stranger_url).status_code == 200
    assert other_api.get(stranger_url).status_code == 200  # cached for the other partner
    assert api.get(stranger_url).status_code == 404
    assert api.get(stranger_url).status_code == 404


def test_a_copy_read_before_the_commit_is_given_up_by_the_commit(
    partner, seller, grant, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks() as commits:
        granted.forget_granted_seller(seller.pk)
        # A request on another connection reads the row before the change commits and
        # keeps it under the version the change made a moment ago.
        assert granted.granted_seller(partner, seller.pk) is not None
        assert granted.granted_seller(partner, seller.pk).granted_scopes == grant.scopes
        Grant.objects.filter(pk=grant.pk).update(scopes=[])
        assert granted.granted_seller(partner, seller.pk).granted_scopes == grant.scopes
    for commit in commits:
        commit()
    assert granted.granted_seller(partner, seller.pk).granted_scopes == []


def test_writes_read_the_seller_from_the_database(api, seller, grant) -> None:
    api.get(list_url(seller))
    status, seller_reads = seller_queries(api, list_url(seller), "post", data={}, format="json")
    assert (status, seller_reads) == (400, 1)
    # A grant gone without a signal (a queryset delete sends one per row; raw SQL does not):
    # a write finds the database's answer, never a cached one.
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM partners_grant WHERE id = %s", [grant.pk])
    response = api.post(list_url(seller), {"report_type": "x"}, format="json")
    assert response.status_code == 404
    assert ReportRequest.objects.filter(seller=seller).count() == 0


def test_the_sellers_own_answer_reads_the_database(api, seller) -> None:
    url = reverse("api:seller", kwargs={"seller_pk": seller.pk})
    assert api.get(url).json()["status"] == "active"
    # The gateway marks a seller by a conditional UPDATE, which sends no signal.
    Seller.objects.filter(pk=seller.pk).update(status=Seller.Status.NEEDS_REAUTH)
    assert api.get(url).json()["status"] == Seller.Status.NEEDS_REAUTH


def test_a_deactivated_partner_reaches_no_seller(partner, seller, grant) -> None:
    assert granted.granted_seller(partner, seller.pk) is not None
    partner.is_active = False
    assert partner.granted_seller(seller.pk) is None


def test_the_cached_copy_never_holds_the_auth_token(api, seller, partner) -> None:
    token = Seller.objects.get(pk=seller.pk).auth_token
    api.get(list_url(seller))
    api.get(list_url(seller))
    entry = cache.get(f"api-seller:{partner.pk}:{seller.pk}")
    assert entry is not None, "the read was not kept"
    assert "auth_token" in entry[1].get_deferred_fields()
    assert str(token).encode() not in pickle.dumps(entry)
