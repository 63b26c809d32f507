"""Gateway pages under /gateway/."""

from django.urls import path

from mwsportal.gateway import views

app_name = "gateway"

urlpatterns = [
    path("sellers/<int:pk>/activity/", views.seller_activity, name="seller_activity"),
    path("sellers/<int:pk>/requests/", views.request_history, name="request_history"),
    path("operations/", views.operations_reference, name="operations"),
]
