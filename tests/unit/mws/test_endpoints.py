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


def test_uk_is_an_alias_of_gb() -> None:
    assert marketplace_by_country("UK") is marketplace_by_country("GB")


def test_unknown_lookups_raise_key_error() -> None:
    with pytest.raises(KeyError):
        marketplace_by_id("NOPE")
    with pytest.raises(KeyError):
        marketplace_by_country("ZZ")


def test_every_marketplace_belongs_to_the_region_it_names() -> None:
    """Which marketplace is where, and on which host, is checked against the sandbox's own
    tables in tests/unit/test_catalog_agreement.py; here the lookups that use them."""
    assert region_for_marketplace("A1PA6795UKMFR9").code == "EU"
    assert region_for_marketplace("A21TJRUUN4KGV").code == "EU"
    assert region_for_marketplace("A39IBJ37TRP1C6").code == "FE"
    every = [mid for region in REGIONS.values() for mid in region.marketplace_ids]
    assert sorted(every) == sorted(MARKETPLACES)
    for marketplace in MARKETPLACES.values():
        assert marketplace_by_id(marketplace.marketplace_id) is marketplace
        assert marketplace_by_country(marketplace.country_code.lower()) is marketplace
        assert region_for_marketplace(marketplace.marketplace_id).code == marketplace.region
        assert marketplace.base_url == f"https://{marketplace.host}"


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
