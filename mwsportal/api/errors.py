"""One JSON shape for every error the API returns:

``{"error": {"code": "...", "message": "...", "field": "first_field_at_fault" | null,
"fields": {"field": ["message", ...]}}}``
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import Resolver404, resolve
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler


class ScopeMissing(exceptions.PermissionDenied):
    default_code = "scope_missing"

    def __init__(self, scope: str) -> None:
        super().__init__(f"The seller's grant to this partner lacks the '{scope}' scope.")
        self.scope = scope


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"
    default_detail = "The object's state does not allow this."


def error_body(code: str, message: str, fields: dict[str, list[str]] | None = None) -> dict:
    fields = fields or {}
    return {
        "error": {
            "code": code,
            "message": message,
            "field": next(iter(fields), None),
            "fields": fields,
        }
    }


def _flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    if isinstance(detail, dict):
        flat: dict[str, list[str]] = {}
        for key, value in detail.items():
            name = "non_field_errors" if key == "non_field_errors" else f"{prefix}{key}"
            flat.update(
                _flatten(value, f"{name}.")
                if isinstance(value, dict)
                else {name: [str(item) for item in (value if isinstance(value, list) else [value])]}
            )
        return flat
    return {"non_field_errors": [str(item) for item in detail]}


def handle_exception(exc: Exception, context: dict[str, Any]) -> Response | None:
    response = exception_handler(exc, context)
    if response is None:
        return None  # a 500: Django's handler logs it
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        first = next(iter(fields.values()), ["Invalid input."])[0]
        response.data = error_body("invalid", first, fields)
    elif isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else "error"
        response.data = error_body(code, str(exc.detail))
        if isinstance(exc, ScopeMissing):
            response.data["error"]["scope"] = exc.scope
    return response


@csrf_exempt
def unknown_route(request: HttpRequest, path: str) -> JsonResponse:
    """A URL under /api/ that names no route: the same JSON error as every other answer."""
    message = f"There is no API route at /api/{path}. See /api/docs/."
    try:
        match = resolve(f"/api/{path}/")
    except Resolver404:
        match = None
    if match is not None and match.url_name != "unknown":
        message = f"There is no API route at /api/{path}: routes end with a slash, /api/{path}/."
    return JsonResponse(error_body("not_found", message), status=404)


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/") and not request.path.startswith("/api/docs/")


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's 400 handler. Bodies Django refuses before a view runs (over
    DATA_UPLOAD_MAX_MEMORY_SIZE, too many fields) get the API's JSON error under /api/."""
    if not _is_api(request):
        return defaults.bad_request(request, exception)
    if isinstance(exception, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        message = (
            f"The request body is larger than {limit} bytes. Send feed files as multipart "
            "uploads or raw bodies to the feeds route, which stream to disk."
        )
        return JsonResponse(error_body("request_too_large", message), status=413)
    return JsonResponse(error_body("bad_request", "The request could not be read."), status=400)


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's 500 handler: the error is logged before this runs; partners get JSON."""
    if not _is_api(request):
        return defaults.server_error(request)
    message = "The portal failed to answer this request; it has been logged. Try again later."
    return JsonResponse(error_body("server_error", message), status=500)
