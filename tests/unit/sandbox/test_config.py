"""Sandbox configs: the issue's minimal JSON shape, TOML, the default config, and mistakes."""

from __future__ import annotations

import json
import re

import pytest

from mwssandbox.config import DEFAULT_CONFIG, ConfigError, load_config

MINIMAL = {
    "developers": [
        {
            "access_key_id": "AKIAEXAMPLE",
            "secret_key": "secret",
            "account_number": "1234-5678-9012",
            "name": "Example App",
        }
    ],
    "sellers": [
        {
            "seller_id": "A1EXAMPLE",
            "region": "NA",
            "marketplaces": ["ATVPDKIKX0DER"],
            "authorizations": [
                {
                    "access_key_id": "AKIAEXAMPLE",
                    "mws_auth_token": "amzn.mws.4ea38b7b-f563-7709-4bae-87aeaEXAMPLE",
                }
            ],
        }
    ],
}


def test_the_issues_minimal_json_shape_loads_from_a_file(tmp_path):
    path = tmp_path / "sandbox.json"
    path.write_text(json.dumps(MINIMAL))
    config = load_config(path)
    seller = config.seller("A1EXAMPLE")
    assert seller is not None
    assert seller.home_marketplace == "ATVPDKIKX0DER"
    assert seller.authorizations[0].mws_auth_token.startswith("amzn.mws.")
    assert config.developer_by_key("AKIAEXAMPLE").name == "Example App"
    assert config.throttling.enabled
    assert config.source == path


def test_toml_with_optional_sections(tmp_path):
    path = tmp_path / "sandbox.toml"
    path.write_text(
        """
state_file = "state.json"

[[developers]]
access_key_id = "AKIAEXAMPLE"
secret_key = "secret"
account_number = "1234-5678-9012"
name = "Example App"

[[sellers]]
seller_id = "A1EXAMPLE"
region = "EU"
marketplaces = ["A1PA6795UKMFR9", "A1F83G8C2ARO7P"]
home_marketplace = "A1F83G8C2ARO7P"
suspended_listings = true
seller_central = { email = "seller@example.com", password = "pw" }

[[sellers.authorizations]]
access_key_id = "AKIAEXAMPLE"

[delays]
report_submitted = 1
feed_in_progress = 2.5

[throttling.groups.SubmitFeed]
quota = 3
hourly = 5

[reports.sizes]
_GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_ = 1048576

[[faults]]
kind = "internal_error"
every = 3
"""
    )
    config = load_config(path)
    seller = config.sellers[0]
    assert seller.home_marketplace == "A1F83G8C2ARO7P"
    assert seller.suspended_listings == {"A1PA6795UKMFR9", "A1F83G8C2ARO7P"}
    assert seller.authorizations[0].mws_auth_token is None  # the seller's own developer account
    assert config.delays.report_submitted == 1
    assert config.delays.feed_in_progress == 2.5
    assert config.delays.report_in_progress == 10  # untouched defaults stay
    submit = config.throttling.limits("SubmitFeed")
    assert (submit.quota, submit.restore_seconds, submit.hourly) == (3, 120, 5)
    assert config.reports.sizes["_GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_"] == 1048576
    assert config.fault_rules()[0].every == 3
    assert config.state_file == tmp_path / "state.json"


def test_default_config_has_the_portals_demo_developer_and_demo_sellers():
    config = load_config(None)
    assert config.source == DEFAULT_CONFIG
    developer = config.developer_by_key("AKIAMWSPORTALDEMO0001")
    assert developer.secret_key == "sandbox-demo-secret-key-not-for-production"
    assert (developer.account_number, developer.name) == ("1234-5678-9012", "MWS Portal")
    demo = config.seller("A1DEMOSELLER0001")
    assert demo.region == "NA"
    assert set(demo.marketplaces) == {"ATVPDKIKX0DER", "A2EUQ1WTGCTBG2", "A1AM78C64UM0Y8"}
    assert [a.mws_auth_token for a in demo.authorizations] == [
        "amzn.mws.00000000-0000-0000-0000-000000000001"
    ]
    assert {s.region for s in config.sellers} >= {"NA", "EU", "FE"}
    assert any(s.marketplaces == ("A1VC38T7YXB528",) for s in config.sellers)
    unauthorized = [s for s in config.sellers if not s.authorizations]
    assert unauthorized
    assert all(s.login is not None for s in unauthorized)


def _with(**changes):
    raw = json.loads(json.dumps(MINIMAL))
    for path, value in changes.items():
        target = raw
        *parents, last = path.split("__")
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        target[last] = value
    return raw


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (_with(colour="blue"), "config: unknown keys colour"),
        (_with(sellers__0__region="XX"), "config.sellers[0].region: must be one of NA, EU"),
        (
            _with(sellers__0__marketplaces=["A1PA6795UKMFR9"]),
            "config.sellers[0].marketplaces[0]: A1PA6795UKMFR9 (DE) is not in region NA",
        ),
        (
            _with(sellers__0__marketplaces=["NOPE"]),
            "config.sellers[0].marketplaces[0]: unknown marketplace id 'NOPE'",
        ),
        (
            _with(sellers__0__authorizations=[{"access_key_id": "AKIAOTHER"}]),
            "no developer has access key id 'AKIAOTHER'",
        ),
        (_with(developers__0__secret_key=""), "developers[0].secret_key: must be a non-empty"),
        (_with(delays={"report_sumbitted": 1}), "config.delays: unknown keys report_sumbitted"),
        (_with(throttling={"groups": {"Nope": {}}}), "config.throttling.groups: unknown keys"),
        (_with(faults=[{"kind": "explode"}]), "config.faults[0]: fault kind must be one of"),
        (_with(sellers__0__home_marketplace="A2EUQ1WTGCTBG2"), "must be one of the seller's"),
        (
            _with(reports={"settlement_history": -1}),
            "config.reports.settlement_history: must be a whole number of at least 0",
        ),
        (
            _with(reports={"settlement_history": 1.5}),
            "config.reports.settlement_history: must be a whole number of at least 0",
        ),
    ],
)
def test_mistakes_are_reported_with_their_place(raw, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_config(raw)


def test_unreadable_and_unknown_files(tmp_path):
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "missing.json")
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    with pytest.raises(ConfigError, match="is not valid JSON"):
        load_config(broken)
    yaml = tmp_path / "sandbox.yaml"
    yaml.write_text("developers: []")
    with pytest.raises(ConfigError, match=r"must end in \.json or \.toml"):
        load_config(yaml)


def test_settlement_history_defaults_to_three_periods_and_can_be_none():
    assert load_config(MINIMAL).reports.settlement_history == 3
    assert load_config(_with(reports={"settlement_history": 0})).reports.settlement_history == 0
