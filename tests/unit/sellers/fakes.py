"""A stand-in for MWSClient at the boundary of sellers.services, for unit tests.

Integration tests talk to the sandbox; these tests check how the services read pages and
word failures without a server.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from mwsclient.results import (
    ListMarketplaceParticipationsResult,
    MarketplaceInfo,
    Participation,
)


def marketplace(marketplace_id: str, name: str, country: str, currency: str) -> MarketplaceInfo:
    return MarketplaceInfo(
        marketplace_id=marketplace_id,
        name=name,
        default_country_code=country,
        default_currency_code=currency,
        default_language_code=f"en_{country}",
        domain_name=f"www.{name.lower()}",
    )


US = marketplace("ATVPDKIKX0DER", "Amazon.com", "US", "USD")
CA = marketplace("A2EUQ1WTGCTBG2", "Amazon.ca", "CA", "CAD")
DE = marketplace("A1PA6795UKMFR9", "Amazon.de", "DE", "EUR")


def page(
    *marketplaces: MarketplaceInfo,
    suspended: tuple[str, ...] = (),
    next_token: str | None = None,
    seller_id: str = "A1SELLER00000001",
) -> ListMarketplaceParticipationsResult:
    return ListMarketplaceParticipationsResult(
        participations=tuple(
            Participation(m.marketplace_id, seller_id, m.marketplace_id in suspended)
            for m in marketplaces
        ),
        marketplaces=marketplaces,
        next_token=next_token,
    )


@dataclass
class FakeClient:
    """Answers ListMarketplaceParticipations with ``pages`` (the ByNextToken twin with the page
    after the one whose NextToken it got), or raises ``error``."""

    pages: list[ListMarketplaceParticipationsResult] = field(default_factory=list)
    error: Exception | None = None
    calls: list[dict[str, Any]] = field(default_factory=list)

    def __enter__(self) -> FakeClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        return None

    def call(
        self, operation: str, *, params: dict[str, Any] | None = None, **kwargs: Any
    ) -> SimpleNamespace:
        self.calls.append(
            {"operation": operation, **kwargs, **({"params": params} if params else {})}
        )
        if self.error is not None:
            raise self.error
        if not params:
            return SimpleNamespace(result=self.pages[0])
        tokens = [p.next_token for p in self.pages]
        return SimpleNamespace(result=self.pages[tokens.index(params["NextToken"]) + 1])
