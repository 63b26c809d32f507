"""Where a seller goes to authorize the portal's developer account, and what to enter there."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from mwsportal.developer import developer_account
from mwsportal.gateway.mws import REGIONS

# Seller Central of each MWS region (the hosts sellers signed in to when MWS was live).
SELLER_CENTRAL_HOSTS = {
    "NA": "https://sellercentral.amazon.com",
    "EU": "https://sellercentral-europe.amazon.com",
    "FE": "https://sellercentral.amazon.co.jp",
    "CN": "https://mai.amazon.cn",
}
# The "Authorize a developer" page; the sandbox serves its copy at the same path.
AUTHORIZE_PATH = "/gp/mws/registration/register.html"
PERMISSIONS_PATH = "/gp/mws/permissions.html"


def seller_central_base(region: str) -> str:
    """SELLER_CENTRAL_URL when set; else the sandbox when MWS_ENDPOINT points at one; else the
    region's real Seller Central."""
    if settings.SELLER_CENTRAL_URL:
        return settings.SELLER_CENTRAL_URL.rstrip("/")
    if settings.MWS_ENDPOINT:
        return settings.MWS_ENDPOINT.rstrip("/")
    return SELLER_CENTRAL_HOSTS[region]


@dataclass(frozen=True)
class AuthorizationGuide:
    region_code: str
    region_name: str
    marketplaces: str
    authorize_url: str
    permissions_url: str
    developer_name: str
    developer_id: str
    # Seller Central is not Amazon's but the endpoint's (in development, the MWS sandbox, whose
    # sign-in page lists its demo logins).
    local: bool


def authorization_guide(region: str) -> AuthorizationGuide:
    developer = developer_account(region)
    base = seller_central_base(region)
    return AuthorizationGuide(
        region_code=region,
        region_name=REGIONS[region].name,
        marketplaces=", ".join(m.domain.removeprefix("www.") for m in REGIONS[region].marketplaces),
        authorize_url=base + AUTHORIZE_PATH,
        permissions_url=base + PERMISSIONS_PATH,
        developer_name=developer.developer_name,
        developer_id=developer.developer_id,
        local=base not in SELLER_CENTRAL_HOSTS.values(),
    )
