"""The partners section of a seller's settings page, under /sellers/ (mounted by mwsportal.urls
beside the sellers app's own pages)."""

from django.urls import path

from partners import views

app_name = "partners"

urlpatterns = [
    path("<int:pk>/partners/", views.grant_partner, name="grant_partner"),
    path("<int:pk>/partners/<int:grant_pk>/revoke/", views.revoke_grant, name="revoke_grant"),
]
