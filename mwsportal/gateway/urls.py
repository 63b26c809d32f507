"""Gateway pages under /gateway/."""

from django.urls import path

from mwsportal.gateway import views

app_name = "gateway"

urlpatterns = [
    path("operations/", views.operations_reference, name="operations"),
]
