from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mwsclient.errors import (
    AccessDeniedError,
    ChecksumMismatchError,
    InvalidCredentialsError,
    InvalidParameterError,
    MWSError,
    NextTokenCorruptedError,
    NoLongerAvailableError,
    NotReadyError,
    QuotaExceededError,
    RequestExpiredError,
    ServerError,
    ServiceUnavailableError,
    ThrottledError,
    TransportError,
    error_class_for,
)
from mwsclient.results import QuotaInfo


@pytest.mark.parametrize(
    ("code", "status", "family"),
    [
        ("RequestThrottled", 503, ThrottledError),
        ("QuotaExceeded", 503, QuotaExceededError),
        ("ServiceUnavailable", 503, ServiceUnavailableError),
        (None, 503, ServiceUnavailableError),
        ("InternalError", 500, ServerError),
        (None, 502, ServerError),
        ("AccessDenied", 401, AccessDeniedError),
        ("AccessToReportDenied", 401, AccessDeniedError),
        ("InvalidAccessKeyId", 403, InvalidCredentialsError),
        ("SignatureDoesNotMatch", 403, InvalidCredentialsError),
        ("InvalidParameterValue", 400, InvalidParameterError),
        ("ValidationError", 400, InvalidParameterError),
        ("InvalidReportRequestId", 400, InvalidParameterError),
        ("InvalidAddress", 404, InvalidParameterError),
        ("ReportNotReady", 400, NotReadyError),
        ("FeedProcessingResultNotReady", 400, NotReadyError),
        ("FeedCanceled", 400, NoLongerAvailableError),
        ("ReportNoLongerAvailable", 400, NoLongerAvailableError),
        ("NextTokenCorrupted", 400, NextTokenCorruptedError),
        ("ContentMD5DoesNotMatch", 400, ChecksumMismatchError),
        ("RequestExpired", 400, RequestExpiredError),
        ("SomethingNew", 400, MWSError),
    ],
)
def test_family_by_code_then_status(code: str | None, status: int, family: type) -> None:
    assert error_class_for(code, status) is family


def test_only_server_and_transport_failures_are_retryable() -> None:
    assert ServerError("x").retryable
    assert ServiceUnavailableError("x").retryable
    assert TransportError("x").retryable
    assert not ThrottledError("x").retryable
    assert not QuotaExceededError("x").retryable
    assert not InvalidParameterError("x").retryable


def test_quota_reset_from_header_or_message() -> None:
    message = (
        "You exceeded your quota of 30.0 requests per 1 hour for operation "
        "Feeds/2009-01-01/SubmitFeed.  Your quota will reset on Thu Oct 24 00:42:00 UTC 2013"
    )
    assert QuotaExceededError(message).resets_on == datetime(2013, 10, 24, 0, 42, tzinfo=UTC)
    header_time = datetime(2020, 6, 11, 8, 12, tzinfo=UTC)
    with_header = QuotaExceededError(message, quota=QuotaInfo(30.0, 0.0, header_time))
    assert with_header.resets_on == header_time
    assert QuotaExceededError("no time here").resets_on is None


def test_message_carries_the_facts_and_no_secret() -> None:
    error = InvalidParameterError(
        "Invalid query string provided - MWSAuthToken=amzn.mws.4ea38b7b-f563-7709-4bae-87ae "
        "is not valid",
        code="InvalidParameterValue",
        http_status=400,
        request_id="rid-1",
        operation="SubmitFeed",
    )
    text = str(error)
    assert "amzn.mws.4ea38b7b" not in text
    assert text.startswith("InvalidParameterValue: ")
    assert "HTTP 400" in text
    assert "rid-1" in text
    assert "SubmitFeed" in text


def test_local_validation_error_names_parameter_and_rule() -> None:
    error = InvalidParameterError.local("MaxCount", "must be at most 100, got 101")
    assert (error.parameter, error.rule, error.http_status) == (
        "MaxCount",
        "must be at most 100, got 101",
        None,
    )
    assert isinstance(error, ValueError)


def test_errors_survive_pickling_with_their_facts() -> None:
    """Workers hand exceptions across processes (Celery); the facts must come along."""
    import pickle

    def roundtrip(error: MWSError) -> MWSError:
        return pickle.loads(pickle.dumps(error))  # noqa: S301 (bytes this test just made)

    quota = QuotaInfo(60.0, 0.0, datetime(2020, 6, 11, 8, 12, tzinfo=UTC))
    original = ThrottledError(
        "Request is throttled",
        code="RequestThrottled",
        http_status=503,
        request_id="r",
        quota=quota,
    )
    copy = roundtrip(original)
    assert type(copy) is ThrottledError
    assert (copy.code, copy.http_status, copy.request_id, copy.quota) == (
        "RequestThrottled",
        503,
        "r",
        quota,
    )
    assert str(copy) == str(original)
    checksum = roundtrip(ChecksumMismatchError("x", expected="a", actual="b"))
    assert (checksum.expected, checksum.actual) == ("a", "b")
    local = roundtrip(InvalidParameterError.local("MaxCount", "too big"))
    assert (local.parameter, local.rule) == ("MaxCount", "too big")
