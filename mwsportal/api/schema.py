"""What the OpenAPI schema says about every partner operation, in one place, so a generated
client sees what the API really answers: the error answers each operation can give, the
``Idempotency-Key`` header of POSTs, cursor pages as ``{"results", "next"}``, downloads with
the content types they are served with, and a summary and description for each operation
(taken from the action's docstring: its first paragraph is the summary).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema_serializer,
    inline_serializer,
)
from rest_framework import serializers

WRITES = ("POST", "PUT", "PATCH")


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable, e.g. `invalid`, `scope_missing`.")
    message = serializers.CharField(help_text="For people; may change.")
    field = serializers.CharField(
        allow_null=True, help_text="The first input at fault (a field, parameter or header)."
    )
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Every input at fault, with its messages.",
    )
    scope = serializers.CharField(
        required=False, help_text="On `scope_missing`: the scope the grant lacks."
    )


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


_ERRORS = {
    400: "The input is invalid; `error.field` names the parameter, field or header at fault.",
    401: "The API key is missing, wrong, expired or revoked.",
    403: "The seller's grant lacks the scope this operation needs (`error.scope`).",
    404: "No such object, or it belongs to a seller that did not grant this partner access.",
    409: "The object's state does not allow this now, the seller's authorization was removed, "
    "or the first request with this Idempotency-Key is still running (`Retry-After`).",
    413: "The request body is over the size limit.",
    422: "This Idempotency-Key was used for another request (`idempotency_key_reused`).",
    429: "The key's rate limit is used up; `Retry-After` says in how many seconds to retry.",
}
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    description="At most 255 characters. A retry with the same key and the same request "
    "within 24 hours answers the first answer (header `Idempotent-Replay: true`).",
)

# Lists and the objects they page, so each page type is one component of its own.
_PAGES: dict[type[serializers.Serializer], type[serializers.Serializer]] = {}


def page_of(item: type[serializers.Serializer]) -> type[serializers.Serializer]:
    """The serializer of a cursor page of ``item``: ``{"results": [...], "next": url}``."""
    if item not in _PAGES:
        name = item.__name__.removesuffix("Serializer")
        # many=False: a ``list`` action answers this page object, not an array of them.
        _PAGES[item] = extend_schema_serializer(many=False)(
            inline_serializer(
                f"Paginated{name}List",
                {
                    "results": item(many=True),
                    "next": serializers.URLField(
                        allow_null=True, help_text="The next page; null on the last page."
                    ),
                },
            ).__class__
        )
    return _PAGES[item]


def conflict(description: str) -> dict[int, OpenApiResponse]:
    """A 409 a read can answer, for operations that serve only objects in some state."""
    return {409: OpenApiResponse(ErrorSerializer, description=description)}


def download(*media_types: str) -> dict[tuple[int, str], Any]:
    """A streamed file's 200, once per content type it can be served with."""
    return {(200, media_type): OpenApiTypes.BINARY for media_type in media_types}


class PartnerAutoSchema(AutoSchema):
    def _doc_parts(self) -> tuple[str | None, str]:
        doc = super().get_description() or ""
        summary, _, rest = doc.strip().partition("\n\n")
        return (" ".join(summary.split()) or None), rest.strip()

    def get_summary(self) -> str | None:
        return self._doc_parts()[0]

    def get_description(self) -> str:
        return self._doc_parts()[1]

    def get_override_parameters(self) -> list[Any]:
        extra = [IDEMPOTENCY_KEY] if self.method == "POST" else []
        return [*super().get_override_parameters(), *extra]

    def _error_codes(self) -> list[int]:
        on_seller = "{seller_pk}" in self.path
        codes = [401, 429]
        # Parameters, a body or an Idempotency-Key header: input that can be refused.
        if self.method in WRITES or self.get_override_parameters():
            codes.append(400)
        if on_seller and getattr(self.view, "needs_scope", True):
            codes.append(403)
        if "{" in self.path:
            codes.append(404)
        if self.method == "POST" or (on_seller and self.method in ("PUT", "DELETE")):
            codes.append(409)
        if self.method in WRITES:
            codes.append(413)
        if self.method == "POST":
            codes.append(422)
        return sorted(codes)

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        for code in self._error_codes():
            if str(code) not in responses:
                answer = OpenApiResponse(ErrorSerializer, description=_ERRORS[code])
                responses[str(code)] = self._get_response_for_code(
                    answer, str(code), direction=direction
                )
        return dict(sorted(responses.items()))
