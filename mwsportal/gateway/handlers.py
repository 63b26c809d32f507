"""Result handlers: what a service wants done with the outcome of the MWS calls it asked for.

A service passes the handler function itself when it asks for a call; its dotted path
(``reports.services.on_report_requested``) is stored with the call, so the outcome can be
delivered by whichever worker process sends it, and is checked when the call is queued::

    gateway.request_call(seller, operation, params, handler=on_report_requested, ...)

    def on_report_requested(outcome: CallOutcome) -> None:
        ...

Handlers are module-level functions, usually in the app's ``services.py``. A handler runs once,
in the worker, inside the transaction that records the call's outcome: its database writes and
the call's final state commit together. It must not sleep or call MWS itself (it asks the
gateway for the next call instead).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.utils.module_loading import import_string

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


def handler_path(function: Handler) -> str:
    """The dotted path stored with a call to name ``function`` as its handler.

    Checked when the call is queued, so a handler no worker could find again (a nested
    function, a lambda, a method) fails in the service that names it and not later in a
    worker: the path must import back to this very function."""
    path = f"{function.__module__}.{function.__qualname__}"
    try:
        found = import_string(path)
    except ImportError:
        found = None
    if found is not function:
        raise ValueError(
            f"{path} cannot be a result handler: a handler is a module-level function, "
            "found again by its dotted path in the worker that delivers the outcome"
        )
    if len(path) > MAX_HANDLER_PATH:
        raise ValueError(f"{path} is longer than the {MAX_HANDLER_PATH} characters a call stores")
    return path


# The length of MWSCall.handler.
MAX_HANDLER_PATH = 100


def resolve_handler(path: str) -> Handler:
    """The handler function a call names by its dotted path."""
    try:
        function: Handler = import_string(path)
    except ImportError:
        raise LookupError(f"no MWS result handler is found at {path!r}") from None
    return function
