"""Authorizations: checks, grants and revocations, and keeping them in a state file."""

from __future__ import annotations

import json

from mwssandbox.accounts import Accounts
from mwssandbox.config import load_config

RAW = {
    "developers": [
        {"access_key_id": "AKIA1", "secret_key": "s1", "account_number": "1111-2222-3333",
         "name": "First App"},
        {"access_key_id": "AKIA2", "secret_key": "s2", "account_number": "4444-5555-6666",
         "name": "Own Tools"},
    ],
    "sellers": [
        {"seller_id": "A1", "region": "NA", "marketplaces": ["ATVPDKIKX0DER"],
         "authorizations": [{"access_key_id": "AKIA1", "mws_auth_token": "amzn.mws.t1"},
                            {"access_key_id": "AKIA2"}]},
        {"seller_id": "A2", "region": "NA", "marketplaces": ["ATVPDKIKX0DER"]},
    ],
}  # fmt: skip


def test_checks_name_what_is_wrong():
    accounts = Accounts(load_config(RAW))
    first, own = accounts.developer("AKIA1"), accounts.developer("AKIA2")
    assert accounts.check("A1", first, "amzn.mws.t1") is None
    assert accounts.check("A1", first, "amzn.mws.t2") == "Access denied"
    assert accounts.check("A1", first, None) == "Missing required MWSAuthToken for Seller."
    assert accounts.check("A1", own, None) is None  # the seller's own developer account
    assert accounts.check("A2", first, "amzn.mws.t1") == "Access denied"
    assert accounts.check("A9", first, "amzn.mws.t1") == "Access denied"


def test_developers_are_found_by_name_and_account_number_as_sellers_type_them():
    accounts = Accounts(load_config(RAW))
    assert accounts.find_developer(" first app ", "111122223333").access_key_id == "AKIA1"
    assert accounts.find_developer("First App", "4444-5555-6666") is None
    assert accounts.find_developer("Someone", "1111-2222-3333") is None


def test_grants_and_revocations_survive_a_restart_through_the_state_file(tmp_path):
    state = tmp_path / "state.json"
    config = load_config(RAW)
    accounts = Accounts(config, state_file=state)
    first = accounts.developer("AKIA1")
    token = accounts.authorize("A2", first)
    assert token.startswith("amzn.mws.")
    assert accounts.authorize("A2", first) == token  # authorizing again shows the same token
    assert accounts.revoke("A1", "1111-2222-3333")
    assert not accounts.revoke("A1", "1111-2222-3333")
    assert state.stat().st_mode & 0o077 == 0

    restarted = Accounts(config, state_file=state)
    assert restarted.check("A2", first, token) is None
    assert restarted.check("A1", first, "amzn.mws.t1") == "Access denied"
    assert [grant.developer.name for grant in restarted.grants("A1")] == ["Own Tools"]
    rows = json.loads(state.read_text())["authorizations"]
    assert {"seller_id": "A1", "account_number": "1111-2222-3333", "revoked": True} in rows
