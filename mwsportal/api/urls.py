"""``/api/v1/``: every partner route, nested under the seller it concerns, plus the schema."""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from feeds.api import FeedViewSet
from mwsportal.api.errors import unknown_route
from reports.api import (
    ReportRequestViewSet,
    ReportRowsViewSet,
    ReportViewSet,
    ScheduleViewSet,
    SettlementViewSet,
)
from sellers.api import RequestLogViewSet, SellerViewSet, WebhookViewSet

LIST = {"get": "list", "post": "create"}
SELLER = "v1/sellers/<int:seller_pk>"

urlpatterns = [
    path("v1/sellers/", SellerViewSet.as_view({"get": "list"}), name="sellers"),
    path(f"{SELLER}/", SellerViewSet.as_view({"get": "retrieve"}), name="seller"),
    path(f"{SELLER}/request-log/", RequestLogViewSet.as_view({"get": "list"}), name="request_log"),
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
    path(f"{SELLER}/feeds/", FeedViewSet.as_view(LIST), name="feeds"),
    path(f"{SELLER}/feeds/<int:pk>/", FeedViewSet.as_view({"get": "retrieve"}), name="feed"),
    path(
        f"{SELLER}/feeds/<int:pk>/result/",
        FeedViewSet.as_view({"get": "result"}),
        name="feed_result",
    ),
    path(
        f"{SELLER}/feeds/<int:pk>/result/download/",
        FeedViewSet.as_view({"get": "result_download"}),
        name="feed_result_download",
    ),
    path(
        f"{SELLER}/feeds/<int:pk>/cancel/",
        FeedViewSet.as_view({"post": "cancel"}),
        name="feed_cancel",
    ),
    path("v1/webhooks/", WebhookViewSet.as_view(LIST), name="webhooks"),
    path(
        "v1/webhooks/<int:pk>/",
        WebhookViewSet.as_view({"get": "retrieve", "delete": "destroy"}),
        name="webhook",
    ),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    re_path(r"^(?P<path>.*)$", unknown_route, name="unknown"),
]
