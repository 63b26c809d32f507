"""What an answer means for a call: the gateway's decision, as a table of answer -> settlement."""

from __future__ import annotations

import pytest

from mwsclient import errors
from mwsclient.retry import DEFAULT_RETRY_POLICY, NO_RETRY, RetryPolicy
from mwsportal.gateway.settlement import Alarm, Next, Settlement, Tries, settle

FRESH = Tries()
USED_UP = Tries(server_retries=4)


def mws(family: type[errors.MWSError], code: str, status: int = 400) -> errors.MWSError:
    return family(f"{code} answer", code=code, http_status=status)


THROTTLED = mws(errors.ThrottledError, "RequestThrottled", 503)
QUOTA = mws(errors.QuotaExceededError, "QuotaExceeded", 503)
ACCESS_DENIED = mws(errors.AccessDeniedError, "AccessDenied", 401)
UNAUTHORIZED_TOKEN = mws(errors.AccessDeniedError, "InvalidAuthToken", 401)
EXPIRED = mws(errors.RequestExpiredError, "RequestExpired")
SERVER = mws(errors.ServerError, "InternalError", 500)
UNAVAILABLE = mws(errors.ServiceUnavailableError, "ServiceUnavailable", 503)
LOST = errors.TransportError("ConnectionError: reset", operation="GetReportCount")
GARBLED = errors.InvalidResponseError("HTML from a proxy", http_status=200)
BAD_PARAMETER = mws(errors.InvalidParameterError, "InvalidParameterValue")
KEYS = mws(errors.InvalidCredentialsError, "InvalidAccessKeyId", 401)
NOT_READY = mws(errors.NotReadyError, "ReportNotReady")
MISMATCH = errors.ChecksumMismatchError("Content-MD5 differs", http_status=200)
OURS = RuntimeError("a bug of ours")

TABLE: list[tuple[str, str, BaseException | None, bool, Tries, Settlement]] = [
    # id, operation, error, reached MWS, tries before, settlement
    (
        "success",
        "GetReportCount",
        None,
        True,
        FRESH,
        Settlement(Next.SUCCEEDED, FRESH, token_accepted=True),
    ),
    (
        "feed accepted",
        "SubmitFeed",
        None,
        True,
        FRESH,
        Settlement(Next.SUCCEEDED, FRESH, token_accepted=True),
    ),
    (
        "throttled waits for its bucket",
        "GetReportCount",
        THROTTLED,
        True,
        FRESH,
        Settlement(Next.RESEND, Tries(throttled_retries=1)),
    ),
    (
        "a throttled feed is resent: MWS did nothing",
        "SubmitFeed",
        THROTTLED,
        True,
        FRESH,
        Settlement(Next.RESEND, Tries(throttled_retries=1)),
    ),
    (
        "quota exceeded waits",
        "RequestReport",
        QUOTA,
        True,
        Tries(throttled_retries=3),
        Settlement(Next.RESEND, Tries(throttled_retries=4)),
    ),
    (
        "throttled for the eleventh time fails",
        "GetReportCount",
        THROTTLED,
        True,
        Tries(throttled_retries=10),
        Settlement(Next.FAILED, Tries(throttled_retries=11)),
    ),
    (
        "access denied holds the call for a new token",
        "GetReportCount",
        ACCESS_DENIED,
        True,
        FRESH,
        Settlement(Next.RESEND, FRESH, authorization_refused=True),
    ),
    (
        "another access-denied code fails",
        "GetReportCount",
        UNAUTHORIZED_TOKEN,
        True,
        FRESH,
        Settlement(Next.FAILED, FRESH),
    ),
    (
        "expired is resent once with the corrected clock",
        "GetReportCount",
        EXPIRED,
        True,
        FRESH,
        Settlement(Next.RESEND, Tries(resynced=True)),
    ),
    (
        "a feed expired is resent once too: MWS refused it",
        "SubmitFeed",
        EXPIRED,
        True,
        FRESH,
        Settlement(Next.RESEND, Tries(resynced=True)),
    ),
    (
        "expired again fails",
        "GetReportCount",
        EXPIRED,
        True,
        Tries(resynced=True),
        Settlement(Next.FAILED, Tries(resynced=True)),
    ),
    (
        "server error: first resend",
        "GetReportCount",
        SERVER,
        True,
        FRESH,
        Settlement(Next.RESEND, Tries(server_retries=1), server_retry=1),
    ),
    (
        "unavailable: third resend",
        "GetReportList",
        UNAVAILABLE,
        True,
        Tries(server_retries=2),
        Settlement(Next.RESEND, Tries(server_retries=3), server_retry=3),
    ),
    (
        "server error after four resends fails",
        "GetReportCount",
        SERVER,
        True,
        USED_UP,
        Settlement(Next.FAILED, USED_UP),
    ),
    (
        "lost answer is resent",
        "GetReport",
        LOST,
        True,
        FRESH,
        Settlement(Next.RESEND, Tries(server_retries=1), server_retry=1),
    ),
    (
        "garbled answer is resent",
        "GetReportCount",
        GARBLED,
        True,
        FRESH,
        Settlement(Next.RESEND, Tries(server_retries=1), server_retry=1),
    ),
    (
        "a feed's server error is never resent",
        "SubmitFeed",
        SERVER,
        True,
        FRESH,
        Settlement(Next.UNKNOWN, FRESH),
    ),
    (
        "a feed's lost answer is never resent",
        "SubmitFeed",
        LOST,
        True,
        FRESH,
        Settlement(Next.UNKNOWN, FRESH),
    ),
    (
        "bad parameter fails at once",
        "RequestReport",
        BAD_PARAMETER,
        True,
        FRESH,
        Settlement(Next.FAILED, FRESH),
    ),
    (
        "a rejected feed fails, it is not unknown",
        "SubmitFeed",
        BAD_PARAMETER,
        True,
        FRESH,
        Settlement(Next.FAILED, FRESH),
    ),
    (
        "not ready fails (the poll asks again)",
        "GetFeedSubmissionResult",
        NOT_READY,
        True,
        FRESH,
        Settlement(Next.FAILED, FRESH),
    ),
    (
        "checksum mismatch fails (the handler fetches again)",
        "GetReport",
        MISMATCH,
        True,
        FRESH,
        Settlement(Next.FAILED, FRESH),
    ),
    (
        "refused developer keys fail loudly",
        "GetReportCount",
        KEYS,
        True,
        FRESH,
        Settlement(Next.FAILED, FRESH, alarm=Alarm.DEVELOPER_KEYS),
    ),
    (
        "our failure before sending fails loudly",
        "GetReportCount",
        OURS,
        False,
        FRESH,
        Settlement(Next.FAILED, FRESH, alarm=Alarm.LOCAL),
    ),
    (
        "our failure after sending looks like a lost answer",
        "GetReportCount",
        OURS,
        True,
        FRESH,
        Settlement(Next.RESEND, Tries(server_retries=1), server_retry=1),
    ),
    (
        "our failure after sending a feed: unknown",
        "SubmitFeed",
        OURS,
        True,
        FRESH,
        Settlement(Next.UNKNOWN, FRESH),
    ),
    (
        "our failure before sending a feed fails",
        "SubmitFeed",
        OURS,
        False,
        FRESH,
        Settlement(Next.FAILED, FRESH, alarm=Alarm.LOCAL),
    ),
]


@pytest.mark.parametrize(
    ("operation", "error", "reached_mws", "tries", "expected"),
    [row[1:] for row in TABLE],
    ids=[row[0] for row in TABLE],
)
def test_answer_settles_the_call(
    operation: str,
    error: BaseException | None,
    reached_mws: bool,
    tries: Tries,
    expected: Settlement,
) -> None:
    decided = settle(
        operation, error, reached_mws=reached_mws, tries=tries, policy=DEFAULT_RETRY_POLICY
    )
    assert decided == expected


def test_the_policy_is_the_only_source_of_the_numbers() -> None:
    patient = RetryPolicy(delays=(1.0,) * 6, max_throttled_retries=2, not_repeatable=frozenset())
    assert settle(
        "GetReportCount", SERVER, reached_mws=True, tries=USED_UP, policy=patient
    ) == Settlement(Next.RESEND, Tries(server_retries=5), server_retry=5)
    assert settle(
        "GetReportCount",
        THROTTLED,
        reached_mws=True,
        tries=Tries(throttled_retries=2),
        policy=patient,
    ) == Settlement(Next.FAILED, Tries(throttled_retries=3))
    # An operation the policy does not protect is resent like any other.
    assert settle("SubmitFeed", LOST, reached_mws=True, tries=FRESH, policy=patient) == Settlement(
        Next.RESEND, Tries(server_retries=1), server_retry=1
    )
    # Without resyncs, RequestExpired is final.
    assert settle("GetReportCount", EXPIRED, reached_mws=True, tries=FRESH, policy=NO_RETRY) == (
        Settlement(Next.FAILED, FRESH)
    )


def test_the_guides_schedule() -> None:
    assert DEFAULT_RETRY_POLICY.delays == (1.0, 4.0, 10.0, 30.0)
    assert DEFAULT_RETRY_POLICY.max_retries == 4
    assert not DEFAULT_RETRY_POLICY.repeatable("SubmitFeed")
    assert [DEFAULT_RETRY_POLICY.delay(n, rand=lambda: 0.5) for n in (1, 2, 3, 4)] == [
        1.0,
        4.0,
        10.0,
        30.0,
    ]
    assert DEFAULT_RETRY_POLICY.delay(4, rand=lambda: 1.0) == pytest.approx(36.0)
