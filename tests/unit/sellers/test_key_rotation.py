"""rotate_encryption_keys moves every row to the newest key; --check counts what is left."""

from __future__ import annotations

from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import CommandError

from mwsportal.fields import DecryptionError
from sellers.models import Seller
from tests.factories import SellerFactory
from tests.unit.sellers.test_encrypted_field import raw_column

OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()


def run(*args: str) -> str:
    out = StringIO()
    call_command("rotate_encryption_keys", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def sellers_under_old_key(db, settings) -> dict[int, str]:
    settings.FIELD_ENCRYPTION_KEYS = [OLD_KEY]
    sellers = SellerFactory.create_batch(5)
    SellerFactory(auth_token=None)  # a removed authorization: nothing to rotate
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    return {seller.pk: seller.auth_token for seller in sellers}


def test_check_counts_rows_that_still_need_the_old_key(sellers_under_old_key):
    out = StringIO()
    with pytest.raises(CommandError, match="5 row\\(s\\) still need an old key"):
        call_command("rotate_encryption_keys", "--check", stdout=out)
    assert "sellers.Seller.auth_token: 5 row(s) still need an old key" in out.getvalue()


def test_rotation_moves_every_row_to_the_new_key(sellers_under_old_key, settings):
    output = run("--batch-size", "2")

    assert "sellers.Seller.auth_token: re-encrypted 5 row(s)" in output
    assert "sellers.Seller.auth_token: 0 row(s) still need an old key" in run("--check")
    new = Fernet(NEW_KEY)
    for seller in Seller.objects.filter(auth_token__isnull=False):
        assert new.decrypt(raw_column(seller).encode()).decode() == seller.auth_token
        assert seller.auth_token == sellers_under_old_key[seller.pk]

    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY]
    assert {s.pk: s.auth_token for s in Seller.objects.exclude(auth_token__isnull=True)} == (
        sellers_under_old_key
    )


def test_after_rotation_the_old_key_alone_reads_nothing(sellers_under_old_key, settings):
    run()
    settings.FIELD_ENCRYPTION_KEYS = [OLD_KEY]
    with pytest.raises(DecryptionError):
        list(Seller.objects.exclude(auth_token__isnull=True))


def test_a_second_run_has_nothing_to_do(sellers_under_old_key):
    run()
    ciphertexts = {s.pk: raw_column(s) for s in Seller.objects.all()}
    assert "re-encrypted 0 row(s)" in run()
    assert {s.pk: raw_column(s) for s in Seller.objects.all()} == ciphertexts


def test_rows_that_no_key_can_read_are_reported_and_left_alone(db, settings):
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    lost = SellerFactory()
    before = raw_column(lost)
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]

    for args in (["--check"], []):
        out = StringIO()
        with pytest.raises(CommandError, match="1 row\\(s\\) cannot be decrypted with any key"):
            call_command("rotate_encryption_keys", *args, stdout=out)
    assert raw_column(lost) == before
