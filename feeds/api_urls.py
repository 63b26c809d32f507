"""The feeds app's partner routes, under ``/api/v1/``, nested under the seller they concern."""

from django.urls import path

from feeds.api import FeedViewSet

SELLER = "sellers/<int:seller_pk>"

urlpatterns = [
    path(f"{SELLER}/feeds/", FeedViewSet.as_view({"get": "list", "post": "create"}), name="feeds"),
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
]
