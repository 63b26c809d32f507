"""MWS error responses: code, HTTP status, message, namespace and the RequestId spelling.

Real MWS spelled the request id element ``RequestID`` in errors raised in front of the service
(authentication, signature, throttling, addressing) and ``RequestId`` in errors raised by the
Reports/Feeds service itself (reference section 1.8); both spellings are reproduced here, and the
messages that were seen in real traffic are copied exactly.
"""

from __future__ import annotations

from typing import Final

from mwssandbox.xmlout import NS_ENDPOINT, El, render

FRONT = "RequestID"
SERVICE = "RequestId"

# Every code the sandbox can answer with. An error built with another code is a programming
# error, so that a new code cannot slip past the test that holds the portal's client to
# knowing every one of them.
CODES: Final[frozenset[str]] = frozenset(
    {
        "AccessDenied", "AccessToFeedProcessingResultDenied", "AccessToReportDenied",
        "ContentMD5DoesNotMatch", "ContentMD5Missing", "FeedCanceled",
        "FeedProcessingResultNoLongerAvailable", "FeedProcessingResultNotReady",
        "InputStreamDisconnected", "InternalError", "InvalidAccessKeyId", "InvalidAction",
        "InvalidAddress", "InvalidFeedSubmissionId", "InvalidFeedType", "InvalidParameterValue",
        "InvalidQueryParameter", "InvalidReportId", "InvalidReportRequestId", "InvalidReportType",
        "InvalidRequest", "InvalidScheduleFrequency", "MissingClientTokenId", "MissingParameter",
        "NextTokenCorrupted", "QuotaExceeded", "ReportNoLongerAvailable", "RequestExpired",
        "RequestThrottled", "ServiceUnavailable", "SignatureDoesNotMatch",
        "UserAgentHeaderLanguageAttributeMissing", "UserAgentHeaderMalformed",
        "UserAgentHeaderMaximumLengthExceeded", "UserAgentHeaderMissing", "ValidationError",
    }
)  # fmt: skip


class MWSError(Exception):
    """An error MWS would answer with an ``ErrorResponse`` document.

    ``namespace`` None means "the namespace of the section being called"; the empty string means
    no namespace at all (seen on QuotaExceeded).
    """

    def __init__(
        self,
        code: str,
        message: str,
        *,
        status: int = 400,
        error_type: str = "Sender",
        request_id_element: str = SERVICE,
        namespace: str | None = None,
    ) -> None:
        if code not in CODES:
            raise ValueError(f"{code} is not one of the sandbox's error codes (errors.CODES)")
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status
        self.error_type = error_type
        self.request_id_element = request_id_element
        self.namespace = namespace

    def document(self, section_namespace: str, request_id: str) -> bytes:
        namespace = section_namespace if self.namespace is None else self.namespace
        root = El("ErrorResponse", attrs={"xmlns": namespace} if namespace else {})
        error = root.add("Error")
        error.add("Type", self.error_type)
        error.add("Code", self.code)
        # Recorded answers carry no <Detail> at all, not even an empty one.
        error.add("Message", self.message)
        root.add(self.request_id_element, request_id)
        declaration = '<?xml version="1.0"?>'
        if not namespace:
            declaration = '<?xml version="1.0" standalone="no"?>'
        return render(root, declaration=declaration)


def invalid_address(path: str, reason: str = "") -> MWSError:
    message = f"Resource {path} is not found on this server."
    return MWSError(
        "InvalidAddress",
        f"{message} {reason}" if reason else message,
        status=404,
        request_id_element=FRONT,
        namespace=NS_ENDPOINT,
    )


def missing_parameter(name: str, *, front: bool = False) -> MWSError:
    return MWSError(
        "MissingParameter",
        f"The request must contain the parameter {name}.",
        request_id_element=FRONT if front else SERVICE,
    )


def invalid_value(name: str, value: str, why: str = "", *, front: bool = False) -> MWSError:
    message = f"Value ({value}) for parameter {name} is invalid."
    return MWSError(
        "InvalidParameterValue",
        f"{message} {why}" if why else message,
        request_id_element=FRONT if front else SERVICE,
    )


def access_denied(message: str = "Access denied") -> MWSError:
    return MWSError("AccessDenied", message, status=401, request_id_element=FRONT)


def internal_error() -> MWSError:
    return MWSError(
        "InternalError",
        "We encountered an internal error. Please try again.",
        status=500,
        error_type="Receiver",
        request_id_element=FRONT,
    )


def service_unavailable() -> MWSError:
    return MWSError(
        "ServiceUnavailable",
        "Service is temporarily unavailable. Please try again later.",
        status=503,
        error_type="Receiver",
        request_id_element=FRONT,
    )


def validation_null(member: str) -> MWSError:
    """What a ByNextToken call without NextToken got (seen in real traffic)."""
    return MWSError(
        "ValidationError",
        f"1 validation error detected: Value null at '{member}' failed to satisfy constraint: "
        "Member must not be null",
    )
