"""The client reads proxy settings from the environment once per host, not on every call."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from mwsclient.client import MWSClient
from mwsclient.results import CountResult

from .conftest import AUTH_TOKEN, SELLER
from .server import ScriptedServer
from .test_client_calls import ok

MakeClient = Callable[..., MWSClient]
# Nothing listens here: a request that reaches it fails.
UNUSED = "http://127.0.0.1:9"


def count(client: MWSClient) -> CountResult:
    return client.call("GetReportCount", seller_id=SELLER, auth_token=AUTH_TOKEN).result


def test_calls_go_through_the_proxy_the_environment_names(
    server: ScriptedServer, make_client: MakeClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", server.url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    server.reply(ok("GetReportCount"), ok("GetReportCount"))
    client = make_client(endpoint=UNUSED)
    assert count(client) == CountResult(12)
    # Resolved when the client first met the host: a later change of the environment does
    # not cost (or change) anything per call.
    monkeypatch.delenv("HTTP_PROXY")
    assert count(client) == CountResult(12)
    assert [request.path for request in server.received] == ["/Reports/2009-01-01"] * 2


def test_no_proxy_still_sends_straight_to_the_host(
    server: ScriptedServer, make_client: MakeClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", UNUSED)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    server.reply(ok("GetReportCount"))
    assert count(make_client()) == CountResult(12)
    assert len(server.received) == 1


def test_the_environment_is_not_read_per_call(
    server: ScriptedServer, make_client: MakeClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    import requests.utils

    lookups: list[str] = []
    real = requests.utils.get_environ_proxies

    def counting(url: str, no_proxy: str | None = None) -> dict[str, str]:
        lookups.append(url)
        return real(url, no_proxy)

    monkeypatch.setattr(requests.utils, "get_environ_proxies", counting)
    server.reply(*[ok("GetReportCount")] * 3)
    client = make_client()
    for _ in range(3):
        count(client)
    assert lookups == [server.url]
