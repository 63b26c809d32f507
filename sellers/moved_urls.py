"""Former addresses of seller pages, kept so bookmarks still work (mounted by mwsportal.urls)."""

from django.urls import path

from sellers import views

app_name = "sellers_moved"

urlpatterns = [
    path("<int:pk>/requests/", views.moved_request_history, name="request_history"),
]
