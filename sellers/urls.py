"""Seller pages under /sellers/."""

from django.urls import path

from sellers import views

app_name = "sellers"

urlpatterns = [
    path("", views.seller_list, name="list"),
    path("connect/", views.connect_choose_region, name="connect"),
    path("connect/<str:region>/", views.connect, name="connect_region"),
    path("<int:pk>/", views.dashboard, name="dashboard"),
    path("<int:pk>/settings/", views.seller_settings, name="settings"),
    path("<int:pk>/activity/", views.activity, name="activity"),
    path("<int:pk>/requests/", views.request_history, name="request_history"),
    path("<int:pk>/verify/", views.verify, name="verify"),
    path("<int:pk>/token/", views.replace_token, name="replace_token"),
    path("<int:pk>/remove/", views.remove, name="remove"),
]
