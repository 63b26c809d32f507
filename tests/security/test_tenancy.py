"""Tenant sweep over every browser URL: another user's object is a 404, never a 403, 200 or 500.

The routes come from walking the URL resolver, so a page added later is swept too: a route
that names an object by id and is missing from ``OBJECT_ROUTES`` (in conftest.py) fails the
suite until it is listed there with the object it takes.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from partners.models import Grant
from tests.security.conftest import (
    OBJECT_ROUTES,
    PUBLIC_ROUTES,
    admin_page_urls,
    browser_routes,
    make_tenant,
    route_arguments,
)

pytestmark = pytest.mark.django_db

ROUTES = browser_routes()
ID_ROUTES = [route for route in ROUTES if route.int_kwargs]


def test_every_route_that_takes_an_id_is_in_the_sweep():
    assert {route.name for route in ID_ROUTES} == set(OBJECT_ROUTES), (
        "A browser URL that names an object by id must be listed in OBJECT_ROUTES (and a "
        "route that is gone removed from it)."
    )


def test_the_walk_sees_every_app():
    names = {route.name for route in ROUTES}
    assert {"home", "login", "sellers:list", "reports:index", "feeds:index"} <= names
    assert not any(name.startswith(("admin:", "api:")) for name in names)


def _call(client: Client, method: str, url: str):
    return client.get(url) if method == "GET" else client.post(url, {})


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("route", sorted(OBJECT_ROUTES))
def test_another_users_object_is_a_404(route, method, owner, stranger, settings):
    # Actions that reach MWS at once find nothing listening, never a real endpoint.
    settings.MWS_ENDPOINT = "http://127.0.0.1:9"
    mine = make_tenant(owner)
    make_tenant(stranger)  # the stranger has objects of their own, as every tenant does
    url = reverse(route, kwargs=OBJECT_ROUTES[route](mine))
    stranger_client, owner_client = Client(), Client()
    stranger_client.force_login(stranger)
    owner_client.force_login(owner)

    as_stranger = _call(stranger_client, method, url)
    as_owner = _call(owner_client, method, url)

    if as_owner.status_code == 405:
        # The route does not take this method at all: the answer is the same for every id
        # and every user, so it tells nothing about the object.
        assert as_stranger.status_code == 405
        return
    assert as_owner.status_code not in (404, 500), (
        f"the sweep's object must exist for its owner: {route} gave {as_owner.status_code}"
    )
    assert as_stranger.status_code == 404, f"{method} {url} as another user"


def test_a_grant_of_another_seller_is_a_404_under_ones_own_seller(owner, stranger):
    mine = make_tenant(owner)
    theirs = make_tenant(stranger)
    client = Client()
    client.force_login(stranger)
    url = reverse(
        "partners:revoke_grant", kwargs={"pk": theirs.seller.pk, "grant_pk": mine.grant.pk}
    )
    assert client.post(url).status_code == 404
    assert Grant.objects.filter(pk=mine.grant.pk).exists()


@pytest.mark.parametrize(
    "route", [r for r in ROUTES if r.name not in PUBLIC_ROUTES], ids=lambda route: route.name
)
def test_every_private_page_sends_visitors_to_login(route, client):
    url = reverse(route.name, kwargs=route_arguments(route))
    for method in ("GET", "POST"):
        response = _call(client, method, url)
        if response.status_code == 405:
            continue
        assert response.status_code == 302, f"{method} {url}"
        assert response["Location"].startswith(reverse("login")), f"{method} {url}"


def test_the_public_list_names_only_real_routes():
    assert {route.name for route in ROUTES} >= PUBLIC_ROUTES


def test_the_admin_is_closed_to_sellers(owner):
    make_tenant(owner)
    client = Client()
    client.force_login(owner)
    for url in admin_page_urls():
        for method in ("GET", "POST"):
            response = _call(client, method, url)
            assert response.status_code == 302, f"{method} {url}"
            assert response["Location"].startswith(reverse("admin:login")), f"{method} {url}"
