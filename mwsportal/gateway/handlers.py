"""Result handlers: what a service wants done with the outcome of the MWS calls it asked for.

A service registers a function under a stable name and passes that name when it asks for a
call; the name (not the function) is stored with the call, so the outcome can be delivered by
whichever worker process sends it::

    @result_handler("reports.report_requested")
    def on_report_requested(outcome: CallOutcome) -> None:
        ...

Handlers live in the app's ``services.py``, which the gateway imports at start-up in every
process. A handler runs once, in the worker, inside the transaction that records the call's
outcome: its database writes and the call's final state commit together. It must not sleep or
call MWS itself (it asks the gateway for the next call instead).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured

from mwsclient.errors import MWSError, NextTokenCorruptedError

if TYPE_CHECKING:
    from mwsportal.gateway.models import MWSCall


@dataclass(frozen=True)
class Download:
    """A verified download (GetReport, GetFeedSubmissionResult) waiting in a temporary file.

    The handler moves or copies ``path`` where it belongs; whatever is left there once the
    handler returns is deleted.
    """

    path: Path
    md5: str
    size: int
    content_type: str | None
    charset: str | None


@dataclass(frozen=True)
class CallOutcome:
    """How a call ended, as its handler sees it.

    ``call.state`` is one of: ``succeeded`` (``result`` is the typed result of the client, or
    ``download`` is set), ``failed`` (``error`` says why; retries, if any applied, are
    used up), ``unknown_outcome`` (a SubmitFeed whose answer was lost: MWS may or may not have
    the feed, so it is not resent; reconcile with GetFeedSubmissionList) or ``cancelled`` (the
    seller's authorization was removed before the call could be sent).
    """

    call: MWSCall
    result: Any = None
    download: Download | None = None
    error: MWSError | None = None

    @property
    def state(self) -> str:
        return self.call.state

    @property
    def succeeded(self) -> bool:
        return self.call.state == "succeeded"

    @property
    def context(self) -> dict[str, Any]:
        context: dict[str, Any] = self.call.context
        return context

    def paging_restart(self) -> int | None:
        """For a page MWS refused with NextTokenCorrupted: the number of the restart to give
        the original operation (the guide says to call it again at once), carried in the
        context as ``paging_restarts``. None for any other outcome, and once
        ``MAX_PAGING_RESTARTS`` restarts in a row met a corrupted token too: then the next
        periodic run starts over, so a token MWS keeps refusing cannot loop."""
        if not isinstance(self.error, NextTokenCorruptedError):
            return None
        restarts = int(self.context.get("paging_restarts", 0))
        return restarts + 1 if restarts < MAX_PAGING_RESTARTS else None


# Restarts in a row of a listing whose NextToken MWS called corrupted (see paging_restart).
MAX_PAGING_RESTARTS = 3


def paging_context(restarts: int) -> dict[str, int]:
    """The context entry that carries a listing's restart count to its calls (none for a
    listing that is not a restart)."""
    return {"paging_restarts": restarts} if restarts else {}


Handler = Callable[[CallOutcome], None]

_handlers: dict[str, Handler] = {}


def result_handler(name: str) -> Callable[[Handler], Handler]:
    """Register the decorated function as the handler called ``name``."""

    def register(function: Handler) -> Handler:
        existing = _handlers.get(name)
        if existing is not None and existing is not function:
            raise ImproperlyConfigured(
                f"Two MWS result handlers are named {name!r}: "
                f"{existing.__module__}.{existing.__qualname__} and "
                f"{function.__module__}.{function.__qualname__}."
            )
        _handlers[name] = function
        return function

    return register


def get_handler(name: str) -> Handler:
    try:
        return _handlers[name]
    except KeyError:
        raise LookupError(f"no MWS result handler is registered as {name!r}") from None


def is_registered(name: str) -> bool:
    return name in _handlers
