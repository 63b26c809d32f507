"""A verified key is kept in the cache so a busy key costs no database query, and any change to
the key or its partner is refused at once all the same, wherever it was made."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from partners import services
from partners.models import ApiKey

URL = "/api/v1/sellers/"


def _key_queries(api) -> int:
    """The queries on the API key table that one request makes."""
    with CaptureQueriesContext(connection) as queries:
        assert api.get(URL).status_code == 200
    return sum('"partners_apikey"' in q["sql"] and "SELECT" in q["sql"] for q in queries)


def test_a_key_verified_lately_is_not_read_from_the_database_again(api):
    assert _key_queries(api) == 1
    assert _key_queries(api) == 0


def test_the_cache_keeps_the_row_with_its_hash_never_the_key(api, partner_key):
    _, key = partner_key
    api.get(URL)
    prefix = key.split("_")[1]
    kept = cache.get(f"api-key:{prefix}")
    assert isinstance(kept, ApiKey)
    assert key not in repr(vars(kept))


def test_a_revocation_is_refused_at_once_though_the_key_was_cached(api, partner):
    api.get(URL)
    services.revoke_api_key(partner.api_keys.get())
    response = api.get(URL)
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "The API key was revoked."


def test_a_change_made_in_the_admin_is_refused_at_once(api, partner, admin_client):
    api.get(URL)
    api_key = partner.api_keys.get()
    past = timezone.localtime() - timedelta(minutes=1)
    response = admin_client.post(
        f"/admin/partners/apikey/{api_key.pk}/change/",
        {
            "name": api_key.name,
            "expires_at_0": f"{past:%Y-%m-%d}",
            "expires_at_1": f"{past:%H:%M:%S}",
        },
    )
    assert response.status_code == 302
    assert api.get(URL).json()["error"]["message"] == "The API key has expired."


def test_a_deactivated_partner_is_refused_at_once(api, partner):
    api.get(URL)
    partner.is_active = False
    partner.save()
    response = api.get(URL)
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "The partner of this API key is deactivated."


def test_a_copy_verified_before_a_change_never_replaces_the_changes_marker(partner_key):
    partner, key = partner_key
    api_key = partner.api_keys.get()
    # A request read the row before the revocation and stores it after the marker was set.
    services.revoke_api_key(api_key)
    with pytest.raises(services.ApiKeyRefused, match="revoked"):
        services.authenticate_api_key(key)
    ApiKey.objects.filter(pk=api_key.pk).update(revoked_at=None)
    assert services.authenticate_api_key(key) == api_key
    assert cache.get(f"api-key:{api_key.prefix}") == "changed"
