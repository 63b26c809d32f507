"""API keys: shown once, stored hashed, refused when missing, wrong, expired or revoked."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.utils import timezone

from sellers import services
from sellers.models import ApiKey
from tests.unit.api.conftest import PartnerClient

URL = "/api/v1/sellers/"


def test_key_is_stored_as_a_hash_with_its_visible_prefix(partner):
    api_key, key = services.create_api_key(partner, name="ci")
    row = ApiKey.objects.get(pk=api_key.pk)
    assert key.startswith(f"mwsp_{row.prefix}_")
    assert row.hashed_key == hashlib.sha256(key.encode()).hexdigest()
    assert key not in {getattr(row, f.attname) for f in ApiKey._meta.fields}


def test_valid_key_lists_the_granted_seller_and_records_its_use(api, seller, partner):
    response = api.get(URL)
    assert response.status_code == 200
    assert [s["id"] for s in response.json()["results"]] == [seller.pk]
    assert ApiKey.objects.get(partner=partner).last_used_at is not None


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (None, "Authentication credentials were not provided."),
        ("Api-Key mwsp_000000000000_nope", "The API key is not valid."),
        ("Bearer something", "Send the key as 'Authorization: Api-Key <key>'."),
    ],
)
def test_missing_or_wrong_key_is_a_json_401(db, client, header, message):
    headers = {"HTTP_AUTHORIZATION": header} if header else {}
    response = client.get(URL, **headers)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Api-Key"
    assert response.json()["error"]["message"] == message


def test_a_right_prefix_with_a_wrong_secret_is_refused(api, partner_key):
    _, key = partner_key
    forged = key[:-4] + ("aaaa" if not key.endswith("aaaa") else "bbbb")
    response = PartnerClient(forged).get(URL)
    assert response.status_code == 401


def test_expired_key_is_refused(partner, grant):
    _, key = services.create_api_key(
        partner, name="old", expires_at=timezone.now() - timedelta(seconds=1)
    )
    response = PartnerClient(key).get(URL)
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "The API key has expired."


def test_revoked_key_is_refused(partner, grant):
    api_key, key = services.create_api_key(partner, name="gone")
    assert PartnerClient(key).get(URL).status_code == 200
    services.revoke_api_key(api_key)
    response = PartnerClient(key).get(URL)
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "The API key was revoked."


def test_deactivated_partner_is_refused(api, partner):
    partner.is_active = False
    partner.save()
    assert api.get(URL).status_code == 401


def test_rate_limit_answers_429_with_retry_after(api, settings):
    settings.API_RATE_LIMIT = "2/minute"
    assert api.get(URL).status_code == 200
    assert api.get(URL).status_code == 200
    response = api.get(URL)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert response.json()["error"]["code"] == "throttled"
