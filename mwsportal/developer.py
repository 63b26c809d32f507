"""The operator's MWS developer account, from settings, and MWS clients built on it.

The account lives in settings (environment variables or ``_FILE`` secrets), never in the
database: a database dump must not be enough to sign MWS calls. A region may have its own
account (``MWS_EU_ACCESS_KEY_ID`` ...); every other region uses the ``MWS_*`` one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from mwsclient.client import Credentials, MWSClient
from mwsclient.endpoints import REGIONS
from mwsclient.redaction import partial


@dataclass(frozen=True)
class DeveloperAccount:
    access_key_id: str
    secret_key: str = field(repr=False)
    developer_id: str
    developer_name: str

    def __repr__(self) -> str:
        return (
            f"DeveloperAccount(access_key_id={partial(self.access_key_id)!r}, secret_key='***', "
            f"developer_id={self.developer_id!r}, developer_name={self.developer_name!r})"
        )

    @property
    def credentials(self) -> Credentials:
        return Credentials(access_key_id=self.access_key_id, secret_key=self.secret_key)


def developer_account(region: str) -> DeveloperAccount:
    """The developer account that sellers of ``region`` authorize."""
    if region not in REGIONS:
        raise ValueError(f"unknown MWS region {region!r}")
    override = settings.MWS_REGION_ACCOUNTS.get(region)
    if override:
        return DeveloperAccount(
            access_key_id=override["access_key_id"],
            secret_key=override["secret_key"],
            developer_id=override["developer_id"],
            developer_name=override["developer_name"],
        )
    return DeveloperAccount(
        access_key_id=settings.MWS_ACCESS_KEY_ID,
        secret_key=settings.MWS_SECRET_KEY,
        developer_id=settings.MWS_DEVELOPER_ID,
        developer_name=settings.MWS_DEVELOPER_NAME,
    )


def build_client(region: str, **client_options: Any) -> MWSClient:
    """An ``MWSClient`` for ``region``'s developer account, configured from settings.

    ``client_options`` are passed to ``MWSClient`` and win over the settings (a gateway passes
    its own ``observer`` or ``retry_policy``, a test its own ``timeout``).
    """
    options: dict[str, Any] = {
        "app_name": settings.MWS_APP_NAME,
        "app_version": settings.MWS_APP_VERSION,
        "endpoint": settings.MWS_ENDPOINT or None,
        "address_mws_hosts": settings.MWS_ENDPOINT_ADDRESSES_HOSTS,
        "timeout": settings.MWS_REQUEST_TIMEOUT,
        **client_options,
    }
    return MWSClient(developer_account(region).credentials, **options)
