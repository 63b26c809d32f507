"""``MWSClient``: signs, sends and interprets every MWS call of the product.

What a call goes through:

1. The operation comes from the catalog (``operations.OPERATIONS``); its parameters are
   validated and encoded once (``params.encode_params``), so a bad call fails before anything
   is sent. ``MarketplaceIdList`` is left out in Japan and China, as the guide requires.
2. Each attempt is signed afresh (Signature Version 2) with a timestamp corrected by the
   offset between our clock and MWS's, learned from every response's ``x-mws-timestamp`` (or
   ``Date``) header. XML operations and downloads are POSTs with a form body; SubmitFeed puts
   the parameters in the query string and streams the feed as the body.
3. The answer becomes a typed ``Response`` (result + metadata: request id, timestamps, quota
   headers) or one of the exceptions of ``errors``. Downloads stream the raw bytes to a file
   object while hashing them and fail closed unless ``Content-MD5`` matches.
4. Server errors and transport failures are retried under the ``RetryPolicy`` (never for
   SubmitFeed); ``RequestExpired`` gets one clock re-sync and one more attempt. The observer
   sees every attempt, secrets excluded.

Plain HTTP is refused except to loopback hosts (the sandbox and tests).
"""

from __future__ import annotations

import dataclasses
import email.utils
import hashlib
import ipaddress
import logging
import operator
import os
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import IO, Any, BinaryIO, Generic, TypeVar, cast
from urllib.parse import urlsplit

import requests
import urllib3.exceptions

from mwsclient.checksums import CHUNK_SIZE, encode_digest
from mwsclient.checksums import content_md5 as hash_file
from mwsclient.endpoints import (
    LATIN_1,
    MARKETPLACES,
    REGIONS,
    Marketplace,
    Region,
    marketplace_by_country,
    sends_marketplace_id_list,
)
from mwsclient.errors import (
    ChecksumMismatchError,
    FeedChangedError,
    InvalidParameterError,
    InvalidResponseError,
    MWSError,
    NextTokenCorruptedError,
    RequestExpiredError,
    TransportError,
    error_class_for,
)
from mwsclient.operations import (
    FEED_TYPES,
    MAX_FEED_BYTES,
    Operation,
    PagingStyle,
    get_operation,
)
from mwsclient.params import encode_params
from mwsclient.redaction import partial, redact
from mwsclient.results import Paged, QuotaInfo, ResponseMetadata, SubmitFeedResult
from mwsclient.retry import DEFAULT_RETRY_POLICY, NO_RETRY, RetryPolicy
from mwsclient.signing import Signer, encode_base64, encode_path, percent_encode
from mwsclient.useragent import build_user_agent
from mwsclient.xmlparse import parse_document, parse_error, parse_result, parse_timestamp

logger = logging.getLogger(__name__)

T = TypeVar("T")

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded; charset=utf-8"
# The guide: "the size of the HTTP request-line must be less than 8190 bytes".
MAX_REQUEST_LINE = 8190
# Error bodies are a few hundred bytes; anything far larger is not an MWS error document.
MAX_ERROR_BODY = 1024 * 1024
# The largest XML answers (a page of 100 reports or feeds) are tens of kilobytes. Anything
# near this is not MWS, and is refused before it could be held in memory and parsed.
MAX_XML_ANSWER = 16 * 1024 * 1024
# Sellers x operations whose fixed request pairs are kept; past that the cache starts over.
FIXED_PAIRS_CACHE = 4096
# After NextTokenCorrupted, paging restarts from the original operation at most this often.
MAX_NEXT_TOKEN_RECOVERIES = 3

_second = operator.itemgetter(1)
_TRANSPORT_EXCEPTIONS = (requests.RequestException, urllib3.exceptions.HTTPError, OSError)


@dataclass(frozen=True, repr=False)
class Credentials:
    """The developer account's keys. The secret never appears in a repr or a log line."""

    access_key_id: str
    secret_key: str

    def __post_init__(self) -> None:
        if not self.access_key_id or not self.secret_key:
            raise InvalidParameterError.local(
                "credentials", "access key id and secret key are required"
            )

    def __repr__(self) -> str:
        return f"Credentials(access_key_id={partial(self.access_key_id)!r}, secret_key='***')"


@dataclass(frozen=True)
class Response(Generic[T]):
    operation: str
    result: T
    metadata: ResponseMetadata

    @property
    def request_id(self) -> str | None:
        return self.metadata.request_id

    @property
    def timestamp(self) -> str | None:
        """MWS's timestamp of the response, or ours when MWS sent none."""
        return self.metadata.timestamp or self.metadata.request_timestamp

    @property
    def quota(self) -> QuotaInfo | None:
        return self.metadata.quota


@dataclass(frozen=True)
class DownloadResult:
    bytes_written: int
    md5: str
    content_type: str | None
    charset: str | None
    metadata: ResponseMetadata

    @property
    def request_id(self) -> str | None:
        return self.metadata.request_id


@dataclass(frozen=True)
class AttemptRecord:
    """One HTTP attempt, for request logs and metrics. Holds no secret by construction."""

    operation: str
    seller_id: str
    attempt: int
    host: str
    request_timestamp: str
    duration_s: float
    http_status: int | None
    request_id: str | None
    error_code: str | None
    # The exception class of a failed attempt (``ThrottledError``, ``TransportError`` ...).
    error_family: str | None
    bytes_sent: int
    bytes_received: int
    quota: QuotaInfo | None


Observer = Callable[[AttemptRecord], None]


@dataclass(slots=True, repr=False)
class PreparedRequest:
    """A signed request, ready to send. Its repr is redacted: the URL of a SubmitFeed carries
    the signature and the auth token. (Not frozen: it is built on the signing hot path, where
    a frozen dataclass's slower constructor shows.)"""

    operation: Operation
    method: str
    url: str
    headers: Mapping[str, str]
    body: bytes | None
    timestamp: str
    host: str

    def __repr__(self) -> str:
        return f"PreparedRequest({self.operation.name}, {self.method} {redact(self.url)})"


@dataclass(frozen=True)
class _Endpoint:
    base: str  # scheme://netloc
    host: str  # the Host header value: lower case, port only when not the default
    prefix: str  # path of a base URL override, prepended to the operation's path


@dataclass
class _AttemptTally:
    """What one HTTP attempt sent and received, filled in while it runs, for its
    ``AttemptRecord``."""

    bytes_sent: int = 0
    bytes_received: int = 0
    http_status: int | None = None
    request_id: str | None = None
    quota: QuotaInfo | None = None
    wrote_body: bool = False


def _session_from_environment() -> requests.Session:
    """A session that does not consult the environment on every request.

    requests reads the proxy variables, ``NO_PROXY``, ``.netrc`` and the CA bundle variables
    for each request of a session that trusts the environment (a millisecond a call). Here the
    CA bundle is read once now and the proxies once per host (``MWSClient._proxies_for``), so
    ``HTTPS_PROXY`` and ``REQUESTS_CA_BUNDLE`` still apply; ``.netrc`` never does, as every
    request is signed.
    """
    session = requests.Session()
    session.trust_env = False
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if bundle:
        session.verify = bundle
    return session


def _is_loopback(hostname: str) -> bool:
    if hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(hostname).is_loopback
    except ValueError:
        return False


@lru_cache(maxsize=64)
def _endpoint(url: str) -> _Endpoint:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    hostname = (parts.hostname or "").lower()
    if scheme not in ("https", "http") or not hostname:
        raise InvalidParameterError.local("endpoint", f"{url!r} is not an http(s) URL")
    if scheme == "http" and not _is_loopback(hostname):
        raise InvalidParameterError.local(
            "endpoint", "MWS requires HTTPS; plain http is only allowed for loopback hosts"
        )
    host = f"[{hostname}]" if ":" in hostname else hostname
    default_port = 443 if scheme == "https" else 80
    if parts.port is not None and parts.port != default_port:
        host = f"{host}:{parts.port}"
    return _Endpoint(base=f"{scheme}://{host}", host=host, prefix=parts.path.rstrip("/"))


# MarketplaceIds and country codes ("UK" too) to marketplaces, for one look-up per call.
_MARKETPLACE_NAMES: dict[str, Marketplace] = {
    **{m.country_code: m for m in MARKETPLACES.values()},
    "UK": marketplace_by_country("GB"),
    **MARKETPLACES,
}


def _as_marketplace(value: Marketplace | str) -> Marketplace:
    if isinstance(value, Marketplace):
        return value
    found = _MARKETPLACE_NAMES.get(value) or _MARKETPLACE_NAMES.get(str(value).strip().upper())
    if found is None:
        raise InvalidParameterError.local("marketplace", f"unknown marketplace {value!r}")
    return found


def _as_region(value: Region | str) -> Region:
    if isinstance(value, Region):
        return value
    try:
        return REGIONS[value.upper()]
    except KeyError:
        raise InvalidParameterError.local("region", f"unknown region {value!r}") from None


def _float_header(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None


def _quota(headers: Mapping[str, str]) -> QuotaInfo | None:
    maximum = headers.get("x-mws-quota-max")
    remaining = headers.get("x-mws-quota-remaining")
    resets = headers.get("x-mws-quota-resetsOn")
    if maximum is None and remaining is None and resets is None:
        return None
    try:
        resets_on = parse_timestamp(resets)
    except InvalidResponseError:
        resets_on = None
    return QuotaInfo(_float_header(maximum), _float_header(remaining), resets_on)


def _split_content_type(value: str | None) -> tuple[str | None, str | None]:
    """``text/plain;charset=windows-1252`` -> (``text/plain``, ``windows-1252``)."""
    if not value:
        return None, None
    media, *params = value.split(";")
    charset = None
    for param in params:
        key, _, val = param.partition("=")
        if key.strip().lower() == "charset":
            charset = val.strip().strip('"') or None
    return media.strip() or None, charset


def has_more(style: PagingStyle, result: Paged) -> bool:
    """Whether another page exists, by the guide's three rules."""
    if style == "has_next":
        more = bool(result.has_next)
    elif style == "more_results":
        more = bool(result.more_results_available)
    elif style == "next_token":
        return bool(result.next_token)
    else:
        return False
    if more and not result.next_token:
        raise InvalidResponseError(
            f"the response says more results exist ({style}) but has no NextToken"
        )
    return more


class _CountingReader:
    """A feed body for requests: reads at most ``size`` bytes from the source, counting and
    hashing them.

    ``__len__`` gives requests the Content-Length (so the body is not sent chunked) and
    ``read`` lets urllib3 stream it block by block; the limit keeps a file that grows while
    it is sent from overrunning the Content-Length. The block that completes the body is only
    handed over once the bytes read match ``expected_md5``: a file that changed since it was
    hashed (or shrank) raises ``FeedChangedError`` instead, which cuts the request off before
    MWS has a complete feed.
    """

    def __init__(
        self, source: IO[bytes], size: int, tally: _AttemptTally, expected_md5: str
    ) -> None:
        self._source = source
        self._left = size
        self._size = size
        self._tally = tally
        self._expected = expected_md5
        self._md5 = hashlib.md5(usedforsecurity=False)

    def __len__(self) -> int:
        return self._size

    def read(self, amount: int = -1) -> bytes:
        if self._left <= 0:
            return b""
        wanted = self._left if amount is None or amount < 0 else min(amount, self._left)
        chunk = self._source.read(wanted)
        if not chunk:
            raise FeedChangedError(
                f"the feed file shrank while it was sent ({self._size - self._left} of "
                f"{self._size} bytes); the upload was cut off",
                expected=self._expected,
            )
        self._md5.update(chunk)
        self._left -= len(chunk)
        if self._left <= 0:
            actual = encode_digest(self._md5.digest())
            if actual != self._expected:
                raise FeedChangedError(
                    f"the feed file changed while it was sent: its Content-MD5 is {actual}, "
                    f"not {self._expected}; the upload was cut off before its last block",
                    expected=self._expected,
                    actual=actual,
                )
        self._tally.bytes_sent += len(chunk)
        return chunk


class MWSClient:
    """A client for one developer account (one pair of keys), any number of sellers.

    ``endpoint`` overrides the MWS host for every call (the sandbox, e.g.
    ``http://127.0.0.1:8765``); without it each call names its ``marketplace`` (a
    ``Marketplace``, MarketplaceId or country code) or ``region`` to pick the real host.
    ``clock`` (epoch seconds) and ``sleep`` are injectable for tests and for schedulers.
    ``retry_policy``: ``DEFAULT_RETRY_POLICY`` follows the guide; ``None`` or ``NO_RETRY``
    leave every retry to the caller. ``observer`` is called once per HTTP attempt.
    """

    def __init__(
        self,
        credentials: Credentials,
        *,
        app_name: str,
        app_version: str,
        endpoint: str | None = None,
        session: requests.Session | None = None,
        timeout: float = 60,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], None] | None = None,
        retry_policy: RetryPolicy | None = DEFAULT_RETRY_POLICY,
        observer: Observer | None = None,
        signature_method: str = "HmacSHA256",
        user_agent_attributes: Mapping[str, str] | None = None,
        address_mws_hosts: bool = False,
    ) -> None:
        self._credentials = credentials
        # With an endpoint override: still address (Host header, signature) each call to the
        # MWS host of its marketplace, for an endpoint that answers for every host (the
        # sandbox) or forwards by Host.
        self._address_mws_hosts = address_mws_hosts
        self._signer = Signer(credentials.secret_key, signature_method)
        self._signature_method = signature_method
        self.user_agent = build_user_agent(app_name, app_version, user_agent_attributes)
        self._endpoint = _endpoint(endpoint) if endpoint else None
        self._owns_session = session is None
        self._session = session or _session_from_environment()
        # Proxies for each base URL, resolved from the environment on first use (see
        # _session_from_environment); a session the caller passed keeps its own settings.
        self._proxies: dict[str, dict[str, str]] = {}
        self._timeout = timeout
        self._clock = clock or time.time
        self._sleep = sleep or time.sleep
        self._retry = retry_policy or NO_RETRY
        self._observer = observer
        # Seconds to add to our clock to get MWS's; learned from every response.
        self.clock_offset = 0.0
        # (epoch second, its date part, that part percent-encoded): one tuple, so threads
        # never mix the parts of two different seconds.
        self._ts_cache: tuple[int, str, str] = (-1, "", "")
        # Pairs of the canonical query that are the same for every request of this client,
        # encoded once: (name, "name=encoded-value"), sorted with the rest by name.
        self._common_pairs = (
            ("AWSAccessKeyId", f"AWSAccessKeyId={percent_encode(credentials.access_key_id)}"),
            ("SignatureMethod", f"SignatureMethod={percent_encode(signature_method)}"),
            ("SignatureVersion", "SignatureVersion=2"),
        )
        self._paths: dict[tuple[str, str], str] = {}
        # The sorted pairs an operation's requests for one seller always carry (everything but
        # the parameters and the timestamp), so repeated calls only encode what changes.
        self._fixed_pairs: dict[tuple[str, str, str | None], list[tuple[str, str]]] = {}

    def __repr__(self) -> str:
        where = self._endpoint.base if self._endpoint else "regional hosts"
        return f"MWSClient({where}, access_key_id={partial(self._credentials.access_key_id)!r})"

    def close(self) -> None:
        if self._owns_session:
            self._session.close()

    def __enter__(self) -> MWSClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # ---- public operations ----------------------------------------------------------------

    def send(
        self,
        op: Operation,
        *,
        seller_id: str,
        auth_token: str | None = None,
        marketplace: Marketplace | str | None = None,
        region: Region | str | None = None,
        params: Mapping[str, Any] | None = None,
        sink: BinaryIO | None = None,
        source: BinaryIO | None = None,
        content_type: str | None = None,
    ) -> Response[Any] | DownloadResult:
        """Send one operation of the catalog, whatever its kind: the one path every request
        takes (``call``, ``download`` and ``submit_feed`` are this with the operation looked
        up by name).

        - an XML operation answers its typed result (``Response``);
        - a download streams to ``sink`` (see ``download``) and answers a ``DownloadResult``;
        - SubmitFeed uploads ``source`` (see ``submit_feed``) with ``params`` as the catalog
          names them; a ``ContentMD5Value`` among them is the MD5 stored with the feed, which
          the file must still match.
        """
        context = self._context(marketplace, region)
        if op.kind == "download":
            if sink is None:
                raise InvalidParameterError.local("sink", f"{op.name} streams to a sink")
            return self._download(op, params, context, seller_id, auth_token, sink)
        if op.kind == "upload":
            if source is None:
                raise InvalidParameterError.local("source", f"{op.name} uploads a source file")
            return self._upload(op, params, context, seller_id, auth_token, source, content_type)
        wire = self._encode(op, params, context)
        endpoint = self._endpoint_for(context)

        def attempt(tally: _AttemptTally, number: int) -> Response[Any]:
            prepared = self._prepare(op, wire, seller_id, auth_token, endpoint)
            return self._observed(
                op, seller_id, prepared, number, tally, lambda: self._send_xml(op, prepared, tally)
            )

        return self._with_retries(op, attempt)

    def call(
        self,
        operation_name: str,
        *,
        seller_id: str,
        auth_token: str | None = None,
        marketplace: Marketplace | str | None = None,
        region: Region | str | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> Response[Any]:
        """Call an XML operation and return its typed result."""
        response = self.send(
            self._operation(operation_name, "xml"),
            seller_id=seller_id,
            auth_token=auth_token,
            marketplace=marketplace,
            region=region,
            params=params,
        )
        return cast(Response[Any], response)

    def iter_pages(
        self,
        operation_name: str,
        *,
        seller_id: str,
        auth_token: str | None = None,
        marketplace: Marketplace | str | None = None,
        region: Region | str | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> Iterator[Response[Any]]:
        """Every page of a listing: the operation, then its ByNextToken twin while the page
        says there is more (HasNext, MoreResultsAvailable, or a NextToken, per the
        operation's paging style).

        On NextTokenCorrupted the token is not repeated: the original operation is called
        again and items already yielded are dropped from the pages that follow.
        """
        op = get_operation(operation_name)
        if op.paging == "none" or op.next_token_operation is None or op.parent_operation:
            raise InvalidParameterError.local(
                "operation", f"{op.name} does not start a paged listing"
            )
        twin = op.next_token_operation
        seen: set[str] = set()
        recoveries = 0
        restarted = False
        name, page_params = op.name, params
        while True:
            try:
                response = self.call(
                    name,
                    seller_id=seller_id,
                    auth_token=auth_token,
                    marketplace=marketplace,
                    region=region,
                    params=page_params,
                )
            except NextTokenCorruptedError:
                if name == op.name or recoveries >= MAX_NEXT_TOKEN_RECOVERIES:
                    raise
                recoveries += 1
                restarted = True
                name, page_params = op.name, params
                continue
            result: Paged = response.result
            if restarted:
                result = result.excluding(seen)
                response = dataclasses.replace(response, result=result)
            keys = result.item_keys()
            seen |= keys
            if keys or not restarted:
                yield response
            if not has_more(op.paging, result):
                return
            name, page_params = twin, {"NextToken": result.next_token}

    def download(
        self,
        operation_name: str,
        *,
        seller_id: str,
        auth_token: str | None = None,
        params: Mapping[str, Any],
        sink: BinaryIO,
        marketplace: Marketplace | str | None = None,
        region: Region | str | None = None,
    ) -> DownloadResult:
        """Stream GetReport / GetFeedSubmissionResult to ``sink`` while hashing it.

        The bytes written are exactly the bytes on the wire (no transparent decompression).
        Raises ``ChecksumMismatchError`` when ``Content-MD5`` is missing or differs; the sink
        then holds the unverified bytes and the caller discards them.
        """
        result = self.send(
            self._operation(operation_name, "download"),
            seller_id=seller_id,
            auth_token=auth_token,
            marketplace=marketplace,
            region=region,
            params=params,
            sink=sink,
        )
        return cast(DownloadResult, result)

    def submit_feed(
        self,
        *,
        seller_id: str,
        auth_token: str | None = None,
        feed_type: str,
        source: BinaryIO,
        content_type: str | None = None,
        marketplace_ids: tuple[str, ...] | list[str] = (),
        purge_and_replace: bool = False,
        feed_options: str | Mapping[str, Any] | None = None,
        amazon_order_id: str | None = None,
        document_type: str | None = None,
        marketplace: Marketplace | str | None = None,
        region: Region | str | None = None,
        content_md5: str | None = None,
    ) -> Response[SubmitFeedResult]:
        """Upload a feed from a seekable binary file, from its current position to its end.

        The MD5 is computed first (the file is read twice, never held in memory) and sent as
        ``ContentMD5Value`` and ``Content-MD5``. ``content_md5``, the MD5 stored with the feed
        when it was made, is what is sent when given: a file that no longer matches it raises
        ``FeedChangedError`` before anything is sent, and the bytes are hashed again while they
        stream (see ``_CountingReader``), so a file changing in between never reaches MWS
        whole. The default Content-Type follows the feed
        type: ``text/xml`` for XML, tab-separated values in the marketplace's charset for
        flat files, ``application/octet-stream`` for binaries. Never retried automatically:
        a feed that reached MWS before a failure would otherwise be submitted twice.
        """
        params = {
            "FeedType": feed_type,
            "MarketplaceIdList": list(marketplace_ids),
            "PurgeAndReplace": True if purge_and_replace else None,
            "ContentMD5Value": content_md5,
            "FeedOptions": feed_options,
            "AmazonOrderId": amazon_order_id,
            "DocumentType": document_type,
        }
        response = self.send(
            self._operation("SubmitFeed", "upload"),
            seller_id=seller_id,
            auth_token=auth_token,
            marketplace=marketplace,
            region=region,
            params=params,
            source=source,
            content_type=content_type,
        )
        return cast(Response[SubmitFeedResult], response)

    def prepare(
        self,
        operation_name: str,
        *,
        seller_id: str,
        auth_token: str | None = None,
        marketplace: Marketplace | str | None = None,
        region: Region | str | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> PreparedRequest:
        """Validate, encode and sign a request without sending it (for inspection, or a
        transport of the caller's own). SubmitFeed needs ``ContentMD5Value`` in params."""
        op = get_operation(operation_name)
        context = self._context(marketplace, region)
        wire = self._encode(op, params, context)
        return self._prepare(op, wire, seller_id, auth_token, self._endpoint_for(context))

    # ---- sending each kind of operation ---------------------------------------------------

    def _download(
        self,
        op: Operation,
        params: Mapping[str, Any] | None,
        context: Marketplace | Region | None,
        seller_id: str,
        auth_token: str | None,
        sink: BinaryIO,
    ) -> DownloadResult:
        wire = self._encode(op, params, context)
        endpoint = self._endpoint_for(context)
        start = sink.tell() if sink.seekable() else None
        dirty = False

        def attempt(tally: _AttemptTally, number: int) -> DownloadResult:
            nonlocal dirty
            if dirty and start is not None:
                sink.seek(start)
                sink.truncate()
                dirty = False
            prepared = self._prepare(op, wire, seller_id, auth_token, endpoint)
            try:
                return self._observed(
                    op,
                    seller_id,
                    prepared,
                    number,
                    tally,
                    lambda: self._send_download(op, prepared, sink, tally),
                )
            finally:
                dirty = dirty or tally.wrote_body

        # A retry must start from an empty sink; one that cannot be rewound is only retried
        # while nothing has been written to it.
        return self._with_retries(op, attempt, retry=lambda: start is not None or not dirty)

    def _upload(
        self,
        op: Operation,
        params: Mapping[str, Any] | None,
        context: Marketplace | Region | None,
        seller_id: str,
        auth_token: str | None,
        source: BinaryIO,
        content_type: str | None,
    ) -> Response[SubmitFeedResult]:
        given = dict(params or {})
        feed_type = given.get("FeedType")
        content_md5 = given.get("ContentMD5Value")
        info = FEED_TYPES.get(feed_type) if isinstance(feed_type, str) else None
        if info is None:
            raise InvalidParameterError.local("FeedType", f"{feed_type!r} is not a known feed type")
        if given.get("PurgeAndReplace") and not info.purge_and_replace:
            raise InvalidParameterError.local(
                "PurgeAndReplace", f"only applies to product flat-file feeds, not {feed_type}"
            )
        if not source.seekable():
            raise InvalidParameterError.local(
                "source", "must be a seekable binary file (it is hashed, then streamed)"
            )
        start = source.tell()
        size = source.seek(0, 2) - start
        source.seek(start)
        if size <= 0:
            raise InvalidParameterError.local("source", "the feed is empty")
        if size > MAX_FEED_BYTES:
            raise InvalidParameterError.local(
                "source", f"feeds must be smaller than 2 GiB, this one is {size} bytes"
            )
        md5 = hash_file(source)
        if content_md5 is not None and md5 != content_md5:
            raise FeedChangedError(
                f"the feed file no longer matches the Content-MD5 stored with it ({content_md5}"
                f"; the file's is {md5}): it changed or was corrupted in storage; nothing was "
                "sent",
                expected=content_md5,
                actual=md5,
                operation=op.name,
            )
        wire = self._encode(op, {**given, "ContentMD5Value": md5}, context)
        endpoint = self._endpoint_for(context)
        body_type = content_type or self._feed_content_type(info.format, context)

        def attempt(tally: _AttemptTally, number: int) -> Response[SubmitFeedResult]:
            prepared = self._prepare(
                op,
                wire,
                seller_id,
                auth_token,
                endpoint,
                extra_headers={"Content-Type": body_type, "Content-MD5": md5},
            )

            def perform() -> Response[SubmitFeedResult]:
                source.seek(start)
                body = _CountingReader(source, size, tally, md5)
                try:
                    return self._send_xml(op, prepared, tally, body=body)
                finally:
                    source.seek(start)

            return self._observed(op, seller_id, prepared, number, tally, perform)

        return self._with_retries(op, attempt)

    # ---- building requests ----------------------------------------------------------------

    def _operation(self, name: str, kind: str) -> Operation:
        try:
            op = get_operation(name)
        except KeyError:
            raise InvalidParameterError.local("Action", f"unknown operation {name!r}") from None
        if op.kind != kind:
            use = {"xml": "call()", "download": "download()", "upload": "submit_feed()"}[op.kind]
            raise InvalidParameterError.local("Action", f"{name} is sent with {use}")
        return op

    @staticmethod
    def _context(
        marketplace: Marketplace | str | None, region: Region | str | None
    ) -> Marketplace | Region | None:
        if marketplace is not None:
            return _as_marketplace(marketplace)
        if region is not None:
            return _as_region(region)
        return None

    def _endpoint_for(self, context: Marketplace | Region | None) -> _Endpoint:
        if self._endpoint is not None:
            if self._address_mws_hosts and context is not None:
                return _Endpoint(
                    base=self._endpoint.base, host=context.host, prefix=self._endpoint.prefix
                )
            return self._endpoint
        if context is None:
            raise InvalidParameterError.local(
                "marketplace", "a marketplace or region is needed to pick the MWS host"
            )
        return _endpoint(context.base_url)

    @staticmethod
    def _encode(
        op: Operation, params: Mapping[str, Any] | None, context: Marketplace | Region | None
    ) -> list[tuple[str, str]]:
        """Validated parameters as (name, "name=encoded-value") pairs for ``_prepare``."""
        ids = (params or {}).get("MarketplaceIdList")
        if ids and context is not None and not sends_marketplace_id_list(context):
            served = (
                {context.marketplace_id}
                if isinstance(context, Marketplace)
                else {m.marketplace_id for m in context.marketplaces if m.host == context.host}
            )
            foreign = [mid for mid in ids if mid not in served]
            if foreign:
                raise InvalidParameterError.local(
                    "MarketplaceIdList",
                    "is not used in JP and CN; cannot address "
                    f"{', '.join(map(str, foreign))} there",
                    operation=op.name,
                )
            params = {
                name: value for name, value in (params or {}).items() if name != "MarketplaceIdList"
            }
        # Catalog names need no encoding (tests hold the catalog to that); values may.
        wire = encode_params(op, params, encoder=percent_encode)
        return [(name, f"{name}={value}") for name, value in wire.items()]

    @staticmethod
    def _feed_content_type(fmt: str, context: Marketplace | Region | None) -> str:
        if fmt == "xml":
            return "text/xml"
        if fmt == "binary":
            return "application/octet-stream"
        if isinstance(context, Marketplace):
            charset = context.flat_file_charset
        elif isinstance(context, Region):
            charset = next(
                m for m in context.marketplaces if m.host == context.host
            ).flat_file_charset
        else:
            charset = LATIN_1
        return f"text/tab-separated-values; charset={charset}"

    def _timestamp(self) -> tuple[str, str]:
        """The request timestamp (ISO 8601 UTC, milliseconds) and its encoded form."""
        second, millis = divmod(round((self._clock() + self.clock_offset) * 1000), 1000)
        cached_second, prefix, encoded = self._ts_cache
        # Formatting the date part is most of the cost; it only changes once a second.
        if second != cached_second:
            prefix = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
            encoded = percent_encode(prefix)
            self._ts_cache = (second, prefix, encoded)
        tail = f".{millis:03d}Z"
        return prefix + tail, encoded + tail

    def _prepare(
        self,
        op: Operation,
        wire: list[tuple[str, str]],
        seller_id: str,
        auth_token: str | None,
        endpoint: _Endpoint,
        *,
        extra_headers: Mapping[str, str] | None = None,
    ) -> PreparedRequest:
        """Sign one attempt. ``wire`` holds the operation's parameters as encoded pairs."""
        timestamp, encoded_timestamp = self._timestamp()
        key = (op.name, seller_id, auth_token)
        hashable = seller_id.__class__ is str and (
            auth_token is None or auth_token.__class__ is str
        )
        fixed = self._fixed_pairs.get(key) if hashable else None
        if fixed is None:
            fixed = self._fixed_for(op, seller_id, auth_token)
            if len(self._fixed_pairs) >= FIXED_PAIRS_CACHE:
                self._fixed_pairs.clear()
            self._fixed_pairs[key] = fixed
        pairs = [*fixed, *wire, ("Timestamp", f"Timestamp={encoded_timestamp}")]
        # Names are unique, so sorting the pairs sorts by name: the canonical order.
        pairs.sort()
        query = "&".join(map(_second, pairs))
        path = self._paths.get((endpoint.prefix, op.path))
        if path is None:
            path = self._paths[(endpoint.prefix, op.path)] = encode_path(endpoint.prefix + op.path)
        signature = self._signer.sign(f"POST\n{endpoint.host}\n{path}\n{query}")
        encoded = f"{query}&Signature={encode_base64(signature)}"
        headers = {"User-Agent": self.user_agent}
        if not endpoint.base.endswith(f"//{endpoint.host}"):
            headers["Host"] = endpoint.host
        if op.kind == "upload":
            if len(path) + len(encoded) + len("POST ? HTTP/1.1") >= MAX_REQUEST_LINE:
                raise InvalidParameterError.local(
                    "params",
                    f"the request line would exceed {MAX_REQUEST_LINE} bytes",
                    operation=op.name,
                )
            url, body = f"{endpoint.base}{path}?{encoded}", None
        else:
            url, body = f"{endpoint.base}{path}", encoded.encode("ascii")
            headers["Content-Type"] = FORM_CONTENT_TYPE
        if extra_headers:
            headers.update(extra_headers)
        return PreparedRequest(op, "POST", url, headers, body, timestamp, endpoint.host)

    def _fixed_for(
        self, op: Operation, seller_id: str, auth_token: str | None
    ) -> list[tuple[str, str]]:
        if not isinstance(seller_id, str) or not seller_id.strip():
            raise InvalidParameterError.local(op.account_param, "the seller id is required")
        if auth_token is not None and (not isinstance(auth_token, str) or not auth_token.strip()):
            raise InvalidParameterError.local("MWSAuthToken", "must be a non-empty string or None")
        account = op.account_param
        pairs = [
            *self._common_pairs,
            ("Action", f"Action={op.name}"),
            (account, f"{account}={percent_encode(seller_id)}"),
            ("Version", f"Version={op.version}"),
        ]
        if auth_token:
            pairs.append(("MWSAuthToken", f"MWSAuthToken={percent_encode(auth_token)}"))
        pairs.sort()
        return pairs

    # ---- sending and interpreting ---------------------------------------------------------

    def _with_retries(
        self,
        op: Operation,
        attempt: Callable[[_AttemptTally, int], T],
        *,
        retry: Callable[[], bool] | None = None,
    ) -> T:
        policy = self._retry
        retries = 0
        resyncs = 0
        number = 0
        while True:
            number += 1
            try:
                return attempt(_AttemptTally(), number)
            except RequestExpiredError:
                # The response carried MWS's time and _learn_clock already applied it; the
                # next attempt signs with the corrected timestamp.
                if resyncs >= policy.clock_resyncs:
                    raise
                resyncs += 1
            except MWSError as exc:
                # Never an upload: a feed MWS received before the failure would go in twice.
                allowed = (
                    op.kind != "upload"
                    and policy.repeatable(op.name)
                    and exc.retryable
                    and (retry is None or retry())
                )
                if not allowed or retries >= policy.max_retries:
                    raise
                retries += 1
                self._sleep(policy.delay(retries))

    def _observed(
        self,
        op: Operation,
        seller_id: str,
        prepared: PreparedRequest,
        number: int,
        tally: _AttemptTally,
        perform: Callable[[], T],
    ) -> T:
        started = time.perf_counter()
        error: BaseException | None = None
        try:
            return perform()
        except BaseException as exc:
            error = exc
            raise
        finally:
            if self._observer is not None:
                record = self._record(
                    op, seller_id, prepared, number, tally, time.perf_counter() - started, error
                )
                try:
                    self._observer(record)
                except Exception:
                    # A broken log sink must not turn a call MWS accepted into a failure the
                    # caller would retry (a feed submitted twice).
                    logger.exception("MWS attempt observer failed")

    @staticmethod
    def _record(
        op: Operation,
        seller_id: str,
        prepared: PreparedRequest,
        number: int,
        tally: _AttemptTally,
        duration: float,
        error: BaseException | None,
    ) -> AttemptRecord:
        mws_error = error if isinstance(error, MWSError) else None
        return AttemptRecord(
            operation=op.name,
            seller_id=seller_id,
            attempt=number,
            host=prepared.host,
            request_timestamp=prepared.timestamp,
            duration_s=duration,
            http_status=tally.http_status,
            request_id=(mws_error.request_id if mws_error else None) or tally.request_id,
            error_code=mws_error.code if mws_error else None,
            error_family=type(error).__name__ if error is not None else None,
            bytes_sent=tally.bytes_sent,
            bytes_received=tally.bytes_received,
            quota=(mws_error.quota if mws_error else None) or tally.quota,
        )

    def _post(
        self,
        op: Operation,
        prepared: PreparedRequest,
        *,
        body: Any = None,
        stream: bool = False,
        identity: bool = False,
    ) -> requests.Response:
        headers = dict(prepared.headers)
        if identity:
            # Ask for the stored bytes as they are, so the Content-MD5 covers what we write.
            headers["Accept-Encoding"] = "identity"
        try:
            return self._session.post(
                prepared.url,
                data=prepared.body if body is None else body,
                headers=headers,
                timeout=self._timeout,
                stream=stream,
                allow_redirects=False,
                proxies=self._proxies_for(prepared.url),
            )
        except _TRANSPORT_EXCEPTIONS as exc:
            raise self._transport_error(op, exc) from None

    def _proxies_for(self, url: str) -> dict[str, str]:
        """The proxies of the environment for ``url``'s scheme and host, looked up once per
        base URL: the environment is read when a client meets a host, not on every call."""
        if not self._owns_session:
            return {}
        parts = urlsplit(url)
        base = f"{parts.scheme}://{parts.netloc}"
        proxies = self._proxies.get(base)
        if proxies is None:
            proxies = self._proxies[base] = requests.utils.get_environ_proxies(base)
        return proxies

    @staticmethod
    def _transport_error(op: Operation, exc: BaseException) -> TransportError:
        # "from None" at the raise sites: the original exception's text includes the URL, and
        # for SubmitFeed the URL holds the signature and the auth token.
        return TransportError(f"{type(exc).__name__}: {exc}", operation=op.name)

    def _learn_clock(self, headers: Mapping[str, str], sent: float, received: float) -> None:
        server: float | None = None
        precise = headers.get("x-mws-timestamp")
        if precise:
            try:
                parsed = parse_timestamp(precise)
            except InvalidResponseError:
                parsed = None
            if parsed is not None and parsed.tzinfo is not None:
                server = parsed.timestamp()
        if server is None and headers.get("Date"):
            try:
                server = email.utils.parsedate_to_datetime(headers["Date"]).timestamp()
            except (TypeError, ValueError):
                return
            # Date has whole seconds: the server's clock was somewhere in the next second.
            server += 0.5
        if server is not None:
            self.clock_offset = server - (sent + received) / 2

    def _metadata(
        self, response: requests.Response, prepared: PreparedRequest, request_id: str | None = None
    ) -> ResponseMetadata:
        headers = response.headers
        return ResponseMetadata(
            http_status=response.status_code,
            request_id=request_id
            or headers.get("x-mws-request-id")
            or headers.get("x-amz-request-id"),
            timestamp=headers.get("x-mws-timestamp"),
            request_timestamp=prepared.timestamp,
            quota=_quota(headers),
        )

    def _error(self, op: Operation, response: requests.Response, content: bytes) -> MWSError:
        meta_id = response.headers.get("x-mws-request-id") or response.headers.get(
            "x-amz-request-id"
        )
        quota = _quota(response.headers)
        status = response.status_code
        media, _ = _split_content_type(response.headers.get("Content-Type"))
        try:
            body = parse_error(parse_document(content))
            problem = "is not an MWS ErrorResponse"
        except InvalidResponseError as exc:
            body = None
            problem = f"is not MWS XML: {exc.message}"
        if body is None:
            return InvalidResponseError(
                f"HTTP {status} with a body ({media or 'no content type'}) that {problem}",
                http_status=status,
                request_id=meta_id,
                quota=quota,
                operation=op.name,
            )
        cls = error_class_for(body.code, status)
        return cls(
            body.message or f"HTTP {status}",
            http_status=status,
            error_type=body.error_type,
            code=body.code,
            request_id=body.request_id or meta_id,
            quota=quota,
            detail=body.detail,
            operation=op.name,
            errors=body.errors,
        )

    def _note(self, tally: _AttemptTally, response: requests.Response) -> None:
        tally.http_status = response.status_code
        tally.request_id = response.headers.get("x-mws-request-id") or response.headers.get(
            "x-amz-request-id"
        )
        tally.quota = _quota(response.headers)

    def _send_xml(
        self, op: Operation, prepared: PreparedRequest, tally: _AttemptTally, *, body: Any = None
    ) -> Response[Any]:
        if body is None:
            tally.bytes_sent = len(prepared.body or b"")
        sent = self._clock()
        # Streamed, so an oversized answer is cut off instead of read whole.
        response = self._post(op, prepared, body=body, stream=True)
        try:
            limit = MAX_XML_ANSWER if response.status_code == 200 else MAX_ERROR_BODY
            content = self._read_capped(op, response, limit)
        finally:
            response.close()
        self._learn_clock(response.headers, sent, self._clock())
        self._note(tally, response)
        tally.bytes_received = len(content)
        if response.status_code != 200:
            raise self._error(op, response, content)
        root = parse_document(content)
        if parse_error(root) is not None:
            raise self._error(op, response, content)
        result, body_request_id = parse_result(op.name, op.parser, root)
        return Response(op.name, result, self._metadata(response, prepared, body_request_id))

    def _send_download(
        self, op: Operation, prepared: PreparedRequest, sink: BinaryIO, tally: _AttemptTally
    ) -> DownloadResult:
        tally.bytes_sent = len(prepared.body or b"")
        sent = self._clock()
        response = self._post(op, prepared, stream=True, identity=True)
        try:
            self._learn_clock(response.headers, sent, self._clock())
            self._note(tally, response)
            if response.status_code != 200:
                content = self._read_capped(op, response, MAX_ERROR_BODY)
                tally.bytes_received = len(content)
                raise self._error(op, response, content)
            md5 = hashlib.md5(usedforsecurity=False)
            try:
                for chunk in response.raw.stream(CHUNK_SIZE, decode_content=False):
                    md5.update(chunk)
                    sink.write(chunk)
                    tally.wrote_body = True
                    tally.bytes_received += len(chunk)
            except _TRANSPORT_EXCEPTIONS as exc:
                raise self._transport_error(op, exc) from None
        finally:
            response.close()
        metadata = self._metadata(response, prepared)
        actual = encode_digest(md5.digest())
        expected = (response.headers.get("Content-MD5") or "").strip()
        if not expected or expected != actual:
            reason = (
                "the response has no Content-MD5 header; an unverifiable body is refused"
                if not expected
                else f"Content-MD5 {expected} does not match the body's MD5 {actual}"
            )
            raise ChecksumMismatchError(
                reason,
                expected=expected or None,
                actual=actual,
                bytes_written=tally.bytes_received,
                http_status=response.status_code,
                request_id=metadata.request_id,
                quota=metadata.quota,
                operation=op.name,
            )
        media, charset = _split_content_type(response.headers.get("Content-Type"))
        return DownloadResult(tally.bytes_received, actual, media, charset, metadata)

    def _read_capped(self, op: Operation, response: requests.Response, limit: int) -> bytes:
        try:
            content = response.raw.read(limit + 1, decode_content=True) or b""
        except _TRANSPORT_EXCEPTIONS as exc:
            raise self._transport_error(op, exc) from None
        if len(content) > limit:
            raise InvalidResponseError(
                f"HTTP {response.status_code} with a body larger than {limit} bytes, far more "
                "than MWS sends; refused unread",
                http_status=response.status_code,
                operation=op.name,
            )
        return content
