"""A deliberately small MWS client for the sandbox's tests.

It signs with its own few lines of Signature Version 2 (not ``mwsclient`` and not the
sandbox's ``signing`` module), so the server's check is tested against an independent reading of
the developer guide.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, urlsplit

import requests

USER_AGENT = "SandboxTests/1.0 (Language=Python/3.11; Platform=Linux)"
SECTIONS = {
    "Reports": ("/Reports/2009-01-01", "2009-01-01"),
    "Feeds": ("/Feeds/2009-01-01", "2009-01-01"),
    "Sellers": ("/Sellers/2011-07-01", "2011-07-01"),
}
FEEDS = {
    "SubmitFeed",
    "GetFeedSubmissionList",
    "GetFeedSubmissionListByNextToken",
    "GetFeedSubmissionCount",
    "CancelFeedSubmissions",
    "GetFeedSubmissionResult",
}
SELLERS = {
    "ListMarketplaceParticipations",
    "ListMarketplaceParticipationsByNextToken",
    "GetServiceStatus",
}
HASHES = {"HmacSHA256": hashlib.sha256, "HmacSHA1": hashlib.sha1}


def encode(value: str) -> str:
    return quote(value, safe="-_.~")


def sign(
    secret: str, method: str, host: str, path: str, params: Mapping[str, str], algorithm: str
) -> str:
    query = "&".join(f"{encode(k)}={encode(v)}" for k, v in sorted(params.items()))
    text = f"{method}\n{host.lower()}\n{path}\n{query}"
    mac = hmac.new(secret.encode(), text.encode(), HASHES[algorithm])
    return base64.b64encode(mac.digest()).decode()


def section_of(action: str) -> str:
    if action in FEEDS:
        return "Feeds"
    if action in SELLERS:
        return "Sellers"
    return "Reports"


@dataclass
class Client:
    base_url: str
    access_key: str
    secret: str
    seller_id: str
    token: str | None
    now: Callable[[], float]
    session: requests.Session | None = None

    def __post_init__(self) -> None:
        if self.session is None:
            self.session = requests.Session()

    def params(self, action: str, extra: Mapping[str, str] | None = None, **overrides) -> dict:
        section = section_of(action)
        params = {
            "AWSAccessKeyId": self.access_key,
            "Action": action,
            "SellerId": self.seller_id,
            "SignatureMethod": "HmacSHA256",
            "SignatureVersion": "2",
            "Timestamp": datetime.fromtimestamp(self.now(), tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": SECTIONS[section][1],
        }
        if self.token is not None:
            params["MWSAuthToken"] = self.token
        params.update(extra or {})
        params.update(overrides)
        return {k: v for k, v in params.items() if v is not None}

    def call(
        self,
        action: str,
        extra: Mapping[str, str] | None = None,
        *,
        path: str | None = None,
        method: str = "POST",
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        user_agent: str | None = USER_AGENT,
        secret: str | None = None,
        sign_params: Mapping[str, str] | None = None,
        stream: bool = False,
        host: str | None = None,
        **overrides,
    ) -> requests.Response:
        """Sign and send; ``None`` in ``overrides`` leaves a parameter out. ``host`` addresses
        the request to that MWS host (``Host`` header and signature) on the sandbox's port."""
        params = self.params(action, extra, **overrides)
        path = path or SECTIONS[section_of(action)][0]
        netloc = urlsplit(self.base_url).netloc
        host = host or netloc
        signed = dict(sign_params) if sign_params is not None else params
        if "Signature" not in overrides:
            algorithm = params.get("SignatureMethod")
            params["Signature"] = sign(
                secret or self.secret,
                method,
                host,
                path,
                signed,
                algorithm if algorithm in HASHES else "HmacSHA256",
            )
        sent_headers = dict(headers or {})
        if host != netloc:
            sent_headers["Host"] = host
        if user_agent is not None:
            sent_headers["User-Agent"] = user_agent
        else:
            sent_headers["User-Agent"] = ""
        url = self.base_url + path
        assert self.session is not None
        if body is not None or method == "GET":
            return self.session.request(
                method, url, params=params, data=body, headers=sent_headers, stream=stream
            )
        return self.session.post(url, data=params, headers=sent_headers, stream=stream)


def strip(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def namespace(element: ET.Element) -> str:
    return element.tag[1:].split("}")[0] if element.tag.startswith("{") else ""


def xml(response: requests.Response) -> ET.Element:
    return ET.fromstring(response.content)  # noqa: S314 - the sandbox's own answers


def texts(element: ET.Element, name: str) -> list[str]:
    return [child.text or "" for child in element.iter() if strip(child.tag) == name]


def text(element: ET.Element, name: str) -> str:
    found = texts(element, name)
    assert len(found) == 1, f"{name}: {found}"
    return found[0]


def children(element: ET.Element, name: str) -> list[ET.Element]:
    return [child for child in element.iter() if strip(child.tag) == name]


@dataclass
class ErrorInfo:
    status: int
    type: str
    code: str
    message: str
    namespace: str
    request_id_tag: str
    request_id: str


def error(response: requests.Response) -> ErrorInfo:
    root = xml(response)
    assert strip(root.tag) == "ErrorResponse", response.text
    request_id = [c for c in root if strip(c.tag) in ("RequestId", "RequestID")]
    assert len(request_id) == 1
    assert request_id[0].text == response.headers["x-mws-request-id"]
    return ErrorInfo(
        status=response.status_code,
        type=text(root, "Type"),
        code=text(root, "Code"),
        message=text(root, "Message"),
        namespace=namespace(root),
        request_id_tag=strip(request_id[0].tag),
        request_id=request_id[0].text or "",
    )
