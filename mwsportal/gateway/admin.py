"""Staff pages for the request log and the gateway's calls: read-only, and fast with millions
of rows.

Filters never list values out of the table itself (a DISTINCT over millions of rows): seller
and error code are typed in, operations come from the catalog, dates are fixed ranges. Every
filter matches an index ending in ``sent_at``, the list's order, and no page runs a full COUNT.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.functional import cached_property

from mwsclient.operations import OPERATIONS
from mwsportal.gateway.models import MWSCall, RequestLogEntry


class TypedFilter(admin.SimpleListFilter):
    """A filter with a text box instead of a list of values."""

    template = "admin/gateway/typed_filter.html"

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]
    ) -> list[tuple[str, str]]:
        # Django only shows a filter that has choices; the box stands for all of them.
        return [("", "")]

    def choices(  # type: ignore[override]  # the typed box's template takes other keys
        self, changelist: ChangeList
    ) -> Iterator[dict[str, Any]]:
        # The box submits a GET form: every other parameter (filters, search, order; the
        # change list has already dropped the page number) rides along as a hidden field.
        others = [(k, v) for k, v in changelist.params.items() if k != self.parameter_name]
        yield {"parameter": self.parameter_name, "value": self.value() or "", "others": others}


class SellerIdFilter(TypedFilter):
    title = "Seller ID"
    parameter_name = "seller_id"

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = (self.value() or "").strip().upper()
        return queryset.filter(mws_seller_id=value) if value else queryset


class ErrorCodeFilter(TypedFilter):
    title = "error code"
    parameter_name = "error_code"

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = (self.value() or "").strip()
        return queryset.filter(error_code=value) if value else queryset


class OperationFilter(admin.SimpleListFilter):
    title = "operation"
    parameter_name = "operation"

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]
    ) -> list[tuple[str, str]]:
        return [(name, name) for name in sorted(OPERATIONS)]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(operation=self.value()) if self.value() else queryset


class OutcomeFilter(admin.SimpleListFilter):
    title = "outcome"
    parameter_name = "outcome"

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]
    ) -> list[tuple[str, str]]:
        return [("ok", "answered"), ("error", "any error"), ("throttled", "throttled")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "ok":
            return queryset.filter(error_code="", error_family="")
        if self.value() == "error":
            return queryset.exclude(error_family="")
        if self.value() == "throttled":
            return queryset.filter(error_code__in=["RequestThrottled", "QuotaExceeded"])
        return queryset


class EstimatingPaginator(Paginator):  # type: ignore[type-arg]  # generic only in the stubs
    """On PostgreSQL an unfiltered list takes the planner's row estimate instead of counting
    every row; filtered lists (index range scans) are counted exactly."""

    @cached_property
    def count(self) -> int:
        query = getattr(self.object_list, "query", None)
        if query is not None and not query.where and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT reltuples::bigint FROM pg_class WHERE relname = %s",
                    [query.model._meta.db_table],
                )
                row = cursor.fetchone()
            if row and row[0] > 0:
                return int(row[0])
        return super().count


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # generic only in the stubs
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(RequestLogEntry)
class RequestLogEntryAdmin(ReadOnlyAdmin):
    list_display = (
        "sent_at",
        "mws_seller_id",
        "operation",
        "http_status",
        "error_code",
        "request_id",
        "timestamp",
        "duration",
        "quota_remaining",
    )
    list_filter = (
        SellerIdFilter,
        OperationFilter,
        OutcomeFilter,
        ErrorCodeFilter,
        ("sent_at", admin.DateFieldListFilter),
    )
    search_fields = ("=request_id",)
    search_help_text = "An MWS request id, exactly as MWS gave it."
    ordering = ("-sent_at",)
    show_full_result_count = False
    paginator = EstimatingPaginator
    list_per_page = 50
    fields = (
        "sent_at",
        "timestamp",
        "seller",
        "mws_seller_id",
        "operation",
        "call",
        "attempt",
        "host",
        "http_status",
        "request_id",
        "error_code",
        "error_family",
        "duration_ms",
        "bytes_sent",
        "bytes_received",
        "quota_max",
        "quota_remaining",
        "quota_resets_on",
    )

    @admin.display(description="duration", ordering="duration_ms")
    def duration(self, entry: RequestLogEntry) -> str:
        return f"{entry.duration_ms:.0f} ms"


@admin.register(MWSCall)
class MWSCallAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "seller",
        "operation",
        "state",
        "priority",
        "attempts",
        "error_code",
        "created_at",
        "sent_at",
        "finished_at",
    )
    list_filter = ("state", OperationFilter, ("created_at", admin.DateFieldListFilter))
    search_fields = ("=seller__seller_id", "=request_id")
    search_help_text = "A Seller ID or an MWS request id."
    list_select_related = ("seller",)
    ordering = ("-id",)
    show_full_result_count = False
    paginator = EstimatingPaginator
    fields = (
        "seller",
        "operation",
        "state",
        "params",
        "upload",
        "priority",
        "handler",
        "context",
        "dedupe_key",
        "available_at",
        "retry_at",
        "attempts",
        "server_retries",
        "throttled_retries",
        "resynced",
        "request_id",
        "error_code",
        "error_message",
        "handler_error",
        "result",
        "created_at",
        "ready_at",
        "sent_at",
        "finished_at",
    )
