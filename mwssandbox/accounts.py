"""Developers, sellers and the authorizations between them.

An authorization is one seller's grant to one developer account (not to one access key: MWS
counted and authorized per developer account). Grants made or revoked on the authorization page
can be kept in a JSON state file, so a restarted sandbox still honours tokens the portal stored.
"""

from __future__ import annotations

import hmac
import json
import os
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

from mwssandbox.config import Developer, SandboxConfig, Seller


@dataclass(frozen=True)
class Grant:
    developer: Developer
    mws_auth_token: str | None  # None: the seller's own developer account, no token needed


class Accounts:
    def __init__(self, config: SandboxConfig, *, state_file: Path | None = None) -> None:
        self._lock = threading.Lock()
        self._state_file = state_file
        self.developers = {d.access_key_id: d for d in config.developers}
        self._by_account = {d.account_number: d for d in config.developers}
        self.sellers: dict[str, Seller] = {s.seller_id: s for s in config.sellers}
        self._grants: dict[tuple[str, str], str | None] = {}
        for seller in config.sellers:
            for auth in seller.authorizations:
                account = self.developers[auth.access_key_id].account_number
                self._grants[(seller.seller_id, account)] = auth.mws_auth_token
        if state_file is not None and state_file.exists():
            self._load(state_file)

    def developer(self, access_key_id: str) -> Developer | None:
        return self.developers.get(access_key_id)

    def find_developer(self, name: str, account_number: str) -> Developer | None:
        """The developer a seller means on the authorization page (name and number must agree)."""
        wanted = _normal_account(account_number)
        for developer in self._by_account.values():
            if (
                _normal_account(developer.account_number) == wanted
                and developer.name.casefold() == name.strip().casefold()
            ):
                return developer
        return None

    def check(self, seller_id: str, developer: Developer, token: str | None) -> str | None:
        """None when ``developer`` may act for ``seller_id`` with ``token``, else why not."""
        with self._lock:
            key = (seller_id, developer.account_number)
            if seller_id not in self.sellers:
                return "Access denied"
            granted = key in self._grants
            expected = self._grants.get(key)
        if token is None or token == "":
            if granted and expected is None:
                return None
            return "Missing required MWSAuthToken for Seller."
        if granted and expected is not None and hmac.compare_digest(expected, token):
            return None
        return "Access denied"

    def grants(self, seller_id: str) -> list[Grant]:
        with self._lock:
            return [
                Grant(self._by_account[account], token)
                for (seller, account), token in sorted(self._grants.items())
                if seller == seller_id
            ]

    def authorize(self, seller_id: str, developer: Developer) -> str:
        """The seller's token for ``developer``, created if the pair had none."""
        with self._lock:
            key = (seller_id, developer.account_number)
            token = self._grants.get(key)
            if token is None:
                token = f"amzn.mws.{uuid.uuid4()}"
                self._grants[key] = token
                self._save()
            return token

    def revoke(self, seller_id: str, account_number: str) -> bool:
        with self._lock:
            if self._grants.pop((seller_id, account_number), "missing") == "missing":
                return False
            self._save()
            return True

    def _load(self, path: Path) -> None:
        data = json.loads(path.read_text(encoding="utf-8"))
        for row in data.get("authorizations", []):
            key = (row["seller_id"], row["account_number"])
            if key[0] not in self.sellers or key[1] not in self._by_account:
                continue
            if row.get("revoked"):
                self._grants.pop(key, None)
            else:
                self._grants[key] = row["mws_auth_token"]

    def _save(self) -> None:
        """Write every grant and revocation; atomic so a crash never leaves half a file."""
        if self._state_file is None:
            return
        rows = [
            {"seller_id": seller, "account_number": account, "mws_auth_token": token}
            for (seller, account), token in sorted(self._grants.items())
        ]
        configured = {
            (seller.seller_id, self.developers[auth.access_key_id].account_number)
            for seller in self.sellers.values()
            for auth in seller.authorizations
        }
        rows += [
            {"seller_id": seller, "account_number": account, "revoked": True}
            for seller, account in sorted(configured - set(self._grants))
        ]
        temporary = self._state_file.with_suffix(".tmp")
        temporary.write_text(json.dumps({"authorizations": rows}, indent=2), encoding="utf-8")
        os.chmod(temporary, 0o600)
        temporary.replace(self._state_file)


def _normal_account(number: str) -> str:
    """Accept ``123456789012`` as well as ``1234-5678-9012``."""
    digits = "".join(ch for ch in number if ch.isdigit())
    if len(digits) != 12:
        return number.strip()
    return f"{digits[:4]}-{digits[4:8]}-{digits[8:]}"
