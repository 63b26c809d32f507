"""The marketplaces the sandbox knows, as MWS described them in ListMarketplaces.

Ids, hosts and regions follow the reference (section 1.2) and the developer guide's endpoint
tables; the Marketplace datatype fields follow Sellers_Datatypes.
"""

from __future__ import annotations

from dataclasses import dataclass

REGIONS = ("NA", "EU", "FE", "CN")


@dataclass(frozen=True)
class Marketplace:
    marketplace_id: str
    country: str
    name: str
    domain: str
    currency: str
    language: str
    region: str


_ROWS = [
    ("ATVPDKIKX0DER", "US", "Amazon.com", "www.amazon.com", "USD", "en_US", "NA"),
    ("A2EUQ1WTGCTBG2", "CA", "Amazon.ca", "www.amazon.ca", "CAD", "en_CA", "NA"),
    ("A1AM78C64UM0Y8", "MX", "Amazon.com.mx", "www.amazon.com.mx", "MXN", "es_MX", "NA"),
    ("A2Q3Y263D00KWC", "BR", "Amazon.com.br", "www.amazon.com.br", "BRL", "pt_BR", "NA"),
    ("A1F83G8C2ARO7P", "GB", "Amazon.co.uk", "www.amazon.co.uk", "GBP", "en_GB", "EU"),
    ("A1PA6795UKMFR9", "DE", "Amazon.de", "www.amazon.de", "EUR", "de_DE", "EU"),
    ("A13V1IB3VIYZZH", "FR", "Amazon.fr", "www.amazon.fr", "EUR", "fr_FR", "EU"),
    ("APJ6JRA9NG5V4", "IT", "Amazon.it", "www.amazon.it", "EUR", "it_IT", "EU"),
    ("A1RKKUPIHCS9HS", "ES", "Amazon.es", "www.amazon.es", "EUR", "es_ES", "EU"),
    ("A1805IZSGTT6HS", "NL", "Amazon.nl", "www.amazon.nl", "EUR", "nl_NL", "EU"),
    ("A2NODRKZP88ZB9", "SE", "Amazon.se", "www.amazon.se", "SEK", "sv_SE", "EU"),
    ("A1C3SOZRARQ6R3", "PL", "Amazon.pl", "www.amazon.pl", "PLN", "pl_PL", "EU"),
    ("AMEN7PMS3EDWL", "BE", "Amazon.com.be", "www.amazon.com.be", "EUR", "fr_BE", "EU"),
    ("A33AVAJ2PDY3EV", "TR", "Amazon.com.tr", "www.amazon.com.tr", "TRY", "tr_TR", "EU"),
    ("ARBP9OOSHTCHU", "EG", "Amazon.eg", "www.amazon.eg", "EGP", "ar_EG", "EU"),
    ("A17E79C6D8DWNP", "SA", "Amazon.sa", "www.amazon.sa", "SAR", "ar_SA", "EU"),
    ("A2VIGQ35RCS4UG", "AE", "Amazon.ae", "www.amazon.ae", "AED", "en_AE", "EU"),
    ("A21TJRUUN4KGV", "IN", "Amazon.in", "www.amazon.in", "INR", "en_IN", "EU"),
    ("A1VC38T7YXB528", "JP", "Amazon.co.jp", "www.amazon.co.jp", "JPY", "ja_JP", "FE"),
    ("A39IBJ37TRP1C6", "AU", "Amazon.com.au", "www.amazon.com.au", "AUD", "en_AU", "FE"),
    ("A19VAU5U5O7RUS", "SG", "Amazon.sg", "www.amazon.sg", "SGD", "en_SG", "FE"),
    ("AAHKV2X7AFYLW", "CN", "Amazon.cn", "www.amazon.cn", "CNY", "zh_CN", "CN"),
]

MARKETPLACES: dict[str, Marketplace] = {row[0]: Marketplace(*row) for row in _ROWS}

# Marketplaces a seller account can participate in without selling there; recorded
# ListMarketplaceParticipations answers listed IBA beside Amazon.ca (reference section 1.2).
NON_RETAIL_MARKETPLACES: dict[str, Marketplace] = {
    "A6W85IYQ5WB1C": Marketplace(
        "A6W85IYQ5WB1C", "US", "IBA", "iba.login.amazon.com", "USD", "en_US", "NA"
    ),
}

# The developer guide: "the MarketplaceIdList parameter is not used in JP and CN".
MARKETPLACE_ID_LIST_IGNORED = frozenset({"A1VC38T7YXB528", "AAHKV2X7AFYLW"})

# The MWS host of each marketplace (reference 1.2); the sandbox answers on all of them.
HOSTS: dict[str, str] = {
    "ATVPDKIKX0DER": "mws.amazonservices.com",
    "A2EUQ1WTGCTBG2": "mws.amazonservices.ca",
    "A1AM78C64UM0Y8": "mws.amazonservices.com.mx",
    "A2Q3Y263D00KWC": "mws.amazonservices.com",
    **{
        m: "mws-eu.amazonservices.com"
        for m, row in MARKETPLACES.items()
        if row.region == "EU" and m not in ("A2VIGQ35RCS4UG", "A21TJRUUN4KGV")
    },
    "A2VIGQ35RCS4UG": "mws.amazonservices.ae",
    "A21TJRUUN4KGV": "mws.amazonservices.in",
    "A1VC38T7YXB528": "mws.amazonservices.jp",
    "A39IBJ37TRP1C6": "mws.amazonservices.com.au",
    "A19VAU5U5O7RUS": "mws-fe.amazonservices.com",
    "AAHKV2X7AFYLW": "mws.amazonservices.com.cn",
}
MWS_HOSTS = frozenset(HOSTS.values())
LIST_IGNORING_HOSTS = frozenset(HOSTS[m] for m in MARKETPLACE_ID_LIST_IGNORED)
