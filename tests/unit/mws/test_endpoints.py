from __future__ import annotations

import pytest

from mwsclient.endpoints import (
    MARKETPLACES,
    REGIONS,
    marketplace_by_country,
    marketplace_by_id,
    region_for_marketplace,
    sends_marketplace_id_list,
)

# (country, MarketplaceId, host): the guide's tables and the reference's later marketplaces.
EXPECTED = [
    ("US", "ATVPDKIKX0DER", "mws.amazonservices.com"),
    ("CA", "A2EUQ1WTGCTBG2", "mws.amazonservices.ca"),
    ("MX", "A1AM78C64UM0Y8", "mws.amazonservices.com.mx"),
    ("BR", "A2Q3Y263D00KWC", "mws.amazonservices.com"),
    ("GB", "A1F83G8C2ARO7P", "mws-eu.amazonservices.com"),
    ("DE", "A1PA6795UKMFR9", "mws-eu.amazonservices.com"),
    ("FR", "A13V1IB3VIYZZH", "mws-eu.amazonservices.com"),
    ("IT", "APJ6JRA9NG5V4", "mws-eu.amazonservices.com"),
    ("ES", "A1RKKUPIHCS9HS", "mws-eu.amazonservices.com"),
    ("NL", "A1805IZSGTT6HS", "mws-eu.amazonservices.com"),
    ("SE", "A2NODRKZP88ZB9", "mws-eu.amazonservices.com"),
    ("PL", "A1C3SOZRARQ6R3", "mws-eu.amazonservices.com"),
    ("BE", "AMEN7PMS3EDWL", "mws-eu.amazonservices.com"),
    ("TR", "A33AVAJ2PDY3EV", "mws-eu.amazonservices.com"),
    ("EG", "ARBP9OOSHTCHU", "mws-eu.amazonservices.com"),
    ("SA", "A17E79C6D8DWNP", "mws-eu.amazonservices.com"),
    ("AE", "A2VIGQ35RCS4UG", "mws.amazonservices.ae"),
    ("IN", "A21TJRUUN4KGV", "mws.amazonservices.in"),
    ("JP", "A1VC38T7YXB528", "mws.amazonservices.jp"),
    ("AU", "A39IBJ37TRP1C6", "mws.amazonservices.com.au"),
    ("SG", "A19VAU5U5O7RUS", "mws-fe.amazonservices.com"),
    ("CN", "AAHKV2X7AFYLW", "mws.amazonservices.com.cn"),
]


@pytest.mark.parametrize(("country", "marketplace_id", "host"), EXPECTED)
def test_every_marketplace_has_its_id_and_host(
    country: str, marketplace_id: str, host: str
) -> None:
    by_id = marketplace_by_id(marketplace_id)
    assert by_id.country_code == country
    assert by_id.host == host
    assert by_id.base_url == f"https://{host}"
    assert marketplace_by_country(country.lower()) is by_id


def test_catalog_has_exactly_these_marketplaces() -> None:
    assert set(MARKETPLACES) == {mid for _, mid, _ in EXPECTED}


def test_uk_is_an_alias_of_gb() -> None:
    assert marketplace_by_country("UK") is marketplace_by_country("GB")


def test_unknown_lookups_raise_key_error() -> None:
    with pytest.raises(KeyError):
        marketplace_by_id("NOPE")
    with pytest.raises(KeyError):
        marketplace_by_country("ZZ")


def test_regions_and_their_hosts() -> None:
    assert {code: r.host for code, r in REGIONS.items()} == {
        "NA": "mws.amazonservices.com",
        "EU": "mws-eu.amazonservices.com",
        "FE": "mws.amazonservices.jp",
        "CN": "mws.amazonservices.com.cn",
    }
    assert region_for_marketplace("A1PA6795UKMFR9").code == "EU"
    assert region_for_marketplace("A21TJRUUN4KGV").code == "EU"
    assert region_for_marketplace("A39IBJ37TRP1C6").code == "FE"
    every = [mid for region in REGIONS.values() for mid in region.marketplace_ids]
    assert sorted(every) == sorted(MARKETPLACES)


def test_marketplace_id_list_is_not_sent_in_japan_and_china() -> None:
    not_sent = {m.country_code for m in MARKETPLACES.values() if not sends_marketplace_id_list(m)}
    assert not_sent == {"JP", "CN"}
    assert sends_marketplace_id_list(REGIONS["NA"])
    assert sends_marketplace_id_list(REGIONS["EU"])
    assert not sends_marketplace_id_list(REGIONS["FE"])
    assert not sends_marketplace_id_list(REGIONS["CN"])


def test_flat_file_charsets_follow_the_content_type_table() -> None:
    assert marketplace_by_country("US").flat_file_charset == "iso-8859-1"
    assert marketplace_by_country("DE").flat_file_charset == "iso-8859-1"
    assert marketplace_by_country("IN").flat_file_charset == "iso-8859-1"
    assert marketplace_by_country("JP").flat_file_charset == "Shift_JIS"
    assert marketplace_by_country("CN").flat_file_charset == "UTF-8"
