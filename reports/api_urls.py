"""The reports app's partner routes, under ``/api/v1/``, nested under the seller they concern."""

from typing import Any

from django.urls import path

from reports.api import (
    ReportRequestViewSet,
    ReportRowsViewSet,
    ReportViewSet,
    ScheduleViewSet,
    SettlementViewSet,
)

# Typed as the viewsets' ``as_view`` takes it (its value type is wider than ``str``).
LIST: dict[str, Any] = {"get": "list", "post": "create"}
SELLER = "sellers/<int:seller_pk>"

urlpatterns = [
    path(f"{SELLER}/report-requests/", ReportRequestViewSet.as_view(LIST), name="report_requests"),
    path(
        f"{SELLER}/report-requests/<int:pk>/",
        ReportRequestViewSet.as_view({"get": "retrieve"}),
        name="report_request",
    ),
    path(
        f"{SELLER}/report-requests/<int:pk>/cancel/",
        ReportRequestViewSet.as_view({"post": "cancel"}),
        name="report_request_cancel",
    ),
    path(f"{SELLER}/reports/", ReportViewSet.as_view({"get": "list"}), name="reports"),
    path(f"{SELLER}/reports/<int:pk>/", ReportViewSet.as_view({"get": "retrieve"}), name="report"),
    path(
        f"{SELLER}/reports/<int:pk>/download/",
        ReportViewSet.as_view({"get": "download"}),
        name="report_download",
    ),
    path(
        f"{SELLER}/reports/<int:pk>/rows/",
        ReportRowsViewSet.as_view({"get": "rows"}),
        name="report_rows",
    ),
    path(f"{SELLER}/settlements/", SettlementViewSet.as_view({"get": "list"}), name="settlements"),
    path(
        f"{SELLER}/settlements/<int:pk>/",
        SettlementViewSet.as_view({"get": "retrieve"}),
        name="settlement",
    ),
    path(f"{SELLER}/schedules/", ScheduleViewSet.as_view(LIST), name="schedules"),
    path(
        f"{SELLER}/schedules/<int:pk>/",
        ScheduleViewSet.as_view({"get": "retrieve", "put": "update", "delete": "destroy"}),
        name="schedule",
    ),
]
