"""The front door of the sandbox's MWS API: every check a call passes before an operation runs.

In order: address (path and section), query syntax, User-Agent, Action and Version, the
authentication parameters, access key, signature, request expiry, seller and MWS Auth Token,
injected faults, throttling, then the operation's own parameters. Each failure is the error MWS
answered with (reference section 1.8); the HTTP layer only moves bytes.
"""

from __future__ import annotations

import base64
import logging
import secrets
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote_plus

from mwssandbox.config import Developer, Seller
from mwssandbox.errors import (
    FRONT,
    MWSError,
    access_denied,
    internal_error,
    invalid_address,
    invalid_value,
    missing_parameter,
)
from mwssandbox.faults import ActiveFaults, FaultInjector
from mwssandbox.operations import (
    OPERATIONS,
    PATHS,
    Call,
    Operation,
    ReceivedBody,
    Section,
    respond,
)
from mwssandbox.params import parse_date
from mwssandbox.signing import SIGNATURE_METHODS, SIGNATURE_VERSION, signature_matches
from mwssandbox.state import Downloadable, SandboxState
from mwssandbox.throttle import Decision, throttle_group
from mwssandbox.useragent import check_user_agent
from mwssandbox.xmlout import NS_ENDPOINT, NS_MWS_2009, El, iso_millis, render

log = logging.getLogger("mwssandbox")

FORM = "application/x-www-form-urlencoded"
_SECTION_ROOTS = {"/Reports", "/Feeds", "/Sellers"}


class RequestBody(Protocol):
    """The HTTP layer's view of a request body, read only when an operation needs it."""

    @property
    def consumed(self) -> bool: ...

    def read_all(self, limit: int) -> bytes: ...

    def save(self, directory: Path) -> tuple[Path, int, str]: ...


@dataclass
class ApiRequest:
    method: str
    path: str
    query: str
    headers: Message
    body: RequestBody


@dataclass
class ApiResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes = b""
    download: Downloadable | None = None
    download_digest: tuple[int, str] | None = None
    faults: ActiveFaults = field(default_factory=ActiveFaults)
    action: str | None = None
    seller_id: str | None = None
    code: str = ""


@dataclass
class _Context:
    """What is known about the call so far; errors use it to pick namespace and headers."""

    request_id: str
    section_namespace: str = NS_MWS_2009
    operation: Operation | None = None
    seller: Seller | None = None
    decision: Decision | None = None
    faults: ActiveFaults = field(default_factory=ActiveFaults)


class FrontDoor:
    def __init__(self, state: SandboxState, faults: FaultInjector) -> None:
        self.state = state
        self.faults = faults

    def handle(self, request: ApiRequest) -> ApiResponse:
        context = _Context(request_id=str(uuid.uuid4()))
        try:
            if request.path == "/" and request.method == "GET" and not request.query:
                return self._ping(context)
            response = self._call(request, context)
        except MWSError as error:
            response = self._error(error, context)
        except Exception:
            # A sandbox bug answers like MWS's own failures did, and leaves a traceback.
            log.exception(
                "%s failed", context.operation.name if context.operation else request.path
            )
            response = self._error(internal_error(), context)
        self.state.calls.record(response.seller_id, response.action, response.status, response.code)
        return response

    # --- The checks ---------------------------------------------------------------------------

    def _call(self, request: ApiRequest, context: _Context) -> ApiResponse:
        sections = self._sections(request.path)
        context.section_namespace = sections[0].namespace
        params = self._params(request)
        if self.state.config.checks.user_agent:
            check_user_agent(request.headers.get("User-Agent"))
        operation = self._operation(request.path, sections, params)
        context.operation = operation
        context.section_namespace = operation.section.namespace
        developer = self._authenticate(request, params)
        seller = self._authorize(params, developer, operation.section)
        context.seller = seller
        context.faults = self.faults.decide(operation.name, seller.seller_id)
        if context.faults.error is not None:
            raise context.faults.error
        if context.faults.latency:
            time.sleep(context.faults.latency)
        self._throttle(context, operation, seller, developer)
        book = self.state.books[seller.seller_id]
        call = Call(
            state=self.state,
            book=book,
            seller=seller,
            developer=developer,
            action=operation.name,
            params=params,
            header_md5=request.headers.get("Content-MD5"),
            content_type=request.headers.get("Content-Type") or "application/octet-stream",
            host=request.headers.get("Host", "").lower(),
            receive_body=lambda: ReceivedBody(*request.body.save(self.state.workdir)),
        )
        document, result = respond(operation, call, context.request_id)
        headers = self._headers(context)
        if result.download is not None:
            assert result.digest is not None
            return ApiResponse(
                200,
                headers,
                download=result.download,
                download_digest=result.digest(),
                faults=context.faults,
                action=operation.name,
                seller_id=seller.seller_id,
            )
        assert document is not None
        return ApiResponse(
            200,
            [*headers, ("Content-Type", "text/xml")],
            document,
            faults=context.faults,
            action=operation.name,
            seller_id=seller.seller_id,
        )

    def _sections(self, path: str) -> tuple[Section, ...]:
        normal = path.rstrip("/") or "/"
        sections = PATHS.get(normal)
        if sections is not None:
            return sections
        if normal in _SECTION_ROOTS:
            raise invalid_address(path, "API Version is missing")
        if "/" + normal.strip("/").split("/")[0] in _SECTION_ROOTS:
            raise invalid_address(path, "API Version is invalid")
        raise invalid_address(path)

    def _params(self, request: ApiRequest) -> dict[str, str]:
        params = _parse_query(request.query)
        content_type = (request.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if (
            request.method == "POST"
            and content_type == FORM
            and params.get("Action") != "SubmitFeed"
        ):
            raw = request.body.read_all(self.state.config.checks.max_form_bytes)
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise _invalid_request("The request body is not valid UTF-8.") from None
            for name, value in _parse_query(text).items():
                if name in params:
                    raise _duplicate(name)
                params[name] = value
        return params

    def _operation(
        self, path: str, sections: tuple[Section, ...], params: Mapping[str, str]
    ) -> Operation:
        action = params.get("Action")
        if not action:
            raise missing_parameter("Action", front=True)
        operation = OPERATIONS.get(action)
        if operation is None:
            raise MWSError("InvalidAction", f"Invalid action {action}.", request_id_element=FRONT)
        if operation.section not in sections:
            raise invalid_address(
                path,
                "API Section is missing or you have provided an invalid operation name.",
            )
        version = params.get("Version")
        if not version:
            raise missing_parameter("Version", front=True)
        if version != operation.section.version:
            raise invalid_address(
                path, f"API Version {version} is not supported by {operation.section.name}."
            )
        return operation

    def _authenticate(self, request: ApiRequest, params: Mapping[str, str]) -> Developer:
        access_key = params.get("AWSAccessKeyId")
        if not access_key:
            raise MWSError(
                "MissingClientTokenId",
                "Request must contain the AWSAccessKeyId parameter.",
                status=403,
                request_id_element=FRONT,
            )
        for name in ("Signature", "SignatureVersion", "SignatureMethod"):
            if not params.get(name):
                raise missing_parameter(name, front=True)
        if params["SignatureVersion"] != SIGNATURE_VERSION:
            raise invalid_value(
                "SignatureVersion",
                params["SignatureVersion"],
                f"Valid values: {SIGNATURE_VERSION}.",
                front=True,
            )
        if params["SignatureMethod"] not in SIGNATURE_METHODS:
            raise invalid_value(
                "SignatureMethod",
                params["SignatureMethod"],
                "Valid values: HmacSHA256, HmacSHA1.",
                front=True,
            )
        expires_at = self._expiry(params)
        developer = self.state.accounts.developer(access_key)
        if developer is None:
            raise MWSError(
                "InvalidAccessKeyId",
                "The AWS Access Key Id you provided does not exist in our records.",
                status=403,
                request_id_element=FRONT,
            )
        host = request.headers.get("Host", "")
        if not signature_matches(developer.secret_key, request.method, host, request.path, params):
            raise MWSError(
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided. "
                "Check your AWS Secret Access Key and signing method. Consult the service "
                "documentation for details.",
                status=403,
                request_id_element=FRONT,
            )
        expires_at()
        return developer

    def _expiry(self, params: Mapping[str, str]) -> Callable[[], None]:
        """Parse Timestamp or Expires now; the returned check runs once the signature is good."""
        timestamp, expires = params.get("Timestamp"), params.get("Expires")
        if timestamp and expires:
            raise invalid_value(
                "Expires", expires, "Timestamp and Expires cannot both be given.", front=True
            )
        if not timestamp and not expires:
            raise missing_parameter("Timestamp", front=True)
        name, raw = ("Timestamp", timestamp) if timestamp else ("Expires", expires)
        assert raw is not None
        try:
            moment = parse_date(name, raw)
        except MWSError as error:
            error.request_id_element = FRONT
            raise
        tolerance = self.state.config.checks.timestamp_tolerance_seconds

        def check() -> None:
            now = self.state.clock.time()
            shown = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
            if name == "Expires":
                if now > moment.timestamp():
                    raise _expired(f"Request has expired. Expires date is {shown}")
            elif now - moment.timestamp() > tolerance:
                raise _expired(
                    "Request signature is too far in the past and has expired. "
                    f"Timestamp date: {shown}"
                )
            elif moment.timestamp() - now > tolerance:
                raise _expired(
                    f"Request signature is too far in the future. Timestamp date: {shown}"
                )

        return check

    def _authorize(
        self, params: Mapping[str, str], developer: Developer, section: Section
    ) -> Seller:
        seller_id = params.get("SellerId")
        merchant = params.get("Merchant")
        if section.name != "Sellers" and not seller_id:
            # Feeds and Reports also took the older name of the parameter.
            seller_id = merchant
        elif merchant and seller_id and merchant != seller_id:
            raise invalid_value("Merchant", merchant, "It must equal SellerId.", front=True)
        if not seller_id:
            raise MWSError(
                "InvalidParameterValue",
                "Missing required parameter SellerId.",
                request_id_element=FRONT,
            )
        refusal = self.state.accounts.check(seller_id, developer, params.get("MWSAuthToken"))
        if refusal is not None:
            raise access_denied(refusal)
        seller = self.state.accounts.sellers[seller_id]
        legacy = params.get("Marketplace")
        if legacy and legacy not in seller.marketplaces:
            raise invalid_value(
                "Marketplace", legacy, "The seller does not participate in it.", front=True
            )
        return seller

    def _throttle(
        self, context: _Context, operation: Operation, seller: Seller, developer: Developer
    ) -> None:
        group = throttle_group(operation.name)
        settings = self.state.config.throttling
        multiplier = 1
        if (
            operation.section.name == "Feeds"
            and seller.region == "EU"
            and settings.feeds_hourly_per_eu_marketplace
        ):
            multiplier = len(seller.marketplaces)
        # Kept on the context before any refusal: throttling errors carry the quota headers too.
        decision = context.decision = self.state.throttler.take(
            (seller.seller_id, developer.account_number, group),
            settings.limits(group),
            hourly_multiplier=multiplier,
        )
        if decision.code == "RequestThrottled":
            raise MWSError(
                "RequestThrottled",
                "Request is throttled",
                status=503,
                error_type="",
                request_id_element=FRONT,
            )
        if decision.code == "QuotaExceeded":
            resets = datetime.fromtimestamp(decision.resets_on or 0, tz=UTC)
            raise MWSError(
                "QuotaExceeded",
                f"You exceeded your quota of {float(decision.hourly_max or 0)} requests per 1 "
                f"hour for operation {operation.section.name}/{operation.section.version}/"
                f"{operation.name}.  Your quota will reset on "
                f"{resets.strftime('%a %b %d %H:%M:%S UTC %Y')}",
                status=503,
                error_type="",
                request_id_element=FRONT,
                namespace="",
            )

    # --- Answers ------------------------------------------------------------------------------

    def _headers(self, context: _Context) -> list[tuple[str, str]]:
        now = self.state.clock.time() + context.faults.skew
        headers = [
            ("x-mws-request-id", context.request_id),
            ("x-mws-timestamp", iso_millis(now)),
            ("x-mws-response-context", base64.b64encode(secrets.token_bytes(48)).decode()),
        ]
        operation = context.operation
        if operation is not None and operation.streams:
            headers.append(("x-amz-request-id", context.request_id))
        decision = context.decision
        if (
            operation is not None
            and operation.section.quota_headers
            and decision is not None
            and decision.hourly_max is not None
        ):
            headers += [
                ("x-mws-quota-max", f"{float(decision.hourly_max)}"),
                ("x-mws-quota-remaining", f"{float(decision.hourly_remaining or 0)}"),
                ("x-mws-quota-resetsOn", iso_millis(decision.resets_on or now)),
            ]
        return headers

    def _error(self, error: MWSError, context: _Context) -> ApiResponse:
        body = error.document(context.section_namespace, context.request_id)
        return ApiResponse(
            error.status,
            [*self._headers(context), ("Content-Type", "text/xml")],
            body,
            faults=context.faults,
            action=context.operation.name if context.operation else None,
            seller_id=context.seller.seller_id if context.seller else None,
            code=error.code,
        )

    def _ping(self, context: _Context) -> ApiResponse:
        context.faults = self.faults.decide("Ping", None)
        if context.faults.error is not None:
            raise context.faults.error
        now = self.state.clock.time() + context.faults.skew
        root = El("PingResponse")
        root.add("Timestamp", timestamp=iso_millis(now))
        return ApiResponse(
            200,
            [*self._headers(context), ("Content-Type", "text/xml")],
            render(root),
            faults=context.faults,
            action="Ping",
        )


def _parse_query(text: str) -> dict[str, str]:
    params: dict[str, str] = {}
    for piece in text.split("&"):
        if not piece:
            continue
        name, _, value = piece.partition("=")
        if "=" in value:
            raise MWSError(
                "InvalidParameterValue",
                f"Invalid query string provided - {piece} is not valid; the value of a query "
                "string parameter may not contain a '=' delimiter",
                request_id_element=FRONT,
                namespace=NS_ENDPOINT,
            )
        try:
            name = unquote_plus(name, errors="strict")
            value = unquote_plus(value, errors="strict")
        except UnicodeDecodeError:
            raise _invalid_request("The query string is not valid UTF-8.") from None
        if name in params:
            raise _duplicate(name)
        params[name] = value
    return params


def _duplicate(name: str) -> MWSError:
    return MWSError(
        "InvalidParameterValue",
        f"The parameter {name} was given more than once.",
        request_id_element=FRONT,
    )


def _invalid_request(message: str) -> MWSError:
    return MWSError("InvalidRequest", message, request_id_element=FRONT)


def _expired(message: str) -> MWSError:
    return MWSError("RequestExpired", message, request_id_element=FRONT)
