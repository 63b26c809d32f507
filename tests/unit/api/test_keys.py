"""API keys: shown once, stored hashed, refused when missing, wrong, expired or revoked; and
each key's rate limit, counted in the cache every web process shares."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from mwsportal.api import throttling
from partners import services
from partners.models import ApiKey
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
    assert 0 < int(response["Retry-After"]) <= 60
    assert response.json()["error"]["code"] == "throttled"


def test_each_key_has_its_own_allowance(api, partner, settings):
    settings.API_RATE_LIMIT = "1/minute"
    assert api.get(URL).status_code == 200
    assert api.get(URL).status_code == 429
    _, second_key = services.create_api_key(partner, name="second")
    assert PartnerClient(second_key).get(URL).status_code == 200


def test_the_allowance_comes_back_with_the_next_window(api, settings, monkeypatch):
    settings.API_RATE_LIMIT = "1/minute"
    start = 1_800_000_000.0  # the first second of a minute
    monkeypatch.setattr(throttling.time, "time", lambda: start + 15)
    assert api.get(URL).status_code == 200
    refused = api.get(URL)
    assert refused.status_code == 429
    assert refused["Retry-After"] == "45"
    monkeypatch.setattr(throttling.time, "time", lambda: start + 60)
    assert api.get(URL).status_code == 200


def test_a_long_window_keeps_its_count_past_the_cache_default_timeout(api, settings, monkeypatch):
    # The cache's default timeout is 300 s; an hour's window must remember its count longer.
    settings.API_RATE_LIMIT = "2/hour"
    start = 1_800_000_000.0  # the first second of an hour
    for offset in (10, 20):  # the second request raises the count the first one made
        monkeypatch.setattr(time, "time", lambda offset=offset: start + offset)
        assert api.get(URL).status_code == 200
    monkeypatch.setattr(time, "time", lambda: start + 1800)
    refused = api.get(URL)
    assert refused.status_code == 429
    assert refused["Retry-After"] == "1800"


def test_the_count_is_shared_with_another_process(api, partner, settings):
    # A second web process (its own interpreter, the same cache) sees this one's count.
    settings.API_RATE_LIMIT = "2/minute"
    assert api.get(URL).status_code == 200
    assert api.get(URL).status_code == 200
    key_id = ApiKey.objects.get(partner=partner).pk
    other_process = subprocess.run(
        [sys.executable, "-c", ANOTHER_PROCESS, str(key_id)],
        env={**os.environ, "MWSPORTAL_DATA_DIR": str(settings.DATA_DIR)},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert other_process.returncode == 0, other_process.stderr
    assert other_process.stdout.split() == ["refused"]


ANOTHER_PROCESS = """
import os, sys
from types import SimpleNamespace

import django

os.environ["DJANGO_SETTINGS_MODULE"] = "mwsportal.settings"
os.environ["API_RATE_LIMIT"] = "2/minute"
django.setup()
from mwsportal.api.throttling import ApiKeyRateThrottle

request = SimpleNamespace(auth=SimpleNamespace(pk=int(sys.argv[1])))
print("allowed" if ApiKeyRateThrottle().allow_request(request, None) else "refused")
"""


def test_concurrent_requests_never_exceed_the_limit(partner, settings, redis_cache):
    # Atomic counting is what the Redis cache adds (CACHE_URL=redis://...), so it runs on one.
    settings.API_RATE_LIMIT = "50/hour"
    api_key, _ = services.create_api_key(partner, name="load")
    request = SimpleNamespace(auth=SimpleNamespace(pk=api_key.pk))

    def attempts(_: int) -> int:
        return sum(throttling.ApiKeyRateThrottle().allow_request(request, None) for _ in range(20))

    with ThreadPoolExecutor(max_workers=8) as pool:
        allowed = sum(pool.map(attempts, range(8)))
    assert allowed == 50
