"""The partners app's own routes, under ``/api/v1/``: the partner's webhook endpoints."""

from django.urls import path

from partners.api import WebhookViewSet

urlpatterns = [
    path("webhooks/", WebhookViewSet.as_view({"get": "list", "post": "create"}), name="webhooks"),
    path(
        "webhooks/<int:pk>/",
        WebhookViewSet.as_view({"get": "retrieve", "delete": "destroy"}),
        name="webhook",
    ),
]
