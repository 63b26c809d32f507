"""Model fields that keep secrets encrypted at rest.

``EncryptedTextField`` stores Fernet tokens (AES-128-CBC + HMAC-SHA256) made with the keys in
``settings.FIELD_ENCRYPTION_KEYS``, newest first. The newest key encrypts; every key may decrypt,
which is what lets ``rotate_encryption_keys`` move old rows to a new key while the site runs.
The keys are independent of ``SECRET_KEY`` so rotating one never makes the other's data
unreadable.
"""

from __future__ import annotations

import functools
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.db import models
from django.db.models.lookups import IsNull

KEYS_SETTING = "FIELD_ENCRYPTION_KEYS"


class DecryptionError(Exception):
    """A stored value cannot be decrypted with any configured key.

    Raised instead of returning ciphertext or an empty value, so a missing key is noticed at
    once rather than turning into "no token" somewhere downstream.
    """


@functools.lru_cache(maxsize=8)
def _ciphers(keys: tuple[str, ...]) -> tuple[MultiFernet, Fernet]:
    if not keys:
        raise ImproperlyConfigured(f"{KEYS_SETTING} is empty; encrypted columns need a key.")
    fernets = []
    for position, key in enumerate(keys, start=1):
        try:
            fernets.append(Fernet(key))
        except (ValueError, TypeError):
            # The key itself is never echoed: it is a secret even when malformed.
            raise ImproperlyConfigured(
                f"Key number {position} in {KEYS_SETTING} is not a Fernet key (32 url-safe "
                "base64-encoded bytes)."
            ) from None
    return MultiFernet(fernets), fernets[0]


def current_keys() -> tuple[str, ...]:
    return tuple(settings.FIELD_ENCRYPTION_KEYS)


def encrypt(plaintext: str) -> str:
    """Encrypt with the newest key."""
    multi, _ = _ciphers(current_keys())
    return multi.encrypt(plaintext.encode("utf-8")).decode("ascii")


def decrypt(ciphertext: str, *, where: str = "an encrypted column") -> str:
    multi, _ = _ciphers(current_keys())
    try:
        return multi.decrypt(ciphertext.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeEncodeError):
        raise DecryptionError(
            f"A value in {where} cannot be decrypted with any key in {KEYS_SETTING}. "
            "Was a key removed before rotate_encryption_keys had moved every row to a newer one?"
        ) from None


def needs_rotation(ciphertext: str) -> bool:
    """Whether the value was encrypted with a key other than the newest one."""
    _, newest = _ciphers(current_keys())
    try:
        newest.decrypt(ciphertext.encode("ascii"))
    except (InvalidToken, UnicodeEncodeError):
        return True
    return False


def rotate(ciphertext: str, *, where: str = "an encrypted column") -> str:
    """Re-encrypt a stored value under the newest key (raises when no key can read it)."""
    multi, _ = _ciphers(current_keys())
    try:
        return multi.rotate(ciphertext.encode("ascii")).decode("ascii")
    except (InvalidToken, UnicodeEncodeError):
        raise DecryptionError(
            f"A value in {where} cannot be decrypted with any key in {KEYS_SETTING}."
        ) from None


class EncryptedTextField(models.TextField):
    """A text column whose database value is always ciphertext.

    Only ``isnull`` lookups are allowed: Fernet tokens are randomised, so comparing ciphertexts
    could never find anything, and silently returning nothing would hide the mistake.
    """

    description = "Text encrypted with the keys in FIELD_ENCRYPTION_KEYS"

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name != "isnull":
            raise FieldError(
                f"{self.model.__name__}.{self.name} is encrypted; only isnull lookups are "
                f"possible, not {lookup_name!r}."
            )
        return IsNull

    def get_transform(self, lookup_name: str) -> Any:
        raise FieldError(f"{self.model.__name__}.{self.name} is encrypted and has no transforms.")

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        if value is None:
            return None
        return encrypt(str(value))

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None:
            return None
        return decrypt(value, where=f"{self.model._meta.db_table}.{self.column}")
