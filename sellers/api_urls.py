"""The sellers app's partner routes, under ``/api/v1/``."""

from django.urls import path

from sellers.api import RequestLogViewSet, SellerViewSet

SELLER = "sellers/<int:seller_pk>"

urlpatterns = [
    path("sellers/", SellerViewSet.as_view({"get": "list"}), name="sellers"),
    path(f"{SELLER}/", SellerViewSet.as_view({"get": "retrieve"}), name="seller"),
    path(f"{SELLER}/request-log/", RequestLogViewSet.as_view({"get": "list"}), name="request_log"),
]
