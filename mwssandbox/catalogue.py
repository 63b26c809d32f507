"""One seller's listings in one marketplace: the state that reports show and feeds change.

A catalogue is generated, not stored: listing ``i`` is derived from a hash of (seller, seed, i)
for the product and of (seller, marketplace, seed, i) for the offer, so the same SKU carries the
same ASIN and brand in every marketplace of a seller while price, currency, stock and title
language are the marketplace's own. Only what feeds changed is kept in memory (overrides,
additions, deletions), which makes a catalogue of millions of listings as cheap as one of ten
and lets a listings report of gigabytes stream straight from it.

Charsets, time zones and the other per-marketplace traits the generated data needs live in
``LOCALES``; ids, names and currencies come from the sandbox's marketplace table.
"""

from __future__ import annotations

import bisect
import hashlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import NamedTuple
from zoneinfo import ZoneInfo

from mwssandbox.marketplaces import MARKETPLACES, Marketplace

# Flat-file item-condition codes (merchant listings reports) by the ConditionType names that
# product feeds use (amzn-base.xsd); 9 is unused in the flat-file tables.
CONDITION_CODES: dict[str, str] = {
    "UsedLikeNew": "1",
    "UsedVeryGood": "2",
    "UsedGood": "3",
    "UsedAcceptable": "4",
    "CollectibleLikeNew": "5",
    "CollectibleVeryGood": "6",
    "CollectibleGood": "7",
    "CollectibleAcceptable": "8",
    "Refurbished": "10",
    "New": "11",
}
CONDITION_NAMES: dict[str, str] = {code: name for name, code in CONDITION_CODES.items()}

# product-id-type codes of the flat-file listings reports, by StandardProductID/Type.
PRODUCT_ID_TYPES: dict[str, str] = {"ASIN": "1", "ISBN": "2", "UPC": "3", "EAN": "4"}

MFN_CHANNEL = "DEFAULT"


@dataclass(frozen=True)
class Locale:
    """What generated data needs to look local: charset, clock, language, numbers."""

    charset: str  # Python codec for flat files in this marketplace
    charset_label: str  # the charset name MWS put in Content-Type
    timezone: str
    language: str  # vocabulary used for titles
    afn_channel: str  # fulfillment-channel of Amazon-fulfilled listings
    price_factor: Decimal  # rough exchange rate from USD, to keep prices plausible
    decimals: int
    tax_rate: Decimal
    order_prefixes: tuple[int, ...]  # first group of amazon-order-id


# Observed report charsets (reference 2.11): windows-1252 in NA and EU, windows-31j in JP, UTF-8
# in the Far East. CN and IN were never observed; UTF-8 is the only charset that can carry Chinese
# text, and IN stays with its region's windows-1252 like the other EU-region hosts.
_CP1252 = ("cp1252", "windows-1252")
_CP932 = ("cp932", "windows-31j")
_UTF8 = ("utf-8", "UTF-8")


def _locale(
    charset: tuple[str, str],
    tz: str,
    lang: str,
    afn: str,
    factor: str,
    tax: str,
    prefixes: tuple[int, ...],
    decimals: int = 2,
) -> Locale:
    return Locale(
        charset[0], charset[1], tz, lang, afn, Decimal(factor), decimals, Decimal(tax), prefixes
    )


LOCALES: dict[str, Locale] = {
    "US": _locale(
        _CP1252, "America/Los_Angeles", "en", "AMAZON_NA", "1", "0.0825", (111, 112, 113, 114)
    ),
    "CA": _locale(_CP1252, "America/Los_Angeles", "en", "AMAZON_NA", "1.35", "0.13", (701, 702)),
    "MX": _locale(_CP1252, "America/Los_Angeles", "es", "AMAZON_NA", "20", "0.16", (701, 702)),
    "BR": _locale(_CP1252, "America/Los_Angeles", "pt", "AMAZON_NA", "5", "0", (701, 702)),
    "GB": _locale(
        _CP1252, "Europe/London", "en", "AMAZON_EU", "0.8", "0.20", (202, 203, 204, 205, 206)
    ),
    "DE": _locale(
        _CP1252, "Europe/Berlin", "de", "AMAZON_EU", "0.9", "0.19", (302, 303, 304, 305, 306)
    ),
    "FR": _locale(
        _CP1252, "Europe/Paris", "fr", "AMAZON_EU", "0.9", "0.20", (402, 403, 404, 405, 407)
    ),
    "IT": _locale(
        _CP1252, "Europe/Rome", "it", "AMAZON_EU", "0.9", "0.22", (402, 403, 404, 405, 408)
    ),
    "ES": _locale(
        _CP1252, "Europe/Madrid", "es", "AMAZON_EU", "0.9", "0.21", (402, 403, 404, 405, 406)
    ),
    "NL": _locale(_CP1252, "Europe/Amsterdam", "en", "AMAZON_EU", "0.9", "0.21", (402, 403, 404)),
    "SE": _locale(_CP1252, "Europe/Stockholm", "en", "AMAZON_EU", "10", "0.25", (402, 403, 404)),
    "PL": _locale(_CP1252, "Europe/Warsaw", "en", "AMAZON_EU", "4", "0.23", (402, 403, 404)),
    "BE": _locale(_CP1252, "Europe/Brussels", "fr", "AMAZON_EU", "0.9", "0.21", (402, 403, 404)),
    "TR": _locale(_CP1252, "Europe/Istanbul", "en", "AMAZON_EU", "8", "0.18", (402, 403)),
    "EG": _locale(_CP1252, "Africa/Cairo", "en", "AMAZON_EU", "16", "0.14", (402, 403)),
    "SA": _locale(_CP1252, "Asia/Riyadh", "en", "AMAZON_EU", "3.75", "0.15", (402, 403)),
    "AE": _locale(_CP1252, "Asia/Dubai", "en", "AMAZON_EU", "3.67", "0.05", (402, 403)),
    "IN": _locale(_CP1252, "Asia/Kolkata", "en", "AMAZON_IN", "75", "0.18", (402, 403, 404)),
    "JP": _locale(_CP932, "Asia/Tokyo", "ja", "AMAZON_FE", "110", "0.10", (249, 250, 503), 0),
    "AU": _locale(_UTF8, "Australia/Sydney", "en", "AMAZON_FE", "1.45", "0.10", (249, 250)),
    "SG": _locale(_UTF8, "Asia/Singapore", "en", "AMAZON_FE", "1.38", "0.07", (249, 250)),
    "CN": _locale(_UTF8, "Asia/Shanghai", "zh", "AMAZON_CN", "7", "0.13", (249, 250)),
}


def marketplace(marketplace_id: str) -> Marketplace:
    try:
        return MARKETPLACES[marketplace_id]
    except KeyError:
        raise ValueError(f"unknown marketplace id {marketplace_id!r}") from None


def locale_of(marketplace_id: str) -> Locale:
    return LOCALES[marketplace(marketplace_id).country]


# Brand names carry accents on purpose: é, ü, ñ, ø and ß differ between windows-1252, ISO-8859-1
# and UTF-8, so a client that decodes with the wrong charset shows it at once. A brand is the
# same in every marketplace that can spell it; Japanese and Chinese marketplaces get their own.
_LATIN_BRANDS = (
    "Café Lumière",
    "Nordvik",
    "Müller & Söhne",
    "Señor Verde",
    "Brightwell",
    "Ærø Living",
)


@dataclass(frozen=True)
class _Vocabulary:
    brands: tuple[str, ...]
    adjectives: tuple[str, ...]
    nouns: tuple[str, ...]
    variants: tuple[str, ...]
    description: str  # format string with {brand}, {noun}
    japanese_order: bool = False


_VOCABULARIES: dict[str, _Vocabulary] = {
    "en": _Vocabulary(
        _LATIN_BRANDS,
        ("Stainless Steel", "Bamboo", "Insulated", "Foldable", "Ceramic", "Waterproof"),
        (
            "Water Bottle",
            "Cutting Board",
            "Travel Mug",
            "Laundry Basket",
            "Tea Infuser",
            "Lunch Box",
        ),
        ("750 ml", "Pack of 2", "Large", "Blue", "Charcoal Grey", "Set of 4"),
        "{brand} {noun} - designed for everyday use, easy to clean, 2-year warranty.",
    ),
    "de": _Vocabulary(
        _LATIN_BRANDS,
        ("Edelstahl", "Bambus", "Isolierte", "Faltbare", "Keramik", "Wasserdichte"),
        ("Trinkflasche", "Schneidebrett", "Thermobecher", "Wäschekorb", "Teesieb", "Brotdose"),
        ("750 ml", "2er-Pack", "Groß", "Blau", "Anthrazit", "4-teilig"),
        "{brand} {noun} für den täglichen Gebrauch, spülmaschinenfest, Preis inkl. MwSt. in €.",
    ),
    "fr": _Vocabulary(
        _LATIN_BRANDS,
        ("en Inox", "en Bambou", "Isotherme", "Pliable", "en Céramique", "Étanche"),
        (
            "Gourde",
            "Planche à Découper",
            "Mug de Voyage",
            "Panier à Linge",
            "Boule à Thé",
            "Boîte Déjeuner",
        ),
        ("750 ml", "Lot de 2", "Grand", "Bleu", "Gris Anthracite", "Ensemble de 4"),
        "{noun} {brand} : idéale au quotidien, facile à nettoyer, garantie 2 ans.",
    ),
    "es": _Vocabulary(
        _LATIN_BRANDS,
        ("de Acero Inoxidable", "de Bambú", "Térmica", "Plegable", "de Cerámica", "Impermeable"),
        (
            "Botella de Agua",
            "Tabla de Cortar",
            "Taza de Viaje",
            "Cesta de Ropa",
            "Infusor de Té",
            "Fiambrera",
        ),
        ("750 ml", "Pack de 2", "Grande", "Azul", "Gris Antracita", "Juego de 4"),
        "{noun} {brand}: diseñada para el día a día, fácil de limpiar, garantía de 2 años.",
    ),
    "it": _Vocabulary(
        _LATIN_BRANDS,
        ("in Acciaio Inox", "in Bambù", "Termica", "Pieghevole", "in Ceramica", "Impermeabile"),
        (
            "Borraccia",
            "Tagliere",
            "Tazza da Viaggio",
            "Cesto Portabiancheria",
            "Infusore per Tè",
            "Portapranzo",
        ),
        ("750 ml", "Confezione da 2", "Grande", "Blu", "Grigio Antracite", "Set da 4"),
        "{noun} {brand}: pensata per l'uso quotidiano, facile da pulire, garanzia di 2 anni.",
    ),
    "pt": _Vocabulary(
        _LATIN_BRANDS,
        ("de Aço Inoxidável", "de Bambu", "Térmica", "Dobrável", "de Cerâmica", "Impermeável"),
        (
            "Garrafa de Água",
            "Tábua de Corte",
            "Caneca de Viagem",
            "Cesto de Roupa",
            "Infusor de Chá",
            "Marmita",
        ),
        ("750 ml", "Kit com 2", "Grande", "Azul", "Cinza Grafite", "Conjunto de 4"),
        "{noun} {brand}: feita para o dia a dia, fácil de limpar, garantia de 2 anos.",
    ),
    "ja": _Vocabulary(
        ("アイリス", "サーモス工房", "ニトリ生活", "Nordvik", "山田製作所", "和の暮らし"),
        ("ステンレス製", "竹製", "保温保冷", "折りたたみ式", "陶器製", "防水"),
        ("水筒", "まな板", "タンブラー", "ランドリーバスケット", "茶こし", "弁当箱"),
        ("750ml", "2個セット", "大型", "ブルー", "チャコールグレー", "4点セット"),
        "{brand}の{noun}。毎日使いやすく、お手入れ簡単。保証期間2年。",
        japanese_order=True,
    ),
    "zh": _Vocabulary(
        ("北欧生活", "竹韵", "Nordvik", "家居优品", "青花瓷坊", "清风"),
        ("不锈钢", "竹制", "保温", "可折叠", "陶瓷", "防水"),
        ("水杯", "砧板", "旅行杯", "洗衣篮", "茶漏", "饭盒"),
        ("750毫升", "2只装", "大号", "蓝色", "炭灰色", "4件套"),
        "{brand}{noun}。日常使用、易于清洗、保修两年。",
        japanese_order=True,
    ),
}

# Open dates fall in the four years before this instant, so generated catalogues look like an
# established seller's at the time MWS was in use and stay identical from one run to the next.
CATALOGUE_EPOCH = datetime(2020, 6, 1, tzinfo=UTC)
_OPEN_SPAN_SECONDS = 4 * 365 * 86400

_IMAGE_BASE = "http://ecx.images-amazon.com/images/I/"
_BASE36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_BASE36_PAIRS = tuple(high + low for high in _BASE36 for low in _BASE36)


def _base36(number: int, width: int) -> str:
    """The last ``width`` base-36 digits of ``number``, two digits per step for speed."""
    pairs = []
    for _ in range((width + 1) // 2):
        number, pair = divmod(number, 1296)
        pairs.append(_BASE36_PAIRS[pair])
    return "".join(reversed(pairs))[-width:]


def _hash(*parts: object) -> int:
    data = "\x1f".join(map(str, parts)).encode()
    return int.from_bytes(hashlib.blake2b(data, digest_size=32).digest(), "big")


_CONTROL = {code: None for code in range(32)} | {9: " ", 10: " ", 13: " "}


def clean_text(text: str) -> str:
    """Text as listings keep it: control characters out, tabs and line breaks as spaces.

    Reports are tab-separated lines built from byte templates; a stray control character from
    a feed would break a row or a template.
    """
    return text.translate(_CONTROL)


def valid_sku(sku: str) -> bool:
    """1-40 characters without control characters (Inventory.xsd: SKU is 1-40 characters)."""
    return 0 < len(sku) <= 40 and clean_text(sku) == sku


def _gtin_check_digit(body: str) -> str:
    # GS1 check digit: weights 3 and 1 alternate from the rightmost digit of the body.
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return str((10 - total % 10) % 10)


class _Draws:
    """Successive small random choices carved out of one 256-bit hash value (enough for a
    listing's dozen draws; a value run dry would silently yield zeros)."""

    def __init__(self, value: int) -> None:
        self._value = value

    def below(self, bound: int) -> int:
        self._value, result = divmod(self._value, bound)
        return result

    def pick(self, options: tuple[str, ...]) -> str:
        return options[self.below(len(options))]


class Listing(NamedTuple):
    """One listing. Immutable; a NamedTuple rather than a frozen dataclass because it builds
    ten times faster, and listings reports and feeds build millions of them."""

    sku: str
    asin: str
    title: str
    description: str
    brand: str
    price: Decimal | None  # None: product data only, no offer yet
    currency: str
    quantity: int  # merchant stock, or fulfillable units for Amazon-fulfilled listings
    fulfillment_latency: int | None  # handling days; None when Amazon fulfils
    condition: str  # item-condition code, see CONDITION_CODES
    open_date: datetime
    fulfillment_channel: str  # "DEFAULT" (merchant) or the region's AMAZON_* channel
    product_id: str
    product_id_type: str  # flat-file code, see PRODUCT_ID_TYPES
    listing_id: str
    fnsku: str
    image_url: str
    # The feed that last set the stock or price: MWS skips an update identical to the one a
    # feed already made and says so with a warning naming that feed.
    inventory_feed: str | None = None
    price_feed: str | None = None

    @property
    def is_afn(self) -> bool:
        return self.fulfillment_channel != MFN_CHANNEL

    @property
    def is_active(self) -> bool:
        return self.price is not None and self.quantity > 0

    @property
    def status(self) -> str:
        return "Active" if self.is_active else "Inactive"


@dataclass(frozen=True)
class _Generator:
    """Derives base listing ``i`` of one catalogue; immutable, so snapshots can share it."""

    seller_id: str
    marketplace_id: str
    seed: int
    size: int
    sku_prefix: str
    sku_width: int

    def sku(self, index: int) -> str:
        return f"{self.sku_prefix}-{index:0{self.sku_width}d}"

    def index(self, sku: str) -> int | None:
        prefix, _, digits = sku.rpartition("-")
        if prefix != self.sku_prefix or len(digits) != self.sku_width or not digits.isdigit():
            return None
        index = int(digits)
        return index if index < self.size else None

    def listing(self, index: int) -> Listing:
        mp = MARKETPLACES[self.marketplace_id]
        loc = LOCALES[mp.country]
        words = _VOCABULARIES[loc.language]
        product = _Draws(_hash("product", self.seller_id, self.seed, index))
        offer = _Draws(_hash("offer", self.seller_id, self.marketplace_id, self.seed, index))

        brand = product.pick(words.brands)
        adjective = product.pick(words.adjectives)
        noun = product.pick(words.nouns)
        variant = product.pick(words.variants)
        if words.japanese_order:
            title = f"{brand} {adjective}{noun} {variant}"
        else:
            title = f"{brand} {adjective} {noun}, {variant}"
        # A multiplier coprime to 36**8 makes the ASIN a bijection of the index: never shared.
        asin_number = (index * 1_000_003 + product.below(36**8)) % 36**8
        asin = "B0" + _base36(asin_number, 8)
        id_kind = product.below(10)
        if id_kind < 7:
            product_id, id_type = asin, PRODUCT_ID_TYPES["ASIN"]
        elif id_kind < 9:
            body = f"{product.below(10**12):012d}"
            product_id, id_type = body + _gtin_check_digit(body), PRODUCT_ID_TYPES["EAN"]
        else:
            body = f"{product.below(10**11):011d}"
            product_id, id_type = body + _gtin_check_digit(body), PRODUCT_ID_TYPES["UPC"]

        # The product sets the price level, the marketplace adds up to 10% either way.
        usd_cents = (499 + product.below(14_500)) * (90 + offer.below(21)) // 100
        price = _local_price(Decimal(usd_cents) / 100, loc)
        afn = offer.below(4) == 0
        stock_roll = offer.below(12)
        quantity = 0 if stock_roll == 0 else 1 + offer.below(40 if stock_roll < 9 else 400)
        condition = "11" if offer.below(8) else offer.pick(("1", "2", "3", "4", "10"))
        opened = CATALOGUE_EPOCH - timedelta(seconds=offer.below(_OPEN_SPAN_SECONDS))
        return Listing(
            sku=self.sku(index),
            asin=asin,
            title=title,
            description=words.description.format(brand=brand, noun=noun),
            brand=brand,
            price=price,
            currency=mp.currency,
            quantity=quantity,
            fulfillment_latency=None if afn else 1 + offer.below(3),
            condition=condition,
            open_date=opened,
            fulfillment_channel=loc.afn_channel if afn else MFN_CHANNEL,
            product_id=product_id,
            product_id_type=id_type,
            listing_id=f"{opened.month:02d}{opened.day:02d}{_base36(offer.below(36**7), 7)}",
            fnsku="X00" + _base36(offer.below(36**7), 7),
            image_url=f"{_IMAGE_BASE}{_base36(product.below(36**9), 9)}.jpg",
        )


def _local_price(usd: Decimal, loc: Locale) -> Decimal:
    amount = usd * loc.price_factor
    if loc.decimals == 0:
        # Yen prices end in 80 like so many real ones, e.g. 1980.
        return Decimal(int(amount / 100) * 100 + 80)
    # Charm pricing (x.99 / x.49) keeps prices looking hand-set.
    whole = int(amount)
    return Decimal(whole) + (Decimal("0.99") if whole % 2 else Decimal("0.49"))


@dataclass(frozen=True)
class CatalogueSnapshot:
    """A consistent, immutable view of a catalogue, cheap to take and to iterate lazily."""

    seller_id: str
    marketplace_id: str
    _generator: _Generator
    _overrides: dict[str, Listing]
    _deleted: frozenset[str]
    _added: tuple[str, ...]  # sorted SKUs that are not base SKUs

    def __len__(self) -> int:
        return self._generator.size - len(self._deleted) + len(self._added)

    def __iter__(self) -> Iterator[Listing]:
        """Listings in SKU order: the base range merged with listings that feeds added."""
        added = iter(self._added)
        next_added = next(added, None)
        generator, overrides, deleted = self._generator, self._overrides, self._deleted
        for index in range(generator.size):
            sku = generator.sku(index)
            while next_added is not None and next_added < sku:
                yield overrides[next_added]
                next_added = next(added, None)
            if sku in deleted:
                continue
            override = overrides.get(sku)
            yield override if override is not None else generator.listing(index)
        while next_added is not None:
            yield overrides[next_added]
            next_added = next(added, None)

    def sample(self, count: int, salt: object) -> list[Listing]:
        """Up to ``count`` listings spread over the catalogue, without walking all of it."""
        total = len(self)
        if total == 0 or count <= 0:
            return []
        if total <= count:
            return list(self)
        if total <= count * 4:
            listings = list(self)
            start = _hash("sample", salt) % total
            return sorted(
                (listings[(start + k * total // count) % total] for k in range(count)),
                key=lambda listing: listing.sku,
            )
        picked: dict[str, Listing] = {}
        attempt = 0
        while len(picked) < count and attempt < count * 8:
            draw = _hash("sample", salt, attempt) % (self._generator.size + len(self._added))
            attempt += 1
            if draw < self._generator.size:
                sku = self._generator.sku(draw)
                if sku in self._deleted:
                    continue
                override = self._overrides.get(sku)
                picked[sku] = override if override is not None else self._generator.listing(draw)
            else:
                sku = self._added[draw - self._generator.size]
                picked[sku] = self._overrides[sku]
        return [picked[sku] for sku in sorted(picked)]


class Catalogue:
    """The listings of one seller in one marketplace; safe to share between threads."""

    def __init__(self, generator: _Generator) -> None:
        self._generator = generator
        self._lock = threading.RLock()
        self._overrides: dict[str, Listing] = {}
        self._deleted: set[str] = set()
        self._added: list[str] = []

    @classmethod
    def generate(cls, seller_id: str, marketplace_id: str, *, seed: int, size: int) -> Catalogue:
        marketplace(marketplace_id)  # reject unknown marketplaces before anything is derived
        if size < 0:
            raise ValueError("a catalogue cannot have a negative size")
        # The prefix depends on the seller and seed only, so a seller's SKUs are the same in
        # every marketplace and a multi-marketplace feed finds them all.
        draws = _Draws(_hash("sku-prefix", seller_id, seed))
        prefix = "".join(_BASE36[10 + draws.below(26)] for _ in range(3))
        width = max(5, len(str(max(size - 1, 0))))
        return cls(_Generator(seller_id, marketplace_id, seed, size, prefix, width))

    @property
    def seller_id(self) -> str:
        return self._generator.seller_id

    @property
    def marketplace_id(self) -> str:
        return self._generator.marketplace_id

    @property
    def marketplace(self) -> Marketplace:
        return MARKETPLACES[self._generator.marketplace_id]

    @property
    def locale(self) -> Locale:
        return LOCALES[self.marketplace.country]

    @property
    def currency(self) -> str:
        return self.marketplace.currency

    def __len__(self) -> int:
        with self._lock:
            return self._generator.size - len(self._deleted) + len(self._added)

    def __contains__(self, sku: object) -> bool:
        if not isinstance(sku, str):
            return False
        # Answered without deriving the listing: feed processing asks this for every message.
        with self._lock:
            if sku in self._overrides:
                return True
            return sku not in self._deleted and self._generator.index(sku) is not None

    def snapshot(self) -> CatalogueSnapshot:
        with self._lock:
            return CatalogueSnapshot(
                self.seller_id,
                self.marketplace_id,
                self._generator,
                dict(self._overrides),
                frozenset(self._deleted),
                tuple(self._added),
            )

    def listings(self) -> list[Listing]:
        """Every listing, ordered by SKU (materialised: prefer ``snapshot()`` for large ones)."""
        return list(self.snapshot())

    def get(self, sku: str) -> Listing | None:
        with self._lock:
            return self._get(sku)

    def _get(self, sku: str) -> Listing | None:
        override = self._overrides.get(sku)
        if override is not None:
            return override
        if sku in self._deleted:
            return None
        index = self._generator.index(sku)
        return None if index is None else self._generator.listing(index)

    def _put(self, listing: Listing) -> Listing:
        sku = listing.sku
        if self._generator.index(sku) is None:
            if sku not in self._overrides:
                bisect.insort(self._added, sku)
        else:
            self._deleted.discard(sku)
        self._overrides[sku] = listing
        return listing

    def _require(self, sku: str) -> Listing:
        listing = self._get(sku)
        if listing is None:
            raise KeyError(sku)
        return listing

    def set_inventory(
        self,
        sku: str,
        *,
        quantity: int | None = None,
        fulfillment_latency: int | None = None,
        fulfillment_channel: str | None = None,
        feed: str | None = None,
    ) -> Listing:
        """Change stock, handling time or fulfilment channel; KeyError for an unknown SKU."""
        with self._lock:
            current = self._require(sku)
            channel = fulfillment_channel or current.fulfillment_channel
            latency = current.fulfillment_latency
            if fulfillment_latency is not None:
                latency = fulfillment_latency
            return self._put(
                current._replace(
                    quantity=current.quantity if quantity is None else quantity,
                    fulfillment_latency=None if channel != MFN_CHANNEL else latency,
                    fulfillment_channel=channel,
                    inventory_feed=feed,
                )
            )

    def set_price(self, sku: str, price: Decimal, *, feed: str | None = None) -> Listing:
        with self._lock:
            return self._put(self._require(sku)._replace(price=price, price_feed=feed))

    def upsert_product(
        self,
        sku: str,
        *,
        title: str | None = None,
        brand: str | None = None,
        description: str | None = None,
        product_id: str | None = None,
        product_id_type: str | None = None,
        condition: str | None = None,
        opened: datetime,
    ) -> Listing:
        """Create a listing from product data or update the product data of an existing one.

        A new listing has no offer yet (no price, no stock), as on Amazon, where a product feed
        alone leaves the listing inactive until a price and inventory arrive.
        """
        if not valid_sku(sku):
            raise ValueError(f"invalid SKU {sku!r}")
        title, brand, description = (
            None if text is None else clean_text(text) for text in (title, brand, description)
        )
        with self._lock:
            current = self._get(sku)
            if current is None:
                if title is None or product_id is None or product_id_type is None:
                    raise ValueError("a new listing needs a title and a product id")
                return self._put(self._new_listing(sku, title, product_id, product_id_type, opened))
            changes: dict[str, object] = {
                name: value
                for name, value in (
                    ("title", title),
                    ("brand", brand),
                    ("description", description),
                    ("product_id", product_id),
                    ("product_id_type", product_id_type),
                    ("condition", condition),
                )
                if value is not None
            }
            if product_id is not None and product_id_type == PRODUCT_ID_TYPES["ASIN"]:
                changes["asin"] = product_id
            return self._put(current._replace(**changes))

    def _new_listing(
        self, sku: str, title: str, product_id: str, product_id_type: str, opened: datetime
    ) -> Listing:
        draws = _Draws(_hash("added", self.seller_id, self.marketplace_id, sku, product_id))
        if product_id_type == PRODUCT_ID_TYPES["ASIN"]:
            asin = product_id
        else:
            # Amazon matches a UPC/EAN to its ASIN; the same code always maps to the same ASIN.
            asin = "B0" + _base36(_hash("asin", product_id) % 36**8, 8)
        opened = opened.astimezone(UTC).replace(microsecond=0)
        return Listing(
            sku=sku,
            asin=asin,
            title=title,
            description="",
            brand="",
            price=None,
            currency=self.currency,
            quantity=0,
            fulfillment_latency=None,
            condition=CONDITION_CODES["New"],
            open_date=opened,
            fulfillment_channel=MFN_CHANNEL,
            product_id=product_id,
            product_id_type=product_id_type,
            listing_id=f"{opened.month:02d}{opened.day:02d}{_base36(draws.below(36**7), 7)}",
            fnsku="X00" + _base36(draws.below(36**7), 7),
            image_url="",
        )

    def delete(self, sku: str) -> bool:
        with self._lock:
            if self._get(sku) is None:
                return False
            self._overrides.pop(sku, None)
            if self._generator.index(sku) is None:
                self._added.remove(sku)
            else:
                self._deleted.add(sku)
            return True

    def purge(self) -> None:
        """Remove every listing (PurgeAndReplace): the base range is dropped, not tombstoned."""
        with self._lock:
            self._generator = replace(self._generator, size=0)
            self._overrides.clear()
            self._deleted.clear()
            self._added.clear()


def local_time(moment: datetime, marketplace_id: str) -> datetime:
    """``moment`` on the marketplace's wall clock (reports show local open dates)."""
    return moment.astimezone(ZoneInfo(locale_of(marketplace_id).timezone))
