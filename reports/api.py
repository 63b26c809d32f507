"""Partner API for reports: requests, reports with their streamed download, and schedules.

Validation reuses the pages' forms and every action is a ``reports.services`` call.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.http import FileResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from mwsportal.api.base import (
    PAGE_PARAMETERS,
    FilterSerializer,
    PartnerViewSet,
    iso_datetime,
    represent,
)
from mwsportal.api.errors import Conflict
from mwsportal.api.schema import conflict, download, page_of
from mwsportal.gateway.mws import REQUESTABLE_REPORT_TYPES, InvalidParameterError
from mwsportal.storage import StoredFileMissing
from partners.models import Grant
from reports import insights, services
from reports.forms import RequestReportForm, ScheduleForm
from reports.models import (
    REPORT_TYPE_CHOICES,
    SETTABLE_SCHEDULES,
    IngestState,
    Report,
    ReportRequest,
    ReportSchedule,
    Settlement,
)
from reports.reading import ColumnType
from reports.rows import COUNT_CAP, RowQueryError, Rows

# What a report file is served as: the type Amazon named, else by the report's format.
REPORT_MEDIA_TYPES = (
    "text/tab-separated-values",
    "text/plain",
    "text/xml",
    "application/octet-stream",
)
READ = Grant.Scope.READ_REPORTS
WRITE = Grant.Scope.REQUEST_REPORTS
NOT_CALLABLE = "The seller's authorization was removed; nothing can be asked of Amazon for it."


def form_errors(form: Any, renames: dict[str, str] | None = None) -> serializers.ValidationError:
    """A Django form's errors as an API validation error, with the API's field names."""
    renames = renames or {}
    return serializers.ValidationError(
        {
            ("non_field_errors" if field == "__all__" else renames.get(field, field)): messages
            for field, messages in form.errors.items()
        }
    )


# ---- serializers ------------------------------------------------------------------------------
# The list serializers' ``write_row`` writes a row without DRF's per-field work (see
# ``mwsportal.api.base._writer``); the serializer itself still describes the schema and is the
# reference the tests hold the function to.


def report_row(report: Report) -> dict[str, Any]:
    return {
        "id": report.pk,
        "report_id": report.report_id,
        "report_type": report.report_type,
        "report_type_name": report.report_type_name,
        "request": report.request_id,
        "available_at": iso_datetime(report.available_at),
        "state": report.state,
        "downloadable": report.is_stored,
        "size": report.size,
        "md5": report.md5,
        "content_type": report.content_type,
        "charset": report.charset,
        "acknowledged": report.acknowledged,
        "error_message": report.error_message,
        "created_at": iso_datetime(report.created_at),
        "stored_at": iso_datetime(report.stored_at),
    }


def report_request_row(report_request: ReportRequest) -> dict[str, Any]:
    return {
        "id": report_request.pk,
        "report_type": report_request.report_type,
        "report_type_name": report_request.report_type_name,
        "status": report_request.status,
        "start_date": iso_datetime(report_request.start_date),
        "end_date": iso_datetime(report_request.end_date),
        "marketplace_ids": report_request.marketplace_ids,
        "report_options": report_request.report_options,
        "mws_request_id": report_request.mws_request_id,
        "mws_status": report_request.mws_status,
        "scheduled": report_request.scheduled,
        "error_message": report_request.error_message,
        "created_at": iso_datetime(report_request.created_at),
        "submitted_at": iso_datetime(report_request.submitted_at),
        "completed_at": iso_datetime(report_request.completed_at),
        "stuck_since": iso_datetime(report_request.stuck_since),
        "report": _report_pk(report_request),
    }


def _report_pk(report_request: ReportRequest) -> int | None:
    try:
        return report_request.report.pk
    except Report.DoesNotExist:
        return None


def schedule_row(schedule: ReportSchedule) -> dict[str, Any]:
    return {
        "id": schedule.pk,
        "report_type": schedule.report_type,
        "schedule": schedule.schedule,
        "scheduled_date": iso_datetime(schedule.scheduled_date),
        "pending_schedule": schedule.pending_schedule,
        "error_message": schedule.error_message,
        "updated_at": iso_datetime(schedule.updated_at),
    }


class ReportSerializer(serializers.ModelSerializer):
    write_row = staticmethod(report_row)
    # Null for a report nobody here requested (scheduled, or Amazon's own).
    request = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    report_type_name = serializers.CharField(read_only=True)
    downloadable = serializers.BooleanField(source="is_stored", read_only=True)

    class Meta:
        model = Report
        fields = [
            "id",
            "report_id",
            "report_type",
            "report_type_name",
            "request",
            "available_at",
            "state",
            "downloadable",
            "size",
            "md5",
            "content_type",
            "charset",
            "acknowledged",
            "error_message",
            "created_at",
            "stored_at",
        ]


class ReportRequestSerializer(serializers.ModelSerializer):
    write_row = staticmethod(report_request_row)
    report_type_name = serializers.CharField(read_only=True)
    report = serializers.SerializerMethodField()

    class Meta:
        model = ReportRequest
        fields = [
            "id",
            "report_type",
            "report_type_name",
            "status",
            "start_date",
            "end_date",
            "marketplace_ids",
            "report_options",
            "mws_request_id",
            "mws_status",
            "scheduled",
            "error_message",
            "created_at",
            "submitted_at",
            "completed_at",
            "stuck_since",
            "report",
        ]

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_report(self, report_request: ReportRequest) -> int | None:
        return _report_pk(report_request)


class ReportRequestCreateSerializer(serializers.Serializer):
    report_type = serializers.ChoiceField(choices=REQUESTABLE_REPORT_TYPES)
    start_date = serializers.DateField(required=False, allow_null=True)
    end_date = serializers.DateField(required=False, allow_null=True)
    marketplace_ids = serializers.ListField(child=serializers.CharField(), required=False)
    report_options = serializers.CharField(required=False, allow_blank=True, max_length=500)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        form = RequestReportForm(
            {
                "report_type": attrs["report_type"],
                "start_date": attrs.get("start_date") or "",
                "end_date": attrs.get("end_date") or "",
                "marketplaces": attrs.get("marketplace_ids", []),
                "report_options": attrs.get("report_options", ""),
            },
            seller=self.context["seller"],
        )
        if not form.is_valid():
            raise form_errors(form, {"marketplaces": "marketplace_ids"})
        return form.service_arguments()


class ReportRequestFilterSerializer(FilterSerializer):
    status = serializers.ChoiceField(choices=ReportRequest.Status.choices, required=False)
    report_type = serializers.ChoiceField(choices=REPORT_TYPE_CHOICES, required=False)
    since = serializers.DateTimeField(required=False, help_text="Created at or after.")
    until = serializers.DateTimeField(required=False, help_text="Created at or before.")


class ReportFilterSerializer(FilterSerializer):
    report_type = serializers.ChoiceField(choices=REPORT_TYPE_CHOICES, required=False)
    state = serializers.ChoiceField(choices=Report.State.choices, required=False)
    since = serializers.DateTimeField(required=False, help_text="Found at or after.")
    until = serializers.DateTimeField(required=False, help_text="Found at or before.")


class ScheduleSerializer(serializers.ModelSerializer):
    write_row = staticmethod(schedule_row)

    class Meta:
        model = ReportSchedule
        fields = [
            "id",
            "report_type",
            "schedule",
            "scheduled_date",
            "pending_schedule",
            "error_message",
            "updated_at",
        ]


class ScheduleWriteSerializer(serializers.Serializer):
    report_type = serializers.ChoiceField(choices=REQUESTABLE_REPORT_TYPES)
    schedule = serializers.ChoiceField(choices=SETTABLE_SCHEDULES)
    schedule_date = serializers.DateTimeField(required=False, allow_null=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # A change keeps the schedule's report type, which the view passes in the context.
        report_type = attrs.get("report_type") or self.context.get("report_type")
        form = ScheduleForm(
            {
                "report_type": report_type,
                "schedule": attrs["schedule"],
                "schedule_date": attrs.get("schedule_date") or "",
            }
        )
        if not form.is_valid():
            raise form_errors(form)
        return form.cleaned_data


class ScheduleChangeSerializer(ScheduleWriteSerializer):
    report_type = None  # a schedule's report type is its identity; change the schedule only


# ---- endpoints --------------------------------------------------------------------------------


class ReportRequestViewSet(PartnerViewSet):
    def _object(self, seller: Any, pk: int) -> ReportRequest:
        return get_object_or_404(
            ReportRequest.objects.filter(seller=seller).select_related("report"), pk=pk
        )

    @extend_schema(
        parameters=[*PAGE_PARAMETERS, ReportRequestFilterSerializer],
        responses=page_of(ReportRequestSerializer),
    )
    def list(self, request: Request, seller_pk: int) -> Response:
        """List the seller's report requests.

        Newest first, a cursor page at a time, optionally filtered by status, report type
        and creation time. Needs the `read_reports` scope.
        """
        seller = self.get_seller()
        self.require(seller, READ)
        filters = ReportRequestFilterSerializer.validated(request.query_params)
        before, size = self.page_args()
        page = services.list_report_requests(seller, before=before, size=size, **filters)
        return self.paginated(page.items, page.before, ReportRequestSerializer)

    @extend_schema(request=ReportRequestCreateSerializer, responses={201: ReportRequestSerializer})
    def create(self, request: Request, seller_pk: int) -> Response:
        """Request a report.

        Queued at once and sent to Amazon as the seller's quota allows; follow it with the
        request's `status`, or a `report.done` webhook. Needs the `request_reports` scope.
        """
        seller = self.get_seller()
        self.require(seller, WRITE)
        data = ReportRequestCreateSerializer(data=request.data, context={"seller": seller})
        data.is_valid(raise_exception=True)
        try:
            report_request = services.request_report(seller, **data.validated_data)
        except services.SellerNotCallable:
            raise Conflict(NOT_CALLABLE) from None
        except InvalidParameterError as error:
            raise serializers.ValidationError(
                {error.parameter or "non_field_errors": [error.message]}
            ) from None
        return Response(
            represent(ReportRequestSerializer, report_request), status=status.HTTP_201_CREATED
        )

    @extend_schema(responses=ReportRequestSerializer)
    def retrieve(self, request: Request, seller_pk: int, pk: int) -> Response:
        """Read one report request.

        Its status here and at Amazon, and `report`, the id of its report once there is one
        (null before). Needs the `read_reports` scope.
        """
        seller = self.get_seller()
        self.require(seller, READ)
        return Response(represent(ReportRequestSerializer, self._object(seller, pk)))

    @extend_schema(request=None, responses={202: ReportRequestSerializer})
    def cancel(self, request: Request, seller_pk: int, pk: int) -> Response:
        """Cancel a report request.

        Only a queued or submitted request Amazon has not started on; otherwise a 409.
        Needs the `request_reports` scope.
        """
        seller = self.get_seller()
        self.require(seller, WRITE)
        report_request = self._object(seller, pk)
        try:
            services.cancel_report_request(report_request)
        except services.ReportActionRefused as refusal:
            raise Conflict(str(refusal)) from None
        except services.SellerNotCallable:
            raise Conflict(NOT_CALLABLE) from None
        report_request.refresh_from_db()
        return Response(
            represent(ReportRequestSerializer, report_request), status=status.HTTP_202_ACCEPTED
        )


class ReportViewSet(PartnerViewSet):
    def _object(self, seller: Any, pk: int) -> Report:
        return get_object_or_404(Report.objects.filter(seller=seller), pk=pk)

    @extend_schema(
        parameters=[*PAGE_PARAMETERS, ReportFilterSerializer],
        responses=page_of(ReportSerializer),
    )
    def list(self, request: Request, seller_pk: int) -> Response:
        """List the seller's reports.

        Newest first, a cursor page at a time, optionally filtered by report type, state
        and the time Amazon made them available. Needs the `read_reports` scope.
        """
        seller = self.get_seller()
        self.require(seller, READ)
        filters = ReportFilterSerializer.validated(request.query_params)
        before, size = self.page_args()
        page = services.list_reports(
            seller,
            sort=services.REPORT_API_SORT,
            before=before,
            size=size,
            with_links=False,
            **filters,
        )
        return self.paginated(page.items, page.before, ReportSerializer)

    @extend_schema(responses=ReportSerializer)
    def retrieve(self, request: Request, seller_pk: int, pk: int) -> Response:
        """Read one report.

        Its state, size, MD5 and content type; `downloadable` says whether the file is
        stored. Needs the `read_reports` scope.
        """
        seller = self.get_seller()
        self.require(seller, READ)
        return Response(represent(ReportSerializer, self._object(seller, pk)))

    @extend_schema(
        responses={
            **download(*REPORT_MEDIA_TYPES),
            **conflict("This report is not downloaded yet."),
        }
    )
    def download(self, request: Request, seller_pk: int, pk: int) -> FileResponse:
        """Download a report's file.

        Streamed as Amazon sent it, MD5 verified, with the content type and charset Amazon
        named (tab-separated text for flat files, XML for XML reports). A 409 until it is
        stored. Needs the `read_reports` scope.
        """
        seller = self.get_seller()
        self.require(seller, READ)
        try:
            stored = services.open_report(self._object(seller, pk))
        except services.ReportActionRefused as refusal:
            raise Conflict(str(refusal)) from None
        except StoredFileMissing as missing:
            raise exceptions.NotFound(str(missing)) from None
        # Streamed from storage in blocks, never read whole.
        response = FileResponse(
            stored.handle,
            as_attachment=True,
            filename=stored.filename,
            content_type=stored.content_type,
        )
        if stored.size is not None:
            response["Content-Length"] = str(stored.size)
        return response


class ScheduleViewSet(PartnerViewSet):
    def _object(self, seller: Any, pk: int) -> ReportSchedule:
        return get_object_or_404(ReportSchedule.objects.filter(seller=seller), pk=pk)

    @extend_schema(parameters=PAGE_PARAMETERS, responses=page_of(ScheduleSerializer))
    def list(self, request: Request, seller_pk: int) -> Response:
        """List the seller's report schedules.

        A cursor page at a time. Needs the `read_reports` scope.
        """
        seller = self.get_seller()
        self.require(seller, READ)
        return self.page_of(ReportSchedule.objects.filter(seller=seller), ScheduleSerializer)

    def _save(self, seller: Any, report_type: str, data: dict[str, Any]) -> ReportSchedule:
        try:
            return services.save_schedule(
                seller, report_type, data["schedule"], schedule_date=data.get("schedule_date")
            )
        except services.SellerNotCallable:
            raise Conflict(NOT_CALLABLE) from None

    @extend_schema(request=ScheduleWriteSerializer, responses={202: ScheduleSerializer})
    def create(self, request: Request, seller_pk: int) -> Response:
        """Schedule a report type.

        Creates or replaces the schedule of a report type; Amazon confirms it shortly
        (`pending_schedule` until then). Needs the `request_reports` scope.
        """
        seller = self.get_seller()
        self.require(seller, WRITE)
        data = ScheduleWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        row = self._save(seller, data.validated_data["report_type"], data.validated_data)
        return Response(represent(ScheduleSerializer, row), status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses=ScheduleSerializer)
    def retrieve(self, request: Request, seller_pk: int, pk: int) -> Response:
        """Read one report schedule.

        Needs the `read_reports` scope.
        """
        seller = self.get_seller()
        self.require(seller, READ)
        return Response(represent(ScheduleSerializer, self._object(seller, pk)))

    @extend_schema(request=ScheduleChangeSerializer, responses={202: ScheduleSerializer})
    def update(self, request: Request, seller_pk: int, pk: int) -> Response:
        """Change a report schedule.

        The report type stays; Amazon confirms the change shortly. Needs the
        `request_reports` scope.
        """
        seller = self.get_seller()
        self.require(seller, WRITE)
        row = self._object(seller, pk)
        data = ScheduleChangeSerializer(data=request.data, context={"report_type": row.report_type})
        data.is_valid(raise_exception=True)
        row = self._save(seller, row.report_type, data.validated_data)
        return Response(represent(ScheduleSerializer, row), status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses={202: ScheduleSerializer})
    def destroy(self, request: Request, seller_pk: int, pk: int) -> Response:
        """Delete a report schedule.

        Asks Amazon to delete it; the schedule goes once Amazon confirms. Needs the
        `request_reports` scope.
        """
        seller = self.get_seller()
        self.require(seller, WRITE)
        try:
            row = services.delete_schedule(self._object(seller, pk))
        except services.SellerNotCallable:
            raise Conflict(NOT_CALLABLE) from None
        return Response(represent(ScheduleSerializer, row), status=status.HTTP_202_ACCEPTED)


# ---- report data: rows and settlements ---------------------------------------------------------

ROW_PARAMETERS = [
    *PAGE_PARAMETERS,
    OpenApiParameter(
        "sort",
        str,
        description="A column of the report (its own name); `-` before it sorts descending. "
        "Without it, the report's own order.",
    ),
    OpenApiParameter("q", str, description="Rows where any text column contains this text."),
    OpenApiParameter(
        "f.{column}",
        str,
        description="Rows whose column equals the value (text: in any case). Also "
        "`f.{column}.contains`, and `f.{column}.min` / `f.{column}.max` (inclusive) on "
        "amounts, quantities and dates (`2020-05-01` or ISO 8601).",
    ),
]


def _json_cell(value: Any) -> Any:
    """A typed value in JSON: amounts as strings (exact), dates in ISO 8601."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


class RowSerializer(serializers.Serializer):
    line = serializers.IntegerField(help_text="The row's line number in the report file.")
    values = serializers.DictField(
        child=serializers.JSONField(),
        help_text="The row by the report's own column names. Amounts are strings (exact "
        "decimals), quantities integers, dates ISO 8601 with their offset, empty cells null.",
    )


class ColumnSerializer(serializers.Serializer):
    name = serializers.CharField()
    type = serializers.ChoiceField(choices=[kind.value for kind in ColumnType])


class RowPageSerializer(serializers.Serializer):
    columns = ColumnSerializer(many=True)
    count = serializers.IntegerField(help_text="Rows the filters find.")
    count_capped = serializers.BooleanField(
        help_text=f"True when counting stopped at {COUNT_CAP}: there are more."
    )
    results = RowSerializer(many=True)
    next = serializers.URLField(allow_null=True)


class SettlementSerializer(serializers.ModelSerializer):
    report = serializers.PrimaryKeyRelatedField(read_only=True)
    difference = serializers.DecimalField(max_digits=18, decimal_places=2, read_only=True)

    class Meta:
        model = Settlement
        fields = [
            "id",
            "report",
            "settlement_id",
            "currency",
            "start",
            "end",
            "deposit_date",
            "total_amount",
            "computed_total",
            "difference",
            "reconciles",
            "line_count",
            "sales",
            "fees",
            "refunds",
            "other",
        ]


class SettlementDetailSerializer(SettlementSerializer):
    by_transaction_type = serializers.SerializerMethodField()
    by_category = serializers.SerializerMethodField()
    by_amount_type = serializers.SerializerMethodField()
    by_sku = serializers.SerializerMethodField()

    class Meta(SettlementSerializer.Meta):
        fields = [
            *SettlementSerializer.Meta.fields,
            "by_transaction_type",
            "by_category",
            "by_amount_type",
            "by_sku",
        ]

    @extend_schema_field({"type": "object", "additionalProperties": {"type": "string"}})
    def get_by_transaction_type(self, settlement: Settlement) -> dict[str, str]:
        return settlement.summary.get("by_transaction_type", {})

    @extend_schema_field({"type": "object", "additionalProperties": {"type": "string"}})
    def get_by_category(self, settlement: Settlement) -> dict[str, str]:
        return settlement.summary.get("by_category", {})

    @extend_schema_field(
        {
            "type": "object",
            "description": "Category (price, fee, promotion, other) -> amount type -> total.",
            "additionalProperties": {
                "type": "object",
                "additionalProperties": {"type": "string"},
            },
        }
    )
    def get_by_amount_type(self, settlement: Settlement) -> dict[str, dict[str, str]]:
        return settlement.summary.get("by_amount_type", {})

    @extend_schema_field({"type": "object", "additionalProperties": {"type": "string"}})
    def get_by_sku(self, settlement: Settlement) -> dict[str, str]:
        return settlement.summary.get("by_sku", {})


class ReportRowsViewSet(PartnerViewSet):
    @extend_schema(
        parameters=ROW_PARAMETERS,
        responses={
            200: RowPageSerializer,
            **conflict("The report is not read into rows yet; try again in a moment."),
        },
    )
    def rows(self, request: Request, seller_pk: int, pk: int) -> Response:
        """The rows of a report, typed.

        Every row of a stored report once the portal has read it, keyed by the report's own
        column names, with the same filters and sort as the portal's table browser: amounts
        as exact decimal strings, quantities as integers, dates in ISO 8601. 409 while the
        report is not read into rows yet."""
        seller = self.get_seller()
        self.require(seller, READ)
        report = get_object_or_404(Report.objects.filter(seller=seller), pk=pk)
        table = Rows.of(report)
        if table is None:
            raise Conflict("The report is not read into rows yet; try again in a moment.")
        size = self.page_size()
        try:
            query = table.parse(request.query_params)
        except RowQueryError as error:
            raise exceptions.ValidationError({error.field: [error.message]}) from None
        page = table.page(query, size=size)
        next_url = None
        if page.next_cursor:
            params = request.query_params.copy()
            params["cursor"] = page.next_cursor
            next_url = request.build_absolute_uri(f"{request.path}?{params.urlencode()}")
        return Response(
            {
                "columns": [{"name": c.name, "type": str(c.type)} for c in page.columns],
                "count": page.count,
                "count_capped": page.count_capped,
                "results": [
                    {"line": line, "values": {k: _json_cell(v) for k, v in row.items()}}
                    for line, row in page.rows
                ],
                "next": next_url,
            }
        )


class SettlementViewSet(PartnerViewSet):
    def _settlements(self, seller: Any) -> Any:
        return Settlement.objects.filter(
            seller=seller, report__data__state=IngestState.DONE
        ).order_by("-pk")

    def _listed(self, seller: Any) -> Any:
        # Each settlement once, though Amazon sends it in several formats.
        return insights.ready_settlements(seller).order_by("-pk")

    @extend_schema(parameters=PAGE_PARAMETERS, responses=page_of(SettlementSerializer))
    def list(self, request: Request, seller_pk: int) -> Response:
        """The seller's settlements.

        Newest first, each with its deposit, the sum of its lines and whether they reconcile
        (``reconciles``, ``difference``), and its sales, fees, refunds and other amounts."""
        seller = self.get_seller()
        self.require(seller, READ)
        return self.page_of(self._listed(seller), SettlementSerializer)

    @extend_schema(responses=SettlementDetailSerializer)
    def retrieve(self, request: Request, seller_pk: int, pk: int) -> Response:
        """One settlement.

        Its reconciliation with totals by transaction type, by category (price, fee,
        promotion, other) and amount type, and by SKU; amounts are exact decimal strings."""
        seller = self.get_seller()
        self.require(seller, READ)
        settlement = get_object_or_404(self._settlements(seller), pk=pk)
        return Response(represent(SettlementDetailSerializer, settlement))
