"""One cap on the whole request body, checked from its declared length before a byte is read.

Django's limits apply per file (the feed upload handler) or to what it keeps in memory
(``DATA_UPLOAD_MAX_MEMORY_SIZE``), never to the request: five large parts, or a large body that
CSRF later refuses, were spooled to disk whole. Here every request names its length, the
feed upload routes may send a feed (``FEED_UPLOAD_MAX_BYTES``, with room for the form's other
fields), every other URL ``REQUEST_BODY_MAX_BYTES``, and a body over
``ANONYMOUS_BODY_MAX_BYTES`` is refused unread unless the sender is logged in or sends a valid
API key. A body without a length is not read by Django under WSGI at all.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve
from django.views.decorators.debug import sensitive_variables

from mwsportal.api.errors import error_body
from partners import services

# The URL names that take a feed file: the browser's upload and builder, the API's feed list.
FEED_UPLOAD_ROUTES = frozenset({"feeds:upload", "feeds:build", "api:feeds"})
# Multipart boundaries and the other fields of a feed form (type, marketplaces, options).
MULTIPART_ALLOWANCE = 64 * 1024


def body_limit(request: HttpRequest) -> int:
    """The largest body ``request``'s URL accepts."""
    try:
        route = resolve(request.path_info).view_name
    except Resolver404:
        return settings.REQUEST_BODY_MAX_BYTES
    if route in FEED_UPLOAD_ROUTES:
        return settings.FEED_UPLOAD_MAX_BYTES + MULTIPART_ALLOWANCE
    return settings.REQUEST_BODY_MAX_BYTES


@sensitive_variables("header", "key")
def _is_authenticated(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return True
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, key = header.partition(" ")
    if scheme != "Api-Key" or not key.strip():
        return False
    try:
        services.authenticate_api_key(key.strip())
    except services.ApiKeyRefused:
        return False
    return True


def _refusal(request: HttpRequest, status: int, code: str, message: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(error_body(code, message), status=status)
    else:
        # The page a form was sent from is where the seller goes back to.
        response = render(
            request,
            "request_refused.html",
            {"message": message, "back_url": request.path},
            status=status,
        )
    # No "Connection: close" here: WSGI leaves hop-by-hop headers to the server, and the
    # servers (gunicorn, runserver) discard an unread body before the next request.
    return response


class RequestBodyLimitMiddleware:
    """Placed after the authentication middleware (which reads cookies, not the body) and
    before anything that reads ``request.POST`` or ``request.body`` (CSRF does, in
    process_view, which runs after every middleware's __call__)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        declared = request.META.get("CONTENT_LENGTH") or "0"
        try:
            length = int(declared)
        except ValueError:
            return _refusal(
                request, 400, "bad_request", "The Content-Length header is not a number."
            )
        if length > settings.ANONYMOUS_BODY_MAX_BYTES:
            limit = body_limit(request)
            if length > limit:
                return _refusal(
                    request,
                    413,
                    "request_too_large",
                    f"The request is larger than the {limit} bytes this page accepts, all "
                    f"files and fields together (it is {length} bytes).",
                )
            if not _is_authenticated(request):
                return _refusal(
                    request,
                    401,
                    "not_authenticated",
                    f"Log in (or send a valid API key) before sending a body over "
                    f"{settings.ANONYMOUS_BODY_MAX_BYTES} bytes.",
                )
        return self.get_response(request)
