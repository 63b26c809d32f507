"""MWS regions, endpoint hosts and marketplace ids.

The developer guide lists four regions (NA, EU, FE, CN); marketplaces added later (MX, BR, AU,
AE, SG, NL, SE, PL, BE, TR, EG, SA) are placed in the region whose sellers they served. Within
a region, several marketplaces have their own host (CA, MX, IN, AE, AU, SG), so the host is a
property of the marketplace; a region's ``host`` is the endpoint the guide names for it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from types import MappingProxyType
from typing import Literal

RegionCode = Literal["NA", "EU", "FE", "CN"]

# SubmitFeed's Content-Type for flat files names the charset the marketplace reads them in.
LATIN_1 = "iso-8859-1"
SHIFT_JIS = "Shift_JIS"
UTF_8 = "UTF-8"


@dataclass(frozen=True)
class Marketplace:
    marketplace_id: str
    country_code: str  # ISO 3166-1 alpha-2 ("GB", not "UK")
    country: str
    domain: str
    host: str
    region: RegionCode
    # The charset of flat-file feeds (tab-separated values) for this marketplace.
    flat_file_charset: str
    # MarketplaceIdList is not used in Japan and China (guide, "Creating the Canonicalized
    # Query String"); requests there must leave it out.
    sends_marketplace_id_list: bool = True

    @cached_property
    def base_url(self) -> str:
        return f"https://{self.host}"


@dataclass(frozen=True)
class Region:
    code: RegionCode
    name: str
    host: str
    marketplace_ids: tuple[str, ...]

    @cached_property
    def base_url(self) -> str:
        return f"https://{self.host}"

    @property
    def marketplaces(self) -> tuple[Marketplace, ...]:
        return tuple(MARKETPLACES[mid] for mid in self.marketplace_ids)


def _mp(
    marketplace_id: str,
    country_code: str,
    country: str,
    domain: str,
    host: str,
    region: RegionCode,
    charset: str = LATIN_1,
    *,
    sends_marketplace_id_list: bool = True,
) -> Marketplace:
    return Marketplace(
        marketplace_id=marketplace_id,
        country_code=country_code,
        country=country,
        domain=domain,
        host=host,
        region=region,
        flat_file_charset=charset,
        sends_marketplace_id_list=sends_marketplace_id_list,
    )


_NA = "mws.amazonservices.com"
_EU = "mws-eu.amazonservices.com"

# Hosts and ids: the guide's tables, then the reference (section 1.2) for later marketplaces.
# Where libraries disagreed on a host (PED sends CA and MX to the US host) the marketplace's
# own host, which the official tables and real traffic used, wins.
_MARKETPLACE_LIST: tuple[Marketplace, ...] = (
    _mp("ATVPDKIKX0DER", "US", "United States", "www.amazon.com", _NA, "NA"),
    _mp("A2EUQ1WTGCTBG2", "CA", "Canada", "www.amazon.ca", "mws.amazonservices.ca", "NA"),
    _mp("A1AM78C64UM0Y8", "MX", "Mexico", "www.amazon.com.mx", "mws.amazonservices.com.mx", "NA"),
    _mp("A2Q3Y263D00KWC", "BR", "Brazil", "www.amazon.com.br", _NA, "NA"),
    _mp("A1F83G8C2ARO7P", "GB", "United Kingdom", "www.amazon.co.uk", _EU, "EU"),
    _mp("A1PA6795UKMFR9", "DE", "Germany", "www.amazon.de", _EU, "EU"),
    _mp("A13V1IB3VIYZZH", "FR", "France", "www.amazon.fr", _EU, "EU"),
    _mp("APJ6JRA9NG5V4", "IT", "Italy", "www.amazon.it", _EU, "EU"),
    _mp("A1RKKUPIHCS9HS", "ES", "Spain", "www.amazon.es", _EU, "EU"),
    _mp("A1805IZSGTT6HS", "NL", "Netherlands", "www.amazon.nl", _EU, "EU"),
    _mp("A2NODRKZP88ZB9", "SE", "Sweden", "www.amazon.se", _EU, "EU"),
    _mp("A1C3SOZRARQ6R3", "PL", "Poland", "www.amazon.pl", _EU, "EU"),
    _mp("AMEN7PMS3EDWL", "BE", "Belgium", "www.amazon.com.be", _EU, "EU"),
    _mp("A33AVAJ2PDY3EV", "TR", "Turkey", "www.amazon.com.tr", _EU, "EU"),
    _mp("ARBP9OOSHTCHU", "EG", "Egypt", "www.amazon.eg", _EU, "EU"),
    _mp("A17E79C6D8DWNP", "SA", "Saudi Arabia", "www.amazon.sa", _EU, "EU"),
    _mp(
        "A2VIGQ35RCS4UG",
        "AE",
        "United Arab Emirates",
        "www.amazon.ae",
        "mws.amazonservices.ae",
        "EU",
    ),
    _mp("A21TJRUUN4KGV", "IN", "India", "www.amazon.in", "mws.amazonservices.in", "EU"),
    _mp(
        "A1VC38T7YXB528",
        "JP",
        "Japan",
        "www.amazon.co.jp",
        "mws.amazonservices.jp",
        "FE",
        SHIFT_JIS,
        sends_marketplace_id_list=False,
    ),
    # The reference has no flat-file charset row for AU and SG; their reports came back as
    # UTF-8 (SG) or unlabelled (AU), so UTF-8 is the safer guess. Callers can always pass an
    # explicit content type to submit_feed.
    _mp(
        "A39IBJ37TRP1C6",
        "AU",
        "Australia",
        "www.amazon.com.au",
        "mws.amazonservices.com.au",
        "FE",
        UTF_8,
    ),
    _mp(
        "A19VAU5U5O7RUS",
        "SG",
        "Singapore",
        "www.amazon.sg",
        "mws-fe.amazonservices.com",
        "FE",
        UTF_8,
    ),
    _mp(
        "AAHKV2X7AFYLW",
        "CN",
        "China",
        "www.amazon.cn",
        "mws.amazonservices.com.cn",
        "CN",
        UTF_8,
        sends_marketplace_id_list=False,
    ),
)

MARKETPLACES: Mapping[str, Marketplace] = MappingProxyType(
    {m.marketplace_id: m for m in _MARKETPLACE_LIST}
)

REGIONS: Mapping[str, Region] = MappingProxyType(
    {
        region.code: region
        for region in (
            Region(
                "NA",
                "North America",
                _NA,
                tuple(m.marketplace_id for m in _MARKETPLACE_LIST if m.region == "NA"),
            ),
            Region(
                "EU",
                "Europe",
                _EU,
                tuple(m.marketplace_id for m in _MARKETPLACE_LIST if m.region == "EU"),
            ),
            Region(
                "FE",
                "Far East",
                "mws.amazonservices.jp",
                tuple(m.marketplace_id for m in _MARKETPLACE_LIST if m.region == "FE"),
            ),
            Region(
                "CN",
                "China",
                "mws.amazonservices.com.cn",
                tuple(m.marketplace_id for m in _MARKETPLACE_LIST if m.region == "CN"),
            ),
        )
    }
)

_BY_COUNTRY: Mapping[str, Marketplace] = MappingProxyType(
    {m.country_code: m for m in _MARKETPLACE_LIST} | {"UK": MARKETPLACES["A1F83G8C2ARO7P"]}
)


def marketplace_by_id(marketplace_id: str) -> Marketplace:
    """The marketplace with this MarketplaceId; ``KeyError`` when MWS never had it."""
    try:
        return MARKETPLACES[marketplace_id]
    except KeyError:
        raise KeyError(f"unknown MarketplaceId {marketplace_id!r}") from None


def marketplace_by_country(code: str) -> Marketplace:
    """The marketplace of a country code (ISO alpha-2, case-insensitive; "UK" is GB)."""
    try:
        return _BY_COUNTRY[code.strip().upper()]
    except KeyError:
        raise KeyError(f"no MWS marketplace for country code {code!r}") from None


def region_for_marketplace(marketplace_id: str) -> Region:
    return REGIONS[marketplace_by_id(marketplace_id).region]


def sends_marketplace_id_list(marketplace_or_region: Marketplace | Region) -> bool:
    """Whether requests to this marketplace (or to this region's own host) carry
    ``MarketplaceIdList``.

    For a region the answer is the one of the marketplaces its host serves: the FE region's
    host is the Japanese endpoint, so FE answers False, like CN.
    """
    if isinstance(marketplace_or_region, Marketplace):
        return marketplace_or_region.sends_marketplace_id_list
    served = [m for m in marketplace_or_region.marketplaces if m.host == marketplace_or_region.host]
    return all(m.sends_marketplace_id_list for m in served)
