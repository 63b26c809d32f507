"""Report pages under /reports/."""

from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("sellers/<int:seller_pk>/", views.seller_reports, name="seller"),
    path("sellers/<int:seller_pk>/request/", views.request_report, name="request_new"),
    path("sellers/<int:seller_pk>/sync/", views.sync, name="sync"),
    path("sellers/<int:seller_pk>/settings/", views.update_settings, name="settings"),
    path("sellers/<int:seller_pk>/schedules/", views.schedules, name="schedules"),
    path(
        "sellers/<int:seller_pk>/schedules/refresh/",
        views.refresh_schedules,
        name="refresh_schedules",
    ),
    path("schedules/<int:pk>/delete/", views.delete_schedule, name="delete_schedule"),
    path("requests/<int:pk>/", views.request_detail, name="request"),
    path("requests/<int:pk>/status/", views.request_status, name="request_status"),
    path("requests/<int:pk>/cancel/", views.cancel_request, name="cancel"),
    path("<int:pk>/download/", views.download, name="download"),
    path("<int:pk>/preview/", views.preview, name="preview"),
    path("<int:pk>/retry/", views.retry_download, name="retry_download"),
    path("<int:pk>/rows/", views.rows, name="rows"),
    path("<int:pk>/export.csv", views.export, {"file_format": "csv"}, name="export_csv"),
    path("<int:pk>/export.xlsx", views.export, {"file_format": "xlsx"}, name="export_xlsx"),
    path("settlements/<int:pk>/", views.settlement, name="settlement"),
    path("sellers/<int:seller_pk>/dashboard/", views.dashboard, name="dashboard"),
]
