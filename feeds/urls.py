"""Feed pages under /feeds/."""

from django.urls import path

from feeds import views

app_name = "feeds"

urlpatterns = [
    path("", views.index, name="index"),
    path("sellers/<int:seller_pk>/", views.seller_feeds, name="seller"),
    path("sellers/<int:seller_pk>/table/", views.seller_table, name="seller_table"),
    path("sellers/<int:seller_pk>/upload/", views.upload, name="upload"),
    path("sellers/<int:seller_pk>/build/", views.build, name="build"),
    path("sellers/<int:seller_pk>/samples/<str:feed_type>/", views.sample, name="sample"),
    path("codes/", views.codes, name="codes"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/status/", views.status, name="status"),
    path("<int:pk>/submit/", views.submit, name="submit"),
    path("<int:pk>/cancel/", views.cancel, name="cancel"),
    path("<int:pk>/discard/", views.discard, name="discard"),
    path("<int:pk>/original/", views.original, name="original"),
    path("<int:pk>/report/", views.report, name="report"),
    path("<int:pk>/results.csv", views.results_csv, name="results_csv"),
    path("<int:pk>/failed-rows/", views.failed_rows, name="failed_rows"),
]
