"""The sandbox catalogue: deterministic generation, mutations, snapshots."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from mwssandbox.catalogue import (
    CONDITION_CODES,
    LOCALES,
    PRODUCT_ID_TYPES,
    Catalogue,
    locale_of,
)
from mwssandbox.marketplaces import MARKETPLACES

US = "ATVPDKIKX0DER"
DE = "A1PA6795UKMFR9"
JP = "A1VC38T7YXB528"
OPENED = datetime(2021, 3, 4, 5, 6, 7, tzinfo=UTC)


def test_generation_is_deterministic_for_seller_marketplace_and_seed() -> None:
    first = Catalogue.generate("A1SELLER", US, seed=7, size=40).listings()
    again = Catalogue.generate("A1SELLER", US, seed=7, size=40).listings()
    other_seed = Catalogue.generate("A1SELLER", US, seed=8, size=40).listings()
    other_seller = Catalogue.generate("A2SELLER", US, seed=7, size=40).listings()

    assert first == again
    assert first != other_seed
    assert first != other_seller


def test_listings_are_ordered_by_sku_with_unique_skus_and_asins() -> None:
    listings = Catalogue.generate("A1SELLER", US, seed=1, size=300).listings()

    skus = [listing.sku for listing in listings]
    assert skus == sorted(skus)
    assert len(set(skus)) == 300
    assert len({listing.asin for listing in listings}) == 300
    assert all(len(listing.asin) == 10 and listing.asin.startswith("B0") for listing in listings)


def test_a_seller_has_the_same_products_in_every_marketplace_priced_locally() -> None:
    us = Catalogue.generate("A1SELLER", US, seed=3, size=20).listings()
    de = Catalogue.generate("A1SELLER", DE, seed=3, size=20).listings()

    assert [(item.sku, item.asin) for item in us] == [(item.sku, item.asin) for item in de]
    assert {item.currency for item in us} == {"USD"}
    assert {item.currency for item in de} == {"EUR"}
    assert [item.title for item in us] != [item.title for item in de]


def test_generated_listings_look_like_real_ones() -> None:
    listings = Catalogue.generate("A1SELLER", US, seed=5, size=400).listings()

    assert all(listing.price is not None and listing.price > 0 for listing in listings)
    assert {listing.fulfillment_channel for listing in listings} == {"DEFAULT", "AMAZON_NA"}
    assert all(listing.fulfillment_latency is None for listing in listings if listing.is_afn)
    assert any(listing.quantity == 0 for listing in listings)
    assert {listing.product_id_type for listing in listings} <= set(PRODUCT_ID_TYPES.values())
    for listing in listings:
        if listing.product_id_type == PRODUCT_ID_TYPES["EAN"]:
            digits = [int(d) for d in listing.product_id]
            weighted = sum(d * (1 if i % 2 == 0 else 3) for i, d in enumerate(digits))
            assert len(digits) == 13
            assert weighted % 10 == 0
    assert all(listing.open_date < datetime(2020, 6, 2, tzinfo=UTC) for listing in listings)


@pytest.mark.parametrize("marketplace_id", sorted(MARKETPLACES))
def test_every_marketplace_generates_text_its_report_charset_can_carry(
    marketplace_id: str,
) -> None:
    locale = locale_of(marketplace_id)
    listings = Catalogue.generate("A1SELLER", marketplace_id, seed=2, size=60).listings()

    for listing in listings:
        (listing.title + listing.description + listing.brand).encode(locale.charset)
    assert {listing.currency for listing in listings} == {MARKETPLACES[marketplace_id].currency}


def test_titles_carry_characters_outside_ascii_so_charsets_are_exercised() -> None:
    titles = "".join(
        listing.title for listing in Catalogue.generate("A1SELLER", DE, seed=1, size=80).listings()
    )
    japanese = "".join(
        listing.title for listing in Catalogue.generate("A1SELLER", JP, seed=1, size=80).listings()
    )

    assert any(char in titles for char in "äöüßéñø")
    assert any("\u3040" <= char <= "\u30ff" or "\u4e00" <= char <= "\u9fff" for char in japanese)
    assert LOCALES["JP"].charset == "cp932"


def test_unknown_marketplace_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown marketplace"):
        Catalogue.generate("A1SELLER", "A6W85IYQ5WB1C", seed=1, size=5)


def test_get_finds_generated_listings_and_nothing_else() -> None:
    catalogue = Catalogue.generate("A1SELLER", US, seed=1, size=10)
    listings = catalogue.listings()

    assert catalogue.get(listings[4].sku) == listings[4]
    assert catalogue.get("NOT-A-SKU") is None
    assert listings[0].sku in catalogue
    assert "NOT-A-SKU" not in catalogue
    # a SKU of the generated form but past the end of the catalogue does not exist
    assert catalogue.get(listings[0].sku[:-5] + "00010") is None


def test_inventory_and_price_changes_are_kept_and_remember_the_feed() -> None:
    catalogue = Catalogue.generate("A1SELLER", US, seed=1, size=10)
    sku = catalogue.listings()[3].sku

    catalogue.set_inventory(sku, quantity=42, fulfillment_latency=5, feed="51793018437")
    catalogue.set_price(sku, Decimal("12.34"), feed="51793018438")
    listing = catalogue.get(sku)

    assert listing is not None
    assert (listing.quantity, listing.price) == (42, Decimal("12.34"))
    assert listing.fulfillment_channel == "DEFAULT"
    assert listing.fulfillment_latency == 5
    assert (listing.inventory_feed, listing.price_feed) == ("51793018437", "51793018438")


def test_switching_to_amazon_fulfilment_drops_the_handling_time() -> None:
    catalogue = Catalogue.generate("A1SELLER", US, seed=1, size=30)
    sku = next(item.sku for item in catalogue.listings() if not item.is_afn)

    listing = catalogue.set_inventory(sku, fulfillment_channel="AMAZON_NA")

    assert listing.is_afn
    assert listing.fulfillment_latency is None


def test_changes_to_an_unknown_sku_raise_key_error() -> None:
    catalogue = Catalogue.generate("A1SELLER", US, seed=1, size=3)

    with pytest.raises(KeyError):
        catalogue.set_inventory("NOPE", quantity=1)
    with pytest.raises(KeyError):
        catalogue.set_price("NOPE", Decimal(1))


def test_a_product_added_by_sku_sorts_into_place_and_starts_without_an_offer() -> None:
    catalogue = Catalogue.generate("A1SELLER", US, seed=1, size=5)
    first, last = catalogue.listings()[0].sku, catalogue.listings()[-1].sku

    added = catalogue.upsert_product(
        "AAA-FIRST",
        title="Crème brûlée torch",
        product_id="012345678905",
        product_id_type=PRODUCT_ID_TYPES["UPC"],
        opened=OPENED,
    )
    catalogue.upsert_product(
        "ZZZ-LAST", title="Zither", product_id="B000000001", product_id_type="1", opened=OPENED
    )
    skus = [listing.sku for listing in catalogue.listings()]

    assert skus[0] == "AAA-FIRST"
    assert skus[-1] == "ZZZ-LAST"
    assert skus[1] == first
    assert skus[-2] == last
    assert len(catalogue) == 7
    assert added.price is None
    assert added.quantity == 0
    assert not added.is_active
    assert added.open_date == OPENED
    assert added.condition == CONDITION_CODES["New"]
    assert catalogue.get("ZZZ-LAST").asin == "B000000001"  # type: ignore[union-attr]


def test_updating_a_product_keeps_its_offer() -> None:
    catalogue = Catalogue.generate("A1SELLER", US, seed=1, size=5)
    before = catalogue.listings()[2]

    after = catalogue.upsert_product(before.sku, title="New title", opened=OPENED)

    assert after.title == "New title"
    assert (after.price, after.quantity, after.open_date) == (
        before.price,
        before.quantity,
        before.open_date,
    )


def test_a_new_product_needs_a_title_and_a_product_id() -> None:
    catalogue = Catalogue.generate("A1SELLER", US, seed=1, size=1)

    with pytest.raises(ValueError, match="title and a product id"):
        catalogue.upsert_product("NEW-1", title="Only a title", opened=OPENED)


def test_delete_removes_generated_and_added_listings() -> None:
    catalogue = Catalogue.generate("A1SELLER", US, seed=1, size=5)
    generated = catalogue.listings()[1].sku
    catalogue.upsert_product(
        "ADDED", title="x", product_id="B0X", product_id_type="1", opened=OPENED
    )

    assert catalogue.delete(generated) is True
    assert catalogue.delete("ADDED") is True
    assert catalogue.delete("ADDED") is False
    assert catalogue.get(generated) is None
    assert len(catalogue) == 4
    assert generated not in [listing.sku for listing in catalogue.listings()]


def test_a_deleted_listing_can_be_created_again() -> None:
    catalogue = Catalogue.generate("A1SELLER", US, seed=1, size=5)
    sku = catalogue.listings()[1].sku
    catalogue.delete(sku)

    catalogue.upsert_product(
        sku, title="Back", product_id="B0BACK0001", product_id_type="1", opened=OPENED
    )

    assert catalogue.get(sku).title == "Back"  # type: ignore[union-attr]
    assert [listing.sku for listing in catalogue.listings()].count(sku) == 1


def test_purge_empties_the_catalogue() -> None:
    catalogue = Catalogue.generate("A1SELLER", US, seed=1, size=50)
    catalogue.upsert_product(
        "KEEP", title="x", product_id="B0X", product_id_type="1", opened=OPENED
    )

    catalogue.purge()

    assert len(catalogue) == 0
    assert catalogue.listings() == []


def test_a_snapshot_does_not_see_later_changes() -> None:
    catalogue = Catalogue.generate("A1SELLER", US, seed=1, size=5)
    sku = catalogue.listings()[0].sku
    snapshot = catalogue.snapshot()

    catalogue.set_price(sku, Decimal("1.00"))
    catalogue.delete(catalogue.listings()[1].sku)

    assert len(list(snapshot)) == 5
    assert next(iter(snapshot)).price != Decimal("1.00")


def test_a_million_listing_catalogue_costs_nothing_until_walked() -> None:
    catalogue = Catalogue.generate("A1SELLER", US, seed=1, size=1_000_000)

    first = next(iter(catalogue.snapshot()))
    prefix = first.sku.rsplit("-", 1)[0]

    assert len(catalogue) == 1_000_000
    assert first.sku == f"{prefix}-000000"
    assert catalogue.get(f"{prefix}-999999") is not None
    assert catalogue.get(f"{prefix}-1000000") is None


def test_sample_is_deterministic_and_spread_over_the_catalogue() -> None:
    catalogue = Catalogue.generate("A1SELLER", US, seed=1, size=10_000)
    snapshot = catalogue.snapshot()

    sample = snapshot.sample(50, "salt")

    assert sample == snapshot.sample(50, "salt")
    assert len({listing.sku for listing in sample}) == 50
    assert sample[0].sku < catalogue.listings()[2_000].sku < sample[-1].sku
    assert len(Catalogue.generate("A1SELLER", US, seed=1, size=3).snapshot().sample(50, "s")) == 3


def test_concurrent_additions_are_all_kept_in_order() -> None:
    catalogue = Catalogue.generate("A1SELLER", US, seed=1, size=10)

    def add(prefix: str) -> None:
        for number in range(200):
            catalogue.upsert_product(
                f"{prefix}-{number:03d}",
                title=prefix,
                product_id=f"B0{prefix}{number:03d}",
                product_id_type="1",
                opened=OPENED,
            )

    threads = [threading.Thread(target=add, args=(prefix,)) for prefix in ("P", "Q", "R", "S")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    skus = [listing.sku for listing in catalogue.listings()]

    assert len(skus) == len(set(skus)) == 810
    assert skus == sorted(skus)


def test_product_text_loses_control_characters_and_bad_skus_are_refused() -> None:
    catalogue = Catalogue.generate("A1SELLER", US, seed=1, size=1)

    listing = catalogue.upsert_product(
        "CLEAN-1",
        title="Tab\there\nand\x00there",
        product_id="B0CLEAN001",
        product_id_type="1",
        opened=OPENED,
    )

    assert listing.title == "Tab here andthere"
    with pytest.raises(ValueError, match="invalid SKU"):
        catalogue.upsert_product(
            "BAD\tSKU", title="x", product_id="B0X", product_id_type="1", opened=OPENED
        )
    with pytest.raises(ValueError, match="invalid SKU"):
        catalogue.upsert_product(
            "S" * 41, title="x", product_id="B0X", product_id_type="1", opened=OPENED
        )
