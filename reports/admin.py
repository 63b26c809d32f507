"""Staff views of report requests, reports and schedules."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from reports import services
from reports.models import Report, ReportRequest, ReportSchedule, SellerReportSettings


@admin.register(ReportRequest)
class ReportRequestAdmin(admin.ModelAdmin):
    list_display = ["id", "seller", "report_type", "status", "mws_request_id", "created_at"]
    list_filter = ["status", "scheduled", "report_type", "seller__region"]
    search_fields = ["mws_request_id", "seller__seller_id", "seller__name", "report_type"]
    list_select_related = ["seller"]
    raw_id_fields = ["seller"]
    readonly_fields = [
        "mws_request_id",
        "mws_status",
        "created_at",
        "submitted_at",
        "completed_at",
        "stuck_since",
        "error_message",
    ]
    date_hierarchy = "created_at"
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        # A request is made through reports.services.request_report, which sends it to MWS; a
        # row typed here would be a request Amazon never received.
        return False


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["report_id", "seller", "report_type", "state", "size", "acknowledged"]
    list_filter = ["state", "acknowledged", "report_type", "seller__region"]
    search_fields = ["report_id", "seller__seller_id", "seller__name"]
    list_select_related = ["seller"]
    raw_id_fields = ["seller", "request"]
    readonly_fields = [
        "file",
        "size",
        "md5",
        "content_type",
        "charset",
        "downloads",
        "stored_at",
        "created_at",
        "acknowledged_at",
        "error_message",
    ]
    actions = ["download_again"]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Reports come from Amazon only (downloaded and MD5-checked); one typed here would be a
        # fabricated record that sellers and partners would take for Amazon's.
        return False

    @admin.action(description="Download the selected reports again from Amazon")
    def download_again(self, request: HttpRequest, queryset: QuerySet[Report]) -> None:
        count = 0
        for report in queryset.select_related("seller"):
            try:
                services.redownload_report(report)
            except (services.ReportActionRefused, services.SellerNotCallable) as refusal:
                self.message_user(request, f"{report}: {refusal}", messages.WARNING)
            else:
                count += 1
        self.message_user(request, f"{count} download(s) queued.", messages.SUCCESS)


@admin.register(ReportSchedule)
class ReportScheduleAdmin(admin.ModelAdmin):
    list_display = ["seller", "report_type", "schedule", "scheduled_date", "pending_schedule"]
    list_filter = ["schedule", "report_type"]
    search_fields = ["seller__seller_id", "seller__name", "report_type"]
    list_select_related = ["seller"]
    raw_id_fields = ["seller"]


@admin.register(SellerReportSettings)
class SellerReportSettingsAdmin(admin.ModelAdmin):
    list_display = ["seller", "acknowledge_downloads", "last_synced_at"]
    list_filter = ["acknowledge_downloads"]
    search_fields = ["seller__seller_id", "seller__name"]
    raw_id_fields = ["seller"]
    readonly_fields = ["last_synced_at"]
