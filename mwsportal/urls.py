"""Top-level URL configuration."""

from django.contrib import admin
from django.urls import include, path

from mwsportal import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("mwsportal.accounts.urls")),
    path("sellers/", include("sellers.urls")),
    # The partners section of a seller's settings page.
    path("sellers/", include("partners.seller_urls")),
    path("reports/", include("reports.urls")),
    path("feeds/", include("feeds.urls")),
    path("notifications/", include("notifications.urls")),
    # The request history lived under /gateway/ before it became a seller page.
    path("gateway/sellers/", include("sellers.moved_urls")),
    path("gateway/", include("mwsportal.gateway.urls")),
    path("api/", include(("mwsportal.api.urls", "api"))),
    path("admin/", admin.site.urls),
]

# Under /api/ the errors Django answers itself (a body too large, a crash) are JSON too.
handler400 = "mwsportal.api.errors.bad_request"
handler500 = "mwsportal.api.errors.server_error"
