"""Exceptions: one class per family of MWS error that a caller acts on differently.

Every exception carries what the guide asks to record (request id) and what a scheduler needs
(HTTP status, code, quota headers). Server messages are redacted before they become part of an
exception's text, because some MWS messages echo the query string back.

Families and what a caller does with them:

=========================  ==============================================================
ThrottledError             RequestThrottled: wait for the bucket to restore, then resend.
QuotaExceededError         QuotaExceeded: nothing until ``resets_on``.
AccessDeniedError          The seller revoked or never granted access: stop, ask the seller.
InvalidCredentialsError    InvalidAccessKeyId / SignatureDoesNotMatch: operator must fix keys.
InvalidParameterError      Bad input, caught before sending or reported by MWS: do not retry.
NotReadyError              ReportNotReady / FeedProcessingResultNotReady: poll again later.
NoLongerAvailableError     Report or result expired, or the feed was cancelled: give up.
NextTokenCorruptedError    Restart paging from the original operation.
ServerError                500 InternalError (retried by the default policy).
ServiceUnavailableError    503 that is an outage, not throttling (retried).
ChecksumMismatchError      A download's Content-MD5 missing or wrong, or MWS's own feed check.
FeedChangedError           A feed file that no longer matches its stored MD5: never sent.
TransportError             Timeouts, resets, bodies that are not MWS XML (retried).
RequestExpiredError        Timestamp too far from MWS's clock (one re-sync, one retry).
=========================  ==============================================================
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypedDict, Unpack

from mwsclient.redaction import redact
from mwsclient.results import QuotaInfo


@dataclass(frozen=True)
class ErrorItem:
    """One ``<Error>`` of an ErrorResponse; MWS may send several in one answer."""

    code: str | None
    message: str
    error_type: str | None = None
    detail: str | None = None


class ErrorFields(TypedDict, total=False):
    http_status: int | None
    error_type: str | None
    code: str | None
    request_id: str | None
    quota: QuotaInfo | None
    detail: str | None
    operation: str | None
    errors: tuple[ErrorItem, ...]


class MWSError(Exception):
    """Base of every error this package raises about an MWS call."""

    def __init__(
        self,
        message: str,
        *,
        http_status: int | None = None,
        error_type: str | None = None,
        code: str | None = None,
        request_id: str | None = None,
        quota: QuotaInfo | None = None,
        detail: str | None = None,
        operation: str | None = None,
        errors: tuple[ErrorItem, ...] = (),
    ) -> None:
        self.message = redact(message)
        self.http_status = http_status
        self.error_type = error_type
        self.code = code
        self.request_id = request_id
        self.quota = quota
        self.detail = redact(detail) if detail else detail
        self.operation = operation
        # Every <Error> of the answer, the first (which sets the family) included.
        self.errors = tuple(
            ErrorItem(
                code=item.code,
                message=redact(item.message),
                error_type=item.error_type,
                detail=redact(item.detail) if item.detail else item.detail,
            )
            for item in errors
        )
        super().__init__(self._describe())

    def _describe(self) -> str:
        head = f"{self.code}: {self.message}" if self.code else self.message
        facts = [
            f"operation {self.operation}" if self.operation else None,
            f"HTTP {self.http_status}" if self.http_status is not None else None,
            f"request id {self.request_id}" if self.request_id else None,
        ]
        present = [fact for fact in facts if fact]
        described = f"{head} ({', '.join(present)})" if present else head
        others = self.errors[1:]
        if others:
            listed = "; ".join(f"{item.code or 'error'}: {item.message}" for item in others)
            described = f"{described}; {len(others)} more: {listed}"
        return described

    @property
    def retryable(self) -> bool:
        """Whether the default retry policy may resend the same request after a pause."""
        return False


class ThrottledError(MWSError):
    pass


class QuotaExceededError(MWSError):
    @property
    def resets_on(self) -> datetime | None:
        """When the hourly window lets calls through again: the ``x-mws-quota-resetsOn``
        header, else the time named in the message."""
        if self.quota and self.quota.resets_on:
            return self.quota.resets_on
        return _reset_from_message(self.message)


class AccessDeniedError(MWSError):
    pass


class InvalidCredentialsError(MWSError):
    pass


class InvalidParameterError(MWSError, ValueError):
    """A parameter MWS would reject, caught locally (``parameter`` and ``rule`` say which and
    why) or reported by MWS (``parameter`` is then None)."""

    def __init__(
        self,
        message: str,
        *,
        parameter: str | None = None,
        rule: str | None = None,
        **fields: Unpack[ErrorFields],
    ) -> None:
        self.parameter = parameter
        self.rule = rule
        super().__init__(message, **fields)

    @classmethod
    def local(
        cls, parameter: str, rule: str, *, operation: str | None = None
    ) -> InvalidParameterError:
        return cls(f"{parameter}: {rule}", parameter=parameter, rule=rule, operation=operation)


class NotReadyError(MWSError):
    pass


class NoLongerAvailableError(MWSError):
    pass


class NextTokenCorruptedError(MWSError):
    pass


class ServerError(MWSError):
    @property
    def retryable(self) -> bool:
        return True


class ServiceUnavailableError(ServerError):
    pass


class ChecksumMismatchError(MWSError):
    def __init__(
        self,
        message: str,
        *,
        expected: str | None = None,
        actual: str | None = None,
        bytes_written: int | None = None,
        **fields: Unpack[ErrorFields],
    ) -> None:
        self.expected = expected
        self.actual = actual
        self.bytes_written = bytes_written
        super().__init__(message, **fields)


class FeedChangedError(ChecksumMismatchError):
    """The feed file does not match the Content-MD5 it was stored with (changed or corrupted in
    storage). Found before the request is sent, or while it streams, in which case the body is
    cut off before its last block, so MWS never receives a complete feed."""


class TransportError(MWSError):
    @property
    def retryable(self) -> bool:
        return True


class InvalidResponseError(TransportError):
    """A body that is not the MWS XML we expect: HTML from a proxy, a truncated document, a
    document with a DTD (refused, never expanded), or a response for another operation."""


class RequestExpiredError(MWSError):
    pass


_BY_CODE: dict[str, type[MWSError]] = {
    "RequestThrottled": ThrottledError,
    "QuotaExceeded": QuotaExceededError,
    "AccessDenied": AccessDeniedError,
    "AccessToReportDenied": AccessDeniedError,
    "AccessToFeedProcessingResultDenied": AccessDeniedError,
    "InvalidAccessKeyId": InvalidCredentialsError,
    "SignatureDoesNotMatch": InvalidCredentialsError,
    "InvalidParameterValue": InvalidParameterError,
    "InvalidQueryParameter": InvalidParameterError,
    "MissingParameter": InvalidParameterError,
    "MissingClientTokenId": InvalidParameterError,
    "ValidationError": InvalidParameterError,
    "InvalidRequest": InvalidParameterError,
    # An Action the endpoint does not know: a wrong version or path, not worth resending.
    "InvalidAction": InvalidParameterError,
    "InvalidAddress": InvalidParameterError,
    "InvalidReportId": InvalidParameterError,
    "InvalidReportRequestId": InvalidParameterError,
    "InvalidReportType": InvalidParameterError,
    "InvalidScheduleFrequency": InvalidParameterError,
    "InvalidFeedSubmissionId": InvalidParameterError,
    "InvalidFeedType": InvalidParameterError,
    "InputDataError": InvalidParameterError,
    "ContentMD5Missing": InvalidParameterError,
    "UserAgentHeaderMissing": InvalidParameterError,
    "UserAgentHeaderMalformed": InvalidParameterError,
    "UserAgentHeaderLanguageAttributeMissing": InvalidParameterError,
    "UserAgentHeaderMaximumLengthExceeded": InvalidParameterError,
    "ContentMD5DoesNotMatch": ChecksumMismatchError,
    "ReportNotReady": NotReadyError,
    "FeedProcessingResultNotReady": NotReadyError,
    "ReportNoLongerAvailable": NoLongerAvailableError,
    "FeedProcessingResultNoLongerAvailable": NoLongerAvailableError,
    "FeedCanceled": NoLongerAvailableError,
    "NextTokenCorrupted": NextTokenCorruptedError,
    "InternalError": ServerError,
    "ServiceUnavailable": ServiceUnavailableError,
    "RequestExpired": RequestExpiredError,
    "InputStreamDisconnected": TransportError,
}


def known_codes() -> frozenset[str]:
    """The codes that have a family of their own."""
    return frozenset(_BY_CODE)


def error_class_for(code: str | None, http_status: int | None) -> type[MWSError]:
    """The family of an ErrorResponse: by code first, because the status is ambiguous (a 503
    is throttling, an hourly quota or an outage depending on the body)."""
    if code and code in _BY_CODE:
        return _BY_CODE[code]
    if http_status == 503:
        return ServiceUnavailableError
    if http_status is not None and http_status >= 500:
        return ServerError
    if http_status == 401:
        return AccessDeniedError
    if http_status == 403:
        return InvalidCredentialsError
    return MWSError


# "Your quota will reset on Thu Oct 24 00:42:00 UTC 2013" (Java's Date.toString, in UTC).
_RESET_RE = re.compile(r"reset on \w{3} (\w{3} \d{1,2} \d{2}:\d{2}:\d{2}) UTC (\d{4})")


def _reset_from_message(message: str) -> datetime | None:
    match = _RESET_RE.search(message)
    if not match:
        return None
    try:
        parsed = datetime.strptime(f"{match.group(1)} {match.group(2)}", "%b %d %H:%M:%S %Y")
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC)
