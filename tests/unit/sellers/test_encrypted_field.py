"""EncryptedTextField: ciphertext at rest, loud failure without the right key, no lookups."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.db import connection

from mwsportal.fields import DecryptionError
from sellers.models import Seller
from tests.factories import SellerFactory

TOKEN = "amzn.mws.5eb0f1d2-0c1b-4a53-9a60-6f0e2d1c9b77"
ROOT = Path(__file__).resolve().parents[3]


def raw_column(seller: Seller) -> str | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT auth_token FROM sellers_seller WHERE id = %s", [seller.pk])
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_the_column_holds_ciphertext_that_the_newest_key_decrypts(settings):
    seller = SellerFactory(auth_token=TOKEN)

    raw = raw_column(seller)
    assert TOKEN not in raw
    assert "amzn.mws" not in raw
    assert Fernet(settings.FIELD_ENCRYPTION_KEYS[0]).decrypt(raw.encode()).decode() == TOKEN
    assert Seller.objects.get(pk=seller.pk).auth_token == TOKEN


@pytest.mark.django_db
def test_the_same_token_twice_gives_different_ciphertexts():
    first, second = SellerFactory(auth_token=TOKEN), SellerFactory(auth_token=TOKEN)
    assert raw_column(first) != raw_column(second)


@pytest.mark.django_db
def test_none_is_stored_as_null():
    seller = SellerFactory(auth_token=None)
    assert raw_column(seller) is None
    assert Seller.objects.get(pk=seller.pk).auth_token is None


@pytest.mark.django_db
def test_reading_with_a_wrong_key_raises_instead_of_returning_ciphertext(settings):
    seller = SellerFactory(auth_token=TOKEN)
    raw = raw_column(seller)
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]

    with pytest.raises(DecryptionError) as raised:
        Seller.objects.get(pk=seller.pk)
    message = str(raised.value)
    assert "sellers_seller.auth_token" in message
    assert "FIELD_ENCRYPTION_KEYS" in message
    assert raw not in message
    assert TOKEN not in message


@pytest.mark.django_db
def test_an_empty_key_list_is_a_configuration_error(settings):
    seller = SellerFactory(auth_token=TOKEN)
    settings.FIELD_ENCRYPTION_KEYS = []
    with pytest.raises(ImproperlyConfigured, match="FIELD_ENCRYPTION_KEYS is empty"):
        Seller.objects.get(pk=seller.pk)


@pytest.mark.django_db
def test_a_malformed_key_is_named_by_position_and_never_echoed(settings):
    good = settings.FIELD_ENCRYPTION_KEYS[0]
    settings.FIELD_ENCRYPTION_KEYS = [good, "not-a-fernet-key-but-still-secret"]
    with pytest.raises(ImproperlyConfigured) as raised:
        SellerFactory(auth_token=TOKEN)
    assert "Key number 2" in str(raised.value)
    assert "not-a-fernet-key-but-still-secret" not in str(raised.value)


@pytest.mark.django_db
@pytest.mark.parametrize("lookup", ["auth_token", "auth_token__exact", "auth_token__startswith"])
def test_lookups_on_the_token_are_refused(lookup):
    with pytest.raises(FieldError, match="only isnull lookups"):
        list(Seller.objects.filter(**{lookup: TOKEN}))


@pytest.mark.django_db
def test_isnull_is_the_one_lookup_allowed():
    with_token, without = SellerFactory(auth_token=TOKEN), SellerFactory(auth_token=None)
    assert list(Seller.objects.filter(auth_token__isnull=False)) == [with_token]
    assert list(Seller.objects.filter(auth_token__isnull=True)) == [without]


def test_keys_can_come_from_a_file_in_development_and_production(tmp_path):
    keys = [Fernet.generate_key().decode(), Fernet.generate_key().decode()]
    key_file = tmp_path / "keys"
    key_file.write_text(",".join(keys) + "\n")
    code = (
        "import django\nfrom django.conf import settings\ndjango.setup()\n"
        "print(','.join(settings.FIELD_ENCRYPTION_KEYS))"
    )
    production = {
        "DEBUG": "false",
        "SECRET_KEY": "x" * 60,
        "MWS_ACCESS_KEY_ID": "AKIAPRODUCTION00001",
        "MWS_SECRET_KEY": "production-secret",
        "MWS_DEVELOPER_ID": "1111-2222-3333",
    }
    for extra in ({}, production):
        environ = {
            "PATH": os.environ["PATH"],
            "DJANGO_SETTINGS_MODULE": "mwsportal.settings",
            "MWSPORTAL_DATA_DIR": str(tmp_path / "data"),
            "FIELD_ENCRYPTION_KEYS_FILE": str(key_file),
            **extra,
        }
        result = subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env=environ,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == ",".join(keys)
