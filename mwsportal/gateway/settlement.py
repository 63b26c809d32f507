"""What an answer from MWS means for the call, its bucket's queue and the seller: a pure decision.

``settle`` takes what came back for one sending of a call (the error, if any, and whether the
request left this machine) with the call's retry counts so far, and returns a ``Settlement``:
the call's next state, the counts after this answer, whether and when to resend, and what the
seller's authorization has shown. It reads no clock, database or bucket, so the whole table of
answers is tested as a table (``tests/unit/gateway/test_settlement.py``); ``dispatch`` applies
the settlement.

The rules come from one ``RetryPolicy`` (``mws/retry.py``): server errors and transport
failures are resent on the guide's schedule, SubmitFeed is never resent blindly (its outcome is
unknown and reconciled instead), RequestExpired is resent once with a corrected clock, and
RequestThrottled or QuotaExceeded wait for the bucket again, a bounded number of times.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from mwsclient import errors
from mwsclient.retry import RetryPolicy


class Next(StrEnum):
    """What happens to the call after this answer."""

    SUCCEEDED = "succeeded"
    # Back at the head of its queue; ``Settlement.pause`` says how long it waits first (none:
    # it waits for its bucket, or for the seller's new token).
    RESEND = "resend"
    # A SubmitFeed whose answer was lost: MWS may or may not have the feed.
    UNKNOWN = "unknown_outcome"
    FAILED = "failed"


class Alarm(StrEnum):
    """A failure the operator should hear about beyond the call's own record."""

    NONE = ""
    # MWS refused the developer keys: every call fails until the settings are fixed.
    DEVELOPER_KEYS = "developer_keys"
    # The call could not be sent for a reason of our own (not an MWS error).
    LOCAL = "local"


@dataclass(frozen=True)
class Tries:
    """A call's resend counts before this answer (fields of ``MWSCall``)."""

    server_retries: int = 0
    throttled_retries: int = 0
    resynced: bool = False


@dataclass(frozen=True)
class Settlement:
    next: Next
    tries: Tries
    # For ``RESEND`` after a server error or a lost answer: the number of this resend (1-based),
    # whose pause the policy gives (``RetryPolicy.delay``). None: resend without a pause.
    server_retry: int | None = None
    # The answer proves the seller's Seller ID and token work.
    token_accepted: bool = False
    # MWS answered AccessDenied: the seller's authorization was revoked or has lapsed.
    authorization_refused: bool = False
    alarm: Alarm = Alarm.NONE


def settle(
    operation: str,
    error: BaseException | None,
    *,
    reached_mws: bool,
    tries: Tries,
    policy: RetryPolicy,
) -> Settlement:
    """The settlement of one answer to ``operation``.

    ``error`` is what the client raised (None for a success); ``reached_mws`` whether any HTTP
    attempt was made, which decides what a failure of our own after sending means.
    """
    if error is None:
        return Settlement(Next.SUCCEEDED, tries, token_accepted=True)
    if isinstance(error, errors.ThrottledError | errors.QuotaExceededError):
        # MWS refused the request before doing anything: resending is safe, even a feed.
        counted = Tries(tries.server_retries, tries.throttled_retries + 1, tries.resynced)
        if counted.throttled_retries > policy.max_throttled_retries:
            return Settlement(Next.FAILED, counted)
        return Settlement(Next.RESEND, counted)
    if isinstance(error, errors.AccessDeniedError) and error.code == "AccessDenied":
        # The call stays first in its queue and goes out once the seller stores a new token.
        return Settlement(Next.RESEND, tries, authorization_refused=True)
    if (
        isinstance(error, errors.RequestExpiredError)
        and not tries.resynced
        and policy.clock_resyncs > 0
    ):
        # The client learned MWS's clock from this very answer; one more try signs with it.
        return Settlement(Next.RESEND, Tries(tries.server_retries, tries.throttled_retries, True))
    if _may_have_reached_mws(error, reached_mws) and not policy.repeatable(operation):
        return Settlement(Next.UNKNOWN, tries)
    if _is_transient(error, reached_mws):
        if tries.server_retries >= policy.max_retries:
            return Settlement(Next.FAILED, tries)
        retry = tries.server_retries + 1
        counted = Tries(retry, tries.throttled_retries, tries.resynced)
        return Settlement(Next.RESEND, counted, server_retry=retry)
    return Settlement(Next.FAILED, tries, alarm=_alarm(error))


def _may_have_reached_mws(error: BaseException, reached_mws: bool) -> bool:
    """Whether MWS may have received the request although no usable answer came back."""
    if isinstance(error, errors.MWSError):
        return isinstance(error, errors.ServerError | errors.TransportError)
    return reached_mws


def _is_transient(error: BaseException, reached_mws: bool) -> bool:
    if isinstance(error, errors.MWSError):
        return error.retryable
    # A failure of our own after the request went out looks like a lost answer to MWS.
    return reached_mws


def _alarm(error: BaseException) -> Alarm:
    if isinstance(error, errors.InvalidCredentialsError):
        return Alarm.DEVELOPER_KEYS
    if not isinstance(error, errors.MWSError):
        return Alarm.LOCAL
    return Alarm.NONE
