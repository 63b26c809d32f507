"""The partners app's routes, under ``/api/v1/``: the sellers that granted the partner access,
their request logs, and the partner's webhook endpoints."""

from django.urls import path

from partners.api import WebhookViewSet
from partners.seller_api import RequestLogViewSet, SellerViewSet

SELLER = "sellers/<int:seller_pk>"

urlpatterns = [
    path("sellers/", SellerViewSet.as_view({"get": "list"}), name="sellers"),
    path(f"{SELLER}/", SellerViewSet.as_view({"get": "retrieve"}), name="seller"),
    path(f"{SELLER}/request-log/", RequestLogViewSet.as_view({"get": "list"}), name="request_log"),
    path("webhooks/", WebhookViewSet.as_view({"get": "list", "post": "create"}), name="webhooks"),
    path(
        "webhooks/<int:pk>/",
        WebhookViewSet.as_view({"get": "retrieve", "delete": "destroy"}),
        name="webhook",
    ),
]
