"""Brute-force protection for the login form.

Failed logins are counted per account name and per client address in Django's cache, which
every web process shares (a file cache on one machine, Redis on several). When either count
reaches its limit within the lockout window, that account or address is refused for
``LOGIN_LOCKOUT_SECONDS`` without the password even being checked, so guessing stops paying off.

Names that do not exist are counted exactly like real ones, so a lockout never tells an
attacker which accounts exist. A successful login clears only its own account's count: clearing
the address count too would let one valid login reset an attacker's budget.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

KEY_PREFIX = "login-throttle"


@dataclass(frozen=True)
class Lockout:
    seconds_left: int

    @property
    def minutes_left(self) -> int:
        return max(1, math.ceil(self.seconds_left / 60))


def client_ip(request: HttpRequest) -> str:
    """The address of the client, looking through exactly TRUSTED_PROXY_COUNT proxies.

    Each proxy appends the address it received the request from to X-Forwarded-For, so with N
    trusted proxies the client is the N-th entry from the right; anything further left was
    written by the client and cannot be trusted.
    """
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _digest(value: str) -> str:
    # Keys stay short and free of characters some cache backends refuse (spaces, control
    # characters, very long e-mail addresses).
    return hashlib.sha256(value.encode("utf-8")).hexdigest()[:40]


class LoginThrottle:
    def __init__(self, username: str, ip: str) -> None:
        self._scopes = [
            (
                f"account:{_digest(username.strip().casefold())}",
                settings.LOGIN_FAILURE_LIMIT_PER_ACCOUNT,
            ),
            (f"ip:{_digest(ip)}", settings.LOGIN_FAILURE_LIMIT_PER_IP),
        ]

    @staticmethod
    def _failures_key(scope: str) -> str:
        return f"{KEY_PREFIX}:failures:{scope}"

    @staticmethod
    def _lock_key(scope: str) -> str:
        return f"{KEY_PREFIX}:locked-until:{scope}"

    def lockout(self) -> Lockout | None:
        """The longest lockout in force for this account or address, if any."""
        now = time.time()
        ends = [
            until
            for scope, _ in self._scopes
            if (until := cache.get(self._lock_key(scope))) is not None and until > now
        ]
        if not ends:
            return None
        return Lockout(seconds_left=math.ceil(max(ends) - now))

    def record_failure(self) -> None:
        window = settings.LOGIN_LOCKOUT_SECONDS
        for scope, limit in self._scopes:
            key = self._failures_key(scope)
            # add() starts the window on the first failure; incr() is atomic on Redis.
            cache.add(key, 0, timeout=window)
            try:
                failures = cache.incr(key)
            except ValueError:
                # The window expired between add() and incr(); this failure starts a new one.
                cache.set(key, 1, timeout=window)
                failures = 1
            if failures >= limit:
                cache.set(self._lock_key(scope), time.time() + window, timeout=window)
                cache.delete(key)

    def record_success(self) -> None:
        account_scope = self._scopes[0][0]
        cache.delete(self._failures_key(account_scope))

    def clear_account(self) -> None:
        """Lift the account's lockout: its owner proved control of the address (password reset)."""
        account_scope = self._scopes[0][0]
        cache.delete_many([self._failures_key(account_scope), self._lock_key(account_scope)])
